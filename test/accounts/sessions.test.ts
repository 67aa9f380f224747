import t from 'tap'
import { Browser, buildTestApp } from '../helper.js'

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
