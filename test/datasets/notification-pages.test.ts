import t from 'tap'
import { Browser, buildTestApp, multipart, sampleDataset } from '../helper.js'

t.test('the bell, the notifications page, mark one and all as read', async t => {
  const app = await buildTestApp(t)
  const browser = new Browser(app)
  await browser.signUp('bell@example.com')
  await browser.get('/datasets/new')
  const ids: string[] = []
  for (const name of ['<b>First</b>', 'Second']) {
    const body = multipart([{ name: '_csrf', value: browser.csrf }, { name: 'name', value: name }, { name: 'file', filename: 'a.jsonl', content: Buffer.from(sampleDataset(2, name)) }])
    const response = await app.inject({ method: 'POST', url: '/datasets', payload: body.payload, headers: { ...body.headers, cookie: `sid=${browser.cookies.get('sid')}` } })
    ids.push((response.headers.location as string).split('/').pop()!)
  }
  const deadline = Date.now() + 30_000
  while ((await app.sql`select count(*)::int as n from notifications`)[0].n < 2 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))

  const bell = await browser.get('/notifications/bell', { 'hx-request': 'true' })
  t.match(bell.body, /hx-trigger="every 10s"/, 'the bell refreshes itself')
  t.match(bell.body, /<span class="bell-count">2<\/span>/)
  t.notMatch(bell.body, /<html/, 'a fragment, not a page')
  const page = await browser.get('/notifications')
  t.match(page.body, /class="bell-count">2</, 'the nav shows the count')
  t.match(page.body, /&lt;b&gt;First&lt;\/b&gt;/, 'titles are escaped')
  t.notMatch(page.body, /<b>First<\/b>/)
  const id = /action="\/notifications\/([0-9a-f-]+)\/read"/.exec(page.body)![1]
  t.equal((await browser.post(`/notifications/${id}/read`)).statusCode, 303)
  t.match((await browser.get('/notifications/bell')).body, /bell-count">1</)
  await browser.get('/notifications')
  t.equal((await browser.post('/notifications/read-all')).statusCode, 303)
  const after = await browser.get('/notifications/bell')
  t.notMatch(after.body, /bell-count/, 'no count when all are read')
  t.equal((await browser.post('/notifications/00000000-0000-0000-0000-000000000000/read')).statusCode, 404)
})
