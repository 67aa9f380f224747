import t from 'tap'
import { Browser, buildTestApp } from './helper.js'

t.test('pages render', async t => {
  const app = await buildTestApp(t)
  const browser = new Browser(app)
  const login = await browser.get('/login')
  t.equal(login.statusCode, 200, login.body.slice(0, 500))
})
