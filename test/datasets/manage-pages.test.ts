import t from 'tap'
import { Browser, buildTestApp, multipart, sampleDataset } from '../helper.js'

const XSS = '<img src=x onerror=alert(1)>'

async function uploadThroughForm (app: Awaited<ReturnType<typeof buildTestApp>>, browser: Browser, name: string, content: string) {
  await browser.get('/datasets/new')
  const body = multipart([{ name: '_csrf', value: browser.csrf }, { name: 'name', value: name }, { name: 'description', value: XSS }, { name: 'file', filename: 'chat.jsonl', content: Buffer.from(content) }])
  const response = await app.inject({ method: 'POST', url: '/datasets', payload: body.payload, headers: { ...body.headers, cookie: `sid=${browser.cookies.get('sid')}` } })
  if (response.statusCode !== 303) throw new Error(`upload failed: ${response.statusCode} ${response.body.slice(0, 300)}`)
  return (response.headers.location as string).split('/').pop()!
}

async function waitReady (app: Awaited<ReturnType<typeof buildTestApp>>, id: string) {
  const deadline = Date.now() + 30_000
  for (;;) {
    const [row] = await app.sql`select status from datasets where id = ${id}`
    if (row.status === 'ready' || row.status === 'error') return row.status
    if (Date.now() > deadline) throw new Error('not final')
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

t.test('list page: cards, summary, filters in the URL, htmx fragment, escaping', async t => {
  const app = await buildTestApp(t)
  const browser = new Browser(app)
  await browser.signUp('pages@example.com')
  const empty = await browser.get('/datasets')
  t.match(empty.body, /Upload your first dataset/, 'an empty state that invites the first upload')
  const evilContent = sampleDataset(2).replace('Question 0', `Question ${XSS}`)
  const id = await uploadThroughForm(app, browser, XSS, evilContent)
  const other = await uploadThroughForm(app, browser, 'Plain one', sampleDataset(3, 'p'))
  await waitReady(app, id)
  await waitReady(app, other)

  const page = await browser.get('/datasets')
  t.equal(page.statusCode, 200)
  t.notMatch(page.body, /<img src=x/, 'the name is escaped')
  t.match(page.body, /&lt;img src=x onerror=alert\(1\)&gt;/)
  t.match(page.body, /<strong>2<\/strong> total/)
  t.match(page.body, /<strong>2<\/strong> ready/)
  t.match(page.body, /Use for training/)
  t.match(page.body, new RegExp(`/api/datasets/${id}/download`), 'the API snippet to fetch the dataset')
  t.match(page.body, /hx-push-url="true"/, 'filters are reflected in the URL')
  t.match(page.body, /hx-trigger="input changed delay:300ms, search"/, 'search is debounced')

  const searched = await browser.get('/datasets?search=plain')
  t.match(searched.body, /Plain one/)
  t.notMatch(searched.body, /&lt;img/, 'search narrows the list')
  t.match(searched.body, /value="plain"/, 'the search box keeps the query')
  const fragment = await browser.get('/datasets?search=plain&sort=name', { 'hx-request': 'true', 'hx-target': 'dataset-list' })
  t.match(fragment.body, /^<div id="dataset-list"/, 'htmx gets the list fragment alone')
  t.notMatch(fragment.body, /<html/)
  const none = await browser.get('/datasets?status=error')
  t.match(none.body, /No datasets match/)
  t.equal((await browser.get('/datasets?page=0')).statusCode, 400)

  const show = await browser.get(`/datasets/${id}`)
  t.equal(show.statusCode, 200)
  t.notMatch(show.body, /<img src=x/, 'name and description escaped on the details page')
  t.match(show.body, /<svg viewBox/, 'the token histogram is inline SVG')
  t.match(show.body, /Download report/)
  const records = await browser.get(`/datasets/${id}/records?offset=0`)
  t.match(records.body, /class="bubble bubble-user"/, 'chat bubbles per role')
  t.match(records.body, /Question &lt;img src=x onerror=alert\(1\)&gt;/, 'conversation content is escaped')
  t.notMatch(records.body, /<img src=x/)
})

t.test('status fragment polls until final; cards too', async t => {
  const app = await buildTestApp(t)
  const browser = new Browser(app)
  await browser.signUp('poll@example.com')
  const id = await uploadThroughForm(app, browser, 'Polled', sampleDataset(3))
  await app.sql`update datasets set status = 'validating' where id = ${id}`
  await app.sql`delete from graphile_worker._private_jobs`
  const polling = await browser.get(`/datasets/${id}/status`, { 'hx-request': 'true' })
  t.match(polling.body, /hx-trigger="every 2s"/, 'polls while validating')
  t.match(polling.body, /Validating/)
  const card = await browser.get(`/datasets/${id}/card`, { 'hx-request': 'true' })
  t.match(card.body, /hx-trigger="every 2s"/)
  await app.sql`update datasets set status = 'ready' where id = ${id}`
  const final = await browser.get(`/datasets/${id}/status`, { 'hx-request': 'true' })
  t.notMatch(final.body, /hx-trigger/, 'the final fragment comes back without its trigger: polling stops')
  t.match(final.body, /Ready/)
  t.notMatch((await browser.get(`/datasets/${id}/card`)).body, /hx-trigger/)
})

t.test('delete with confirmation, undo, trash, restore; downloads', async t => {
  const app = await buildTestApp(t)
  const browser = new Browser(app)
  await browser.signUp('trash@example.com')
  const content = sampleDataset(30)
  const id = await uploadThroughForm(app, browser, 'Doomed', content)
  await waitReady(app, id)
  const confirm = await browser.get(`/datasets/${id}/delete`)
  t.match(confirm.body, /Delete “Doomed”\?/, 'asks for confirmation')
  const deleted = await browser.post(`/datasets/${id}/delete`)
  t.equal(deleted.statusCode, 303)
  const list = await browser.get('/datasets')
  t.match(list.body, /moved to the trash/)
  t.match(list.body, new RegExp(`action="/datasets/${id}/restore"`), 'the flash offers Undo')
  t.notMatch(list.body, /class="card"/, 'gone from the list')
  const trash = await browser.get('/datasets/trash')
  t.match(trash.body, /Doomed/)
  t.match(trash.body, />Restore</)
  const undo = await browser.post(`/datasets/${id}/restore`)
  t.equal(undo.statusCode, 303)
  t.match((await browser.get('/datasets')).body, /Doomed/, 'back in the list')

  const download = await browser.get(`/datasets/${id}/download`)
  t.equal(download.body, content, 'the original file')
  const reportFile = await browser.get(`/datasets/${id}/report.json`)
  t.match(reportFile.headers['content-disposition'], /attachment; filename="chat.report.json"/)
  const token = await app.accounts.createToken((await app.sql`select id from users`)[0].id, 'test')
  const apiReport = await app.inject({ url: `/api/datasets/${id}/report`, headers: { authorization: `Bearer ${token.token}` } })
  t.same(JSON.parse(reportFile.body), apiReport.json().data, 'the report download equals the API report')

  const jump = await browser.get(`/datasets/${id}/records?line=25`)
  t.match(jump.body, /id="line-25"/, 'jump to line N')
  t.notMatch(jump.body, /id="line-24"/)
  const next = /records\?offset=(\d+)" hx-get/.exec(jump.body)
  t.ok(next, 'a link to the next page of records')
})

t.test("another user's dataset: 404 on every page and fragment", async t => {
  const app = await buildTestApp(t)
  const owner = new Browser(app)
  await owner.signUp('owner@example.com')
  const id = await uploadThroughForm(app, owner, 'Mine', sampleDataset(2))
  await waitReady(app, id)
  const stranger = new Browser(app)
  await stranger.signUp('stranger@example.com')
  for (const path of ['', '/status', '/card', '/records', '/download', '/report.json', '/delete']) {
    t.equal((await stranger.get(`/datasets/${id}${path}`)).statusCode, 404, `GET /datasets/:id${path}`)
  }
  await stranger.get('/datasets')
  for (const path of ['/delete', '/restore']) {
    t.equal((await stranger.post(`/datasets/${id}${path}`)).statusCode, 404, `POST /datasets/:id${path}`)
  }
  const [row] = await app.sql`select deleted_at from datasets where id = ${id}`
  t.equal(row.deleted_at, null, 'untouched')
})
