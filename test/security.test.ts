import t from 'tap'
import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import { apiUser, Browser, buildTestApp, multipart, sampleDataset, uploadDataset, waitForFinal } from './helper.js'

/** A signed-in browser and an API user, each with a dataset, a notification and a token. */
async function world (app: FastifyInstance) {
  const browser = new Browser(app)
  await browser.signUp('sec@example.com')
  const [owner] = await app.sql`select id from users where email = 'sec@example.com'`
  const token = await app.accounts.createToken(owner.id, 'sec')
  const ownerHeaders = { authorization: `Bearer ${token.token}` }
  const mine = (await uploadDataset(app, ownerHeaders, sampleDataset(3, 'mine'), { name: 'Mine' })).json().data.dataset
  await waitForFinal(app, ownerHeaders, mine.id)
  const other = await apiUser(app)
  const theirs = (await uploadDataset(app, other.headers, sampleDataset(3, 'theirs'), { name: 'Theirs' })).json().data.dataset
  await waitForFinal(app, other.headers, theirs.id)
  const [theirNote] = await app.sql`select id from notifications where user_id = ${other.id}`
  const [theirToken] = await app.sql`select id from api_tokens where user_id = ${other.id}`
  const [myNote] = await app.sql`select id from notifications where user_id = ${owner.id}`
  return { browser, ownerHeaders, mine, theirs, theirNote: theirNote.id, theirToken: theirToken.id, myNote: myNote.id, myToken: token.id }
}

function fill (url: string, ids: { dataset: string, notification: string, token: string }): string {
  return url.replace(':id', url.includes('notifications') ? ids.notification : url.includes('tokens') ? ids.token : ids.dataset)
}

/** What GET requests must never change: every row but sessions and a token's last use. */
async function stateDigest (app: FastifyInstance): Promise<string> {
  const rows = await app.sql`select
    (select coalesce(json_agg(d order by d.id), '[]') from datasets d)::text as datasets,
    (select coalesce(json_agg(n order by n.id), '[]') from notifications n)::text as notifications,
    (select coalesce(json_agg(json_build_object('id', a.id, 'name', a.name) order by a.id), '[]') from api_tokens a)::text as tokens,
    (select coalesce(json_agg(u order by u.id), '[]') from users u)::text as users`
  return createHash('sha256').update(JSON.stringify(rows[0])).digest('hex')
}

t.test('every state-changing route refuses a missing CSRF token and a foreign Origin', async t => {
  const app = await buildTestApp(t)
  const w = await world(app)
  const ids = { dataset: w.mine.id, notification: w.myNote, token: w.myToken }
  const changing = app.routeTable.filter(route => !['GET', 'HEAD', 'OPTIONS'].includes(route.method))
  t.ok(changing.length >= 15, `${changing.length} state-changing routes`)
  const cookie = `sid=${w.browser.cookies.get('sid')}`
  for (const route of changing) {
    const url = fill(route.url, ids)
    const body = route.url === '/datasets' || route.url === '/api/datasets'
      ? multipart([{ name: 'name', value: 'x' }, { name: 'file', filename: 'a.jsonl', content: Buffer.from(sampleDataset(1)) }])
      : { payload: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }
    const noToken = await app.inject({ method: route.method as 'POST', url, payload: body.payload, headers: { ...body.headers, cookie } })
    const credentialCall = route.url === '/api/auth/signup' || route.url === '/api/auth/tokens'
    if (credentialCall) {
      t.equal(noToken.statusCode, 415, `${route.method} ${route.url}: takes JSON only, so no cross-site form can reach it`)
    } else {
      t.equal(noToken.statusCode, 403, `${route.method} ${route.url}: no CSRF token → 403`)
    }
    const foreign = await app.inject({
      method: route.method as 'POST', url, payload: body.payload,
      headers: { ...body.headers, cookie, 'x-csrf-token': w.browser.csrf, origin: 'https://evil.example.com' }
    })
    t.equal(foreign.statusCode, 403, `${route.method} ${route.url}: foreign Origin → 403`)
  }
  const [mine] = await app.sql`select deleted_at from datasets where id = ${w.mine.id}`
  t.equal(mine.deleted_at, null, 'nothing was changed by the refused requests')
})

t.test('no GET changes state; every page carries the security headers', async t => {
  const app = await buildTestApp(t)
  const w = await world(app)
  const ids = { dataset: w.mine.id, notification: w.myNote, token: w.myToken }
  const before = await stateDigest(app)
  for (const route of app.routeTable.filter(r => r.method === 'GET')) {
    const url = fill(route.url, ids).replace('*', 'htmx.min.js')
    const response = route.url.startsWith('/api/')
      ? await app.inject({ url, headers: w.ownerHeaders })
      : await w.browser.get(url)
    t.ok(response.statusCode < 500, `GET ${route.url} answers (${response.statusCode})`)
    if (String(response.headers['content-type']).startsWith('text/html')) {
      t.match(String(response.headers['content-security-policy']), /script-src 'self'/, `GET ${route.url}: CSP`)
      t.equal(response.headers['x-content-type-options'], 'nosniff', `GET ${route.url}: nosniff`)
      t.ok(response.headers['x-frame-options'] || /frame-ancestors 'none'/.test(String(response.headers['content-security-policy'])), `GET ${route.url}: no framing`)
    }
  }
  t.equal(await stateDigest(app), before, 'no GET changed a dataset, notification, token or user')
})

t.test("a user never reaches another user's dataset, report, records, download, notification or token", async t => {
  const app = await buildTestApp(t)
  const w = await world(app)
  const ids = { dataset: w.theirs.id, notification: w.theirNote, token: w.theirToken }
  const withId = app.routeTable.filter(route => route.url.includes(':id'))
  t.ok(withId.length >= 20, `${withId.length} routes take an id`)
  await w.browser.get('/datasets')
  // Calls whose contract requires a body get a valid one, so that only the id decides.
  const bodies: Record<string, object> = { '/api/datasets/:id/derive': { drop: ['errors'] } }
  for (const route of withId) {
    const url = fill(route.url, ids)
    const response = route.url.startsWith('/api/')
      ? await app.inject({ method: route.method as 'GET', url, headers: w.ownerHeaders, ...(bodies[route.url] ? { payload: bodies[route.url] } : {}) })
      : route.method === 'GET' ? await w.browser.get(url) : await w.browser.post(url)
    t.equal(response.statusCode, 404, `${route.method} ${route.url} with another user's id → 404`)
    t.notMatch(response.body, /Theirs|theirs-0/, 'and nothing of it is shown')
  }
  const [theirs] = await app.sql`select deleted_at from datasets where id = ${w.theirs.id}`
  t.equal(theirs.deleted_at, null)
  t.equal((await app.sql`select count(*)::int as n from api_tokens where id = ${w.theirToken}`)[0].n, 1, 'their token survives')
  t.equal((await app.sql`select read_at from notifications where id = ${w.theirNote}`)[0].read_at, null, 'their notification stays unread')
})

t.test('a spoofed content type or a file name with path parts is harmless', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  const body = multipart([{ name: 'name', value: 'Spoofed' }, { name: 'file', filename: '../../../etc/passwd.jsonl', type: 'image/png', content: Buffer.from(sampleDataset(2)) }])
  const response = await app.inject({ method: 'POST', url: '/api/datasets', payload: body.payload, headers: { ...body.headers, ...user.headers } })
  t.equal(response.statusCode, 201, 'judged by its bytes, not its declared type')
  const { dataset } = response.json().data
  t.equal(dataset.storage_path, `${user.id}/${dataset.id}/passwd.jsonl`, 'the key stays under the user and dataset ids')
  const exe = multipart([{ name: 'name', value: 'Binary' }, { name: 'file', filename: 'x.jsonl', type: 'application/jsonl', content: Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00]) }])
  const refused = await app.inject({ method: 'POST', url: '/api/datasets', payload: exe.payload, headers: { ...exe.headers, ...user.headers } })
  t.equal(refused.statusCode, 415, 'a binary declared as JSON Lines is refused')
  const download = await app.inject({ url: `/api/datasets/${dataset.id}/download`, headers: user.headers })
  t.equal(download.headers['content-disposition'], 'attachment; filename="passwd.jsonl"')
  t.equal(download.headers['x-content-type-options'], 'nosniff')
})
