import t from 'tap'
import { apiUser, Browser, buildTestApp } from '../helper.js'

t.test('the hourly job deletes expired sessions and keeps live ones', async t => {
  const app = await buildTestApp(t)
  const browser = new Browser(app)
  await browser.signUp('sessions@example.com')
  await app.sql`insert into sessions (sid, data, expires_at) values ('old-one', '{}'::jsonb, now() - interval '1 minute')`
  const live = (await app.sql`select count(*)::int as n from sessions where expires_at > now()`)[0].n
  t.ok(live >= 1, 'a signed-in session exists')
  await app.worker!.addJob('sessions__purge_expired', {})
  const deadline = Date.now() + 20_000
  while ((await app.sql`select count(*)::int as n from sessions where sid = 'old-one'`)[0].n > 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
  t.equal((await app.sql`select count(*)::int as n from sessions where sid = 'old-one'`)[0].n, 0, 'the expired session is gone')
  t.equal((await app.sql`select count(*)::int as n from sessions where expires_at > now()`)[0].n, live, 'live sessions stay')
  t.equal((await browser.get('/datasets')).statusCode, 200, 'and still sign their user in')
})

t.test('a session reads its user with it: a changed email shows, a removed user is signed out', async t => {
  const app = await buildTestApp(t)
  const browser = new Browser(app)
  await browser.signUp('reader@example.com')
  t.match((await browser.get('/settings')).body, /reader@example\.com/)
  const stored = await app.sql`select data::text as data from sessions where user_id is not null`
  t.equal(stored.length, 1)
  t.notMatch(stored[0].data, /userEmail|reader@example/, 'the email is never stored in the session')
  await app.sql`update users set email = 'renamed@example.com' where email = 'reader@example.com'`
  const page = await browser.get('/settings')
  t.match(page.body, /renamed@example\.com/, 'the current email, not a copy')
  t.notMatch(page.body, /reader@example\.com/)
  // A session row whose user no longer exists (written before the user was removed).
  const [{ data }] = await app.sql`select data::text as data from sessions where user_id is not null`
  const orphan = JSON.parse(data)
  orphan.userId = '00000000-0000-4000-8000-000000000000'
  await app.sql`update sessions set data = ${JSON.stringify(orphan)}::jsonb, user_id = null where user_id is not null`
  const gone = await browser.get('/datasets')
  t.equal(gone.statusCode, 303, 'an unknown user is signed out')
  t.match(gone.headers.location, /^\/login/)
})

t.test('a token records its last use at most once a minute', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  const lastUsed = async () => (await app.sql`select last_used_at::text as at from api_tokens`)[0].at as string | null
  t.equal(await lastUsed(), null, 'unused')
  t.equal((await app.inject({ url: '/api/datasets', headers: user.headers })).statusCode, 200)
  const first = await lastUsed()
  t.ok(first, 'the first call records it')
  await app.inject({ url: '/api/datasets', headers: user.headers })
  t.same(await lastUsed(), first, 'a call within the minute writes nothing')
  await app.sql`update api_tokens set last_used_at = now() - interval '61 seconds'`
  await app.inject({ url: '/api/datasets', headers: user.headers })
  t.ok((await app.sql`select last_used_at > now() - interval '10 seconds' as recent from api_tokens`)[0].recent, 'a call after a minute records it again')
})
