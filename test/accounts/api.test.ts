import t from 'tap'
import { apiUser, buildTestApp } from '../helper.js'

t.test('the accounts API follows api.md', async t => {
  const app = await buildTestApp(t)
  const signup = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'Sam@Example.com', password: 'long enough' } })
  t.equal(signup.statusCode, 201)
  const body = signup.json()
  t.equal(body.success, true)
  t.match(body.data.user, { id: /^[0-9a-f-]{36}$/, email: 'sam@example.com' })
  t.notOk('password_hash' in body.data.user || 'passwordHash' in body.data.user)

  const dup = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'sam@example.com', password: 'long enough' } })
  t.equal(dup.statusCode, 409)
  t.same(dup.json(), { success: false, error: 'An account with this email already exists.' })

  const short = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'x@example.com', password: 'short' } })
  t.equal(short.statusCode, 400)
  t.match(short.json(), { success: false, error: /at least 8 characters/, details: { field: 'password' } })
  const badEmail = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'nope', password: 'long enough' } })
  t.equal(badEmail.statusCode, 400)
  const form = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: 'email=a@b.co&password=longenough', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal(form.statusCode, 415, 'the API takes JSON only')
  const broken = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: '{"email":', headers: { 'content-type': 'application/json' } })
  t.equal(broken.statusCode, 400)
  t.equal(broken.json().success, false, 'malformed JSON gets the envelope')

  const wrong = await app.inject({ method: 'POST', url: '/api/auth/tokens', payload: { email: 'sam@example.com', password: 'wrong password' } })
  t.equal(wrong.statusCode, 401)
  t.same(wrong.json(), { success: false, error: 'Wrong email or password.' })

  const token = await app.inject({ method: 'POST', url: '/api/auth/tokens', payload: { email: 'sam@example.com', password: 'long enough', name: 'laptop' } })
  t.equal(token.statusCode, 201)
  const { data } = token.json()
  t.match(data, { token: /^dst_[A-Za-z0-9_-]{43}$/, id: /^[0-9a-f-]{36}$/, name: 'laptop' })
  const stored = await app.sql`select token_hash from api_tokens where id = ${data.id}`
  t.not(stored[0].token_hash, data.token, 'stored hashed, never in clear')
  t.equal(stored[0].token_hash.length, 64, 'a SHA-256 hex digest')

  const auth = { authorization: `Bearer ${data.token}` }
  const revoke = await app.inject({ method: 'DELETE', url: `/api/auth/tokens/${data.id}`, headers: auth })
  t.equal(revoke.statusCode, 200)
  t.equal(revoke.json().success, true)
  const reuse = await app.inject({ method: 'DELETE', url: `/api/auth/tokens/${data.id}`, headers: auth })
  t.equal(reuse.statusCode, 401, 'the revoked token stops working at once')
})

t.test('API calls need a user; one user cannot revoke another one\'s token', async t => {
  const app = await buildTestApp(t)
  const none = await app.inject({ method: 'DELETE', url: '/api/auth/tokens/00000000-0000-0000-0000-000000000000' })
  t.equal(none.statusCode, 401)
  t.match(none.json(), { success: false, error: /Sign in/ })
  const garbage = await app.inject({ url: '/api/anything', headers: { authorization: 'Bearer dst_not-a-real-token' } })
  t.equal(garbage.statusCode, 401)

  const alice = await apiUser(app)
  const bob = await apiUser(app)
  const [bobToken] = await app.sql`select id from api_tokens where user_id = ${bob.id}`
  const steal = await app.inject({ method: 'DELETE', url: `/api/auth/tokens/${bobToken.id}`, headers: alice.headers })
  t.equal(steal.statusCode, 404, "another user's token is not found")
  const notUuid = await app.inject({ method: 'DELETE', url: '/api/auth/tokens/1%27%20or%201=1', headers: alice.headers })
  t.equal(notUuid.statusCode, 404)
  const stillWorks = await app.inject({ method: 'DELETE', url: `/api/auth/tokens/${bobToken.id}`, headers: bob.headers })
  t.equal(stillWorks.statusCode, 200, "Bob's token was untouched")
  const cookieOnlyDelete = await app.inject({ method: 'DELETE', url: `/api/auth/tokens/${bobToken.id}`, headers: { ...alice.headers, origin: 'https://evil.example.com' } })
  t.equal(cookieOnlyDelete.statusCode, 403, 'a foreign Origin is refused even with a token')
})
