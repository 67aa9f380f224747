import t from 'tap'
import { Browser, buildTestApp } from '../helper.js'

t.test('sign up, sign out, sign in through the pages', async t => {
  const app = await buildTestApp(t)
  const browser = new Browser(app)

  const signupPage = await browser.get('/signup')
  t.equal(signupPage.statusCode, 200)
  t.match(signupPage.body, /name="_csrf"/, 'the form carries a CSRF token')

  const short = await browser.post('/signup', { email: 'pat@example.com', password: 'short' })
  t.equal(short.statusCode, 422)
  t.match(short.body, /at least 8 characters/)
  t.match(short.body, /value="pat@example.com"/, 'the typed email is kept')

  const anonymousSid = browser.cookies.get('sid')
  const created = await browser.post('/signup', { email: 'Pat@Example.com', password: 'a long password' })
  t.equal(created.statusCode, 303)
  t.equal(created.headers.location, '/datasets')
  t.not(browser.cookies.get('sid'), anonymousSid, 'the session id is regenerated at sign-in')
  const setCookie = String(created.headers['set-cookie'])
  t.match(setCookie, /HttpOnly/)
  t.match(setCookie, /SameSite=Lax/)
  t.notMatch(setCookie, /Secure/, 'not Secure outside production')

  const list = await browser.get('/datasets')
  t.equal(list.statusCode, 200)
  t.match(list.body, /Welcome!/, 'flash message shown once')
  t.match(list.body, /Sign out/)
  t.notMatch((await browser.get('/datasets')).body, /Welcome!/, 'and only once')

  const taken = await new Browser(app).get('/signup').then(async () => {
    const other = new Browser(app)
    await other.get('/signup')
    return await other.post('/signup', { email: 'pat@example.com', password: 'another password' })
  })
  t.equal(taken.statusCode, 422)
  t.match(taken.body, /already exists/)

  const signedInSid = browser.cookies.get('sid')!
  const out = await browser.post('/logout')
  t.equal(out.statusCode, 303)
  t.equal(out.headers.location, '/login')
  // The old cookie no longer opens anything: the session row is gone.
  const replay = await app.inject({ url: '/datasets', headers: { cookie: `sid=${signedInSid}`, accept: 'text/html' } })
  t.equal(replay.statusCode, 303, 'a destroyed session is signed out')

  const redirected = await browser.get('/datasets')
  t.equal(redirected.statusCode, 303)
  t.equal(redirected.headers.location, '/login?next=%2Fdatasets')

  await browser.get('/login?next=/settings')
  const wrong = await browser.post('/login', { email: 'pat@example.com', password: 'wrong password', next: '/settings' })
  t.equal(wrong.statusCode, 422)
  t.match(wrong.body, /Wrong email or password\./)
  const unknown = await browser.post('/login', { email: 'nobody@example.com', password: 'wrong password' })
  t.match(unknown.body, /Wrong email or password\./, 'the same message for an unknown email')
  const ok = await browser.post('/login', { email: 'PAT@example.com', password: 'a long password', next: '/settings' })
  t.equal(ok.statusCode, 303)
  t.equal(ok.headers.location, '/settings', 'back to where the user was going')
  const evil = await browser.post('/logout').then(() => browser.get('/login')).then(() =>
    browser.post('/login', { email: 'pat@example.com', password: 'a long password', next: '//evil.example.com' }))
  t.equal(evil.headers.location, '/datasets', 'no open redirect')
})

t.test('CSRF: a form post without a valid token is refused', async t => {
  const app = await buildTestApp(t)
  const browser = new Browser(app)
  await browser.signUp('csrf@example.com')
  const noToken = await browser.post('/settings/tokens', { name: 'x', _csrf: '' })
  t.equal(noToken.statusCode, 403)
  t.match(noToken.body, /security token/)
  const forged = await browser.post('/settings/tokens', { name: 'x', _csrf: 'forged-token' })
  t.equal(forged.statusCode, 403)
  const loginNoToken = await new Browser(app).post('/login', { email: 'csrf@example.com', password: 'correct horse battery', _csrf: '' })
  t.equal(loginNoToken.statusCode, 403, 'sign-in form needs the token too')
  const crossSite = await browser.post('/settings/tokens', { name: 'x' }, { origin: 'https://evil.example.com' })
  t.equal(crossSite.statusCode, 403, 'a foreign Origin is refused')
  await browser.get('/settings')
  const nullOrigin = await browser.post('/settings/tokens', { name: 'x' }, { origin: 'null', 'sec-fetch-site': 'cross-site' })
  t.equal(nullOrigin.statusCode, 403, '"Origin: null" from another site is refused')
  const nullSameOrigin = await browser.post('/settings/tokens', { name: 'x' }, { origin: 'null', 'sec-fetch-site': 'same-origin' })
  t.equal(nullSameOrigin.statusCode, 201, '"Origin: null" on our own form (Sec-Fetch-Site: same-origin) passes')
  await browser.get('/settings')
  const good = await browser.post('/settings/tokens', { name: 'x' }, { origin: 'http://localhost:80' })
  t.equal(good.statusCode, 201, 'same token and origin pass')
  const htmx = await app.inject({
    method: 'POST', url: '/logout', headers: { cookie: `sid=${browser.cookies.get('sid')}`, 'x-csrf-token': browser.csrf, 'hx-request': 'true' }
  })
  t.equal(htmx.statusCode, 303, 'the header token (htmx) is accepted')
})

t.test('sign-in is rate limited per IP and email', async t => {
  const app = await buildTestApp(t)
  const browser = new Browser(app)
  await browser.signUp('limit@example.com')
  await browser.post('/logout')
  await browser.get('/login')
  for (let i = 0; i < 10; i++) {
    const response = await browser.post('/login', { email: 'limit@example.com', password: `wrong ${i}` })
    t.equal(response.statusCode, 422, `failure ${i + 1} is answered normally`)
  }
  const limited = await browser.post('/login', { email: 'limit@example.com', password: 'correct horse battery' })
  t.equal(limited.statusCode, 429, 'the 11th try within a minute is refused, even with the right password')
  t.ok(Number(limited.headers['retry-after']) > 0)
  t.match(limited.body, /Too many failed sign-ins/)
  const otherEmail = await browser.post('/login', { email: 'other@example.com', password: 'whatever1' })
  t.equal(otherEmail.statusCode, 422, 'another email from the same IP is not blocked')
  const api = await app.inject({ method: 'POST', url: '/api/auth/tokens', payload: { email: 'limit@example.com', password: 'correct horse battery' } })
  t.equal(api.statusCode, 429, 'the API shares the limit')
  t.same(api.json().success, false)
})

t.test('settings lists tokens and revokes them', async t => {
  const app = await buildTestApp(t)
  const browser = new Browser(app)
  await browser.signUp('tokens@example.com')
  await browser.get('/settings')
  const created = await browser.post('/settings/tokens', { name: '<b>ci</b>' })
  t.equal(created.statusCode, 201)
  t.equal(created.headers['cache-control'], 'no-store')
  const token = /<code id="new-token">([^<]+)<\/code>/.exec(created.body)![1]
  t.match(token, /^dst_/)
  t.match(created.body, /&lt;b&gt;ci&lt;\/b&gt;/, 'the name is escaped')
  t.notMatch(created.body, /<b>ci<\/b>/)
  const api = await app.inject({ url: '/api/datasets-check-auth', headers: { authorization: `Bearer ${token}` } })
  t.equal(api.statusCode, 404, 'the token signs API calls in (404: no such route, not 401)')
  const page = await browser.get('/settings')
  t.notMatch(page.body, new RegExp(token), 'the token is never shown again')
  const id = /action="\/settings\/tokens\/([0-9a-f-]+)\/revoke"/.exec(page.body)![1]
  const revoked = await browser.post(`/settings/tokens/${id}/revoke`)
  t.equal(revoked.statusCode, 303)
  const after = await app.inject({ url: '/api/datasets-check-auth', headers: { authorization: `Bearer ${token}` } })
  t.equal(after.statusCode, 401, 'a revoked token stops working at once')
  const again = await browser.post(`/settings/tokens/${id}/revoke`)
  t.equal(again.statusCode, 404)
})

t.test('production sets the Secure flag on the session cookie', async t => {
  const app = await buildTestApp(t, { NODE_ENV: 'production' })
  const response = await app.inject({ url: '/login', headers: { 'x-forwarded-proto': 'https' } })
  t.match(String(response.headers['set-cookie']), /Secure/)
})
