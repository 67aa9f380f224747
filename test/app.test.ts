import t from 'tap'
import { buildApp } from '../src/app.js'
import { apiUser, Browser, buildTestApp, createTestConfig } from './helper.js'

t.test('layout, static assets and security headers', async t => {
  const app = await buildTestApp(t)
  const browser = new Browser(app)
  const login = await browser.get('/login')
  t.equal(login.statusCode, 200)
  t.match(login.headers['content-type'], /text\/html; charset=utf-8/)
  const csp = String(login.headers['content-security-policy'])
  t.match(csp, /default-src 'self'/)
  t.match(csp, /script-src 'self'(;|$)/, 'only our own scripts')
  t.match(csp, /style-src 'self'(;|$)/, 'only our own styles')
  t.match(csp, /frame-ancestors 'none'/)
  t.equal(login.headers['x-content-type-options'], 'nosniff')
  t.equal(login.headers['referrer-policy'], 'same-origin', 'same-origin: browsers keep sending our Origin on our forms')
  t.match(login.body, /<script src="\/vendor\/htmx\/htmx.min.js"/)
  t.notMatch(login.body, /<script>|<style>|https?:\/\/(?!localhost)[a-z]+\.[a-z]+\/[^"]*\.(js|css)/, 'no inline scripts, no CDN')

  const htmx = await app.inject('/vendor/htmx/htmx.min.js')
  t.equal(htmx.statusCode, 200)
  t.match(htmx.body, /version:"2\.0\.\d+"/, 'htmx 2.0.x from our own origin')
  const pico = await app.inject('/vendor/pico/pico.min.css')
  t.equal(pico.statusCode, 200)
  t.match(pico.body, /Pico CSS/)
  t.equal((await app.inject('/vendor/pico/pico.css')).statusCode, 404, 'only the files we use are exposed')
  t.equal((await app.inject('/static/app.css')).statusCode, 200)

  await browser.signUp('nav@example.com')
  const page = await browser.get('/datasets')
  for (const link of ['href="/datasets"', 'href="/notifications"', 'href="/settings"', 'action="/logout"']) t.match(page.body, link)
  t.match(page.body, /hx-headers='\{"x-csrf-token": "[^"]+"\}'/, 'htmx requests carry the CSRF token')
})

t.test('friendly 404 and error pages, never a stack trace', async t => {
  const config = await createTestConfig(t)
  const app = await buildApp(config)
  t.teardown(() => app.close())
  app.get('/boom', async () => { throw new Error('secret internals at /srv/app.ts:12') })
  app.get('/api/boom', async () => { throw new Error('secret internals') })
  await app.ready()

  const missing = await app.inject({ url: '/no/such/page', headers: { accept: 'text/html' } })
  t.equal(missing.statusCode, 404)
  t.match(missing.body, /Page not found/)
  const user = await apiUser(app)
  t.equal((await app.inject({ url: '/api/nope' })).statusCode, 401, 'signed out: 401 before anything else')
  const apiMissing = await app.inject({ url: '/api/auth/nope', method: 'POST', payload: {}, headers: user.headers })
  t.equal(apiMissing.statusCode, 404)
  t.same(apiMissing.json(), { success: false, error: 'Not found.' })

  const boom = await app.inject({ url: '/boom', headers: { accept: 'text/html' } })
  t.equal(boom.statusCode, 500)
  t.match(boom.body, /Something went wrong/)
  t.notMatch(boom.body, /secret internals|at \/|\.ts:/)
  const apiBoom = await app.inject({ url: '/api/boom', headers: user.headers })
  t.equal(apiBoom.statusCode, 500)
  t.same(apiBoom.json(), { success: false, error: 'Something went wrong on our side. Please try again.' })
})

t.test('health: /healthz, /readyz', async t => {
  const app = await buildTestApp(t)
  const health = await app.inject('/healthz')
  t.equal(health.statusCode, 200)
  t.same(health.json(), { status: 'ok' })
  const ready = await app.inject('/readyz')
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { status: 'ready', database: 'ok', storage: 'ok' })
})

t.test('/readyz answers 503 naming storage when it is unreachable', async t => {
  const config = await createTestConfig(t)
  config.s3 = { ...config.s3, endpoint: 'http://127.0.0.1:9' } // discard port: nothing listens
  const app = await buildApp(config)
  t.teardown(() => app.close())
  const response = await app.inject('/readyz')
  t.equal(response.statusCode, 503)
  t.match(response.json(), { status: 'unavailable', database: 'ok', storage: /^unreachable/ })
})

t.test('/readyz answers 503 naming the database when it is unreachable', async t => {
  const config = await createTestConfig(t)
  const app = await buildApp({ ...config, role: 'web', databaseUrl: 'postgres://nobody@127.0.0.1:9/none' })
  t.teardown(() => app.close())
  const response = await app.inject('/readyz')
  t.equal(response.statusCode, 503)
  t.match(response.json(), { status: 'unavailable', database: /^unreachable/, storage: 'ok' })
})

t.test('pages redirect to sign-in when signed out; fragments get HX-Redirect', async t => {
  const app = await buildTestApp(t)
  for (const url of ['/datasets', '/settings']) {
    const response = await app.inject({ url, headers: { accept: 'text/html' } })
    t.equal(response.statusCode, 303, url)
    t.match(response.headers.location, /^\/login\?next=/)
  }
  const fragment = await app.inject({ url: '/datasets', headers: { 'hx-request': 'true' } })
  t.equal(fragment.statusCode, 401)
  t.equal(fragment.headers['hx-redirect'], '/login')
  const root = await app.inject('/')
  t.equal(root.headers.location, '/login')
})
