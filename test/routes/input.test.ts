import t from 'tap'
import { apiUser, buildTestApp, sampleDataset, signedInBrowser, uploadDataset, waitForFinal } from '../helper.js'

// Declared input (src/schemas): each refusal is one sentence naming the parameter and what it allows.

t.test('the API names the parameter at fault and what it allows', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  const { dataset } = (await uploadDataset(app, user.headers, sampleDataset(2))).json().data
  await waitForFinal(app, user.headers, dataset.id)
  const get = async (url: string) => await app.inject({ url, headers: user.headers })
  const refusals: Array<[string, string, string]> = [
    ['/api/datasets?limit=101', 'limit', 'limit must be a whole number from 1 to 100.'],
    ['/api/datasets?limit=abc', 'limit', 'limit must be a whole number from 1 to 100.'],
    ['/api/datasets?page=0', 'page', 'page must be a whole number from 1 to 1,000,000.'],
    ['/api/datasets?page=1.5', 'page', 'page must be a whole number from 1 to 1,000,000.'],
    ['/api/datasets?status=done', 'status', 'status must be one of uploading, validating, ready, error.'],
    ['/api/datasets?sort=owner', 'sort', 'sort must be one of created_at, name, file_size, status, updated_at.'],
    ['/api/datasets?order=up', 'order', 'order must be asc or desc.'],
    ['/api/datasets?deleted=maybe', 'deleted', 'deleted must be true or false.'],
    [`/api/datasets?search=${'x'.repeat(201)}`, 'search', 'search must be at most 200 characters.'],
    ['/api/datasets?search=a&search=b', 'search', 'search must be text.'],
    [`/api/datasets/${dataset.id}/records?offset=-1`, 'offset', 'offset must be a whole number from 0.'],
    [`/api/datasets/${dataset.id}/records?limit=0`, 'limit', 'limit must be a whole number from 1 to 100.'],
    ['/api/notifications?unread=maybe', 'unread', 'unread must be true or false.']
  ]
  for (const [url, field, error] of refusals) {
    const response = await get(url)
    t.equal(response.statusCode, 400, url)
    t.same(response.json(), { success: false, error, details: { field } }, `${url}: ${error}`)
  }
  for (const [method, url, error] of [
    ['GET', '/api/datasets/not-a-uuid', 'Dataset not found.'],
    ['GET', '/api/datasets/not-a-uuid/records', 'Dataset not found.'],
    ['POST', '/api/datasets/1234/confirm', 'Dataset not found.'],
    ['POST', '/api/notifications/nope/read', 'Notification not found.'],
    ['DELETE', '/api/auth/tokens/nope', 'Token not found.']
  ] as const) {
    const response = await app.inject({ method, url, headers: user.headers })
    t.equal(response.statusCode, 404, `${method} ${url}: an id that is not a UUID names nothing`)
    t.same(response.json(), { success: false, error }, url)
  }
  const empty = (await get('/api/datasets?status=&sort=&order=&page=&limit=&search=&deleted=')).json()
  t.same([empty.success, empty.data.pagination, empty.data.datasets.length], [true, { page: 1, limit: 20, total: 1, total_pages: 1 }, 1], 'an empty parameter means its default')
})

t.test('pages answer a bad parameter with the error page, saying the same', async t => {
  const { browser } = await signedInBrowser(t, 'input@example.com')
  const bad = await browser.get('/datasets?status=done')
  t.equal(bad.statusCode, 400)
  t.match(bad.body, /<h1>That did not work<\/h1>\s*<p>status must be one of uploading, validating, ready, error\.<\/p>/)
  const page = await browser.get('/datasets?page=zero')
  t.equal(page.statusCode, 400)
  t.match(page.body, /page must be a whole number from 1 to 1,000,000\./)
  const missing = await browser.get('/datasets/not-a-uuid')
  t.equal(missing.statusCode, 404)
  t.match(missing.body, /Dataset not found\./)
  const fragment = await browser.get('/datasets/00000000-0000-4000-8000-000000000000/records?line=abc')
  t.equal(fragment.statusCode, 400, 'the id is a UUID; the line is checked first')
  t.match(fragment.body, /line must be a whole number from 0\./)
  const token = await browser.post('/settings/tokens/nope/revoke')
  t.equal(token.statusCode, 404)
  t.match(token.body, /That token does not exist\./)
})

// Issue 11: a string from outside that names a built-in object property (a sort key, a status, a
// tokenizer, a form field) is never looked up on a plain object: each gets a clear 400 or the
// same answer any other unknown or literal word would get, never a 500 or a wrong result.
const BUILT_INS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf',
  'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupGetter__', 'prototype', 'length', 'name']

t.test('strings naming built-in object properties, as every kind of input (property-based)', async t => {
  const fc = (await import('fast-check')).default
  const { app, browser } = await signedInBrowser(t, 'builtins@example.com', { UPLOADS_PER_MINUTE: '1000' })
  const user = await apiUser(app)
  const [browserUser] = await app.sql`select id from users where email = 'builtins@example.com'`
  // Datasets whose names contain the words, so a search has something right to find.
  const named = (await uploadDataset(app, user.headers, sampleDataset(1), { name: 'the toString dataset' })).json().data.dataset
  await waitForFinal(app, user.headers, named.id)
  const other = (await uploadDataset(app, user.headers, sampleDataset(1), { name: 'plain' })).json().data.dataset
  await waitForFinal(app, user.headers, other.id)
  const token = await app.accounts.createToken(browserUser.id, 'page user')
  const mine = (await uploadDataset(app, { authorization: `Bearer ${token.token}` }, sampleDataset(1), { name: 'page dataset' })).json().data.dataset
  await waitForFinal(app, { authorization: `Bearer ${token.token}` }, mine.id)

  const word = fc.oneof(fc.constantFrom(...BUILT_INS), fc.constantFrom(...BUILT_INS).map(w => w.toUpperCase()))
  const apiCalls = ['sort', 'order', 'status', 'deleted', 'page', 'limit', 'search'] as const
  await fc.assert(fc.asyncProperty(word, fc.constantFrom(...apiCalls), async (value, parameter) => {
    const response = await app.inject({ url: `/api/datasets?${parameter}=${encodeURIComponent(value)}`, headers: user.headers })
    const body = response.json()
    if (parameter === 'sort' && value === 'name') return response.statusCode === 200 // a sort key in its own right
    if (parameter === 'search') {
      const expected = ['the toString dataset', 'plain'].filter(name => name.toLowerCase().includes(value.toLowerCase()))
      return response.statusCode === 200 && JSON.stringify(body.data.datasets.map((d: { name: string }) => d.name)) === JSON.stringify(expected)
    }
    return response.statusCode === 400 && body.success === false && body.details.field === parameter && body.error.startsWith(`${parameter} must be`)
  }), { numRuns: 120 })

  await fc.assert(fc.asyncProperty(word, fc.constantFrom('sort', 'status', 'search', 'page'), async (value, parameter) => {
    const response = await browser.get(`/datasets?${parameter}=${encodeURIComponent(value)}`)
    if (parameter === 'status' || parameter === 'page') return response.statusCode === 400 && response.body.includes(`${parameter} must be`)
    if (response.statusCode !== 200) return false
    // An unknown sort shows the newest first, with "Newest" selected.
    if (parameter === 'sort') {
      const shown = value === 'name' ? '<option value="name" selected>Name</option>' : '<option value="newest" selected>Newest</option>'
      return response.body.includes(shown) && response.body.includes('page dataset')
    }
    return !response.body.includes('card-title') || response.body.includes(value)
  }), { numRuns: 60 })

  await fc.assert(fc.asyncProperty(word, fc.constantFrom('severity', 'code', 'line', 'offset'), async (value, parameter) => {
    const url = parameter === 'line' || parameter === 'offset' ? `/datasets/${mine.id}/records?${parameter}=${encodeURIComponent(value)}` : `/datasets/${mine.id}?${parameter}=${encodeURIComponent(value)}`
    const response = await browser.get(url)
    if (parameter === 'line' || parameter === 'offset') return response.statusCode === 400 && response.body.includes(`${parameter} must be a whole number`)
    return response.statusCode === 200 && !/<td><code>/.test(response.body.split('id="issues"')[1] ?? '')
  }), { numRuns: 40 })

  for (const value of BUILT_INS) {
    const unread = await app.inject({ url: `/api/notifications?unread=${encodeURIComponent(value)}`, headers: user.headers })
    t.same([unread.statusCode, unread.json().error], [400, 'unread must be true or false.'], `unread=${value}`)
    for (const path of [`/api/datasets/${value}`, `/api/notifications/${value}/read`]) {
      const response = await app.inject({ method: path.endsWith('/read') ? 'POST' : 'GET', url: path, headers: user.headers })
      t.equal(response.statusCode, 404, `${path}: not found`)
    }
    // The tokenizer of an upload and of a direct upload, and a form field of that name.
    const upload = await uploadDataset(app, user.headers, sampleDataset(1), { tokenizer: value })
    t.same([upload.statusCode, upload.json()], [400, { success: false, error: `The tokenizer ${JSON.stringify(value)} is unknown: choose o200k_base, cl100k_base, llama-3.2, qwen3 or gemma-3 (GET /api/models lists them).`, details: { field: 'tokenizer' } }], `upload tokenizer=${value}`)
    const direct = await app.inject({ method: 'POST', url: '/api/datasets', headers: user.headers, payload: { name: 'd', file_name: 'd.jsonl', file_size: 10, tokenizer: value } })
    t.same([direct.statusCode, direct.json().details], [400, { field: 'tokenizer' }], `direct upload tokenizer=${value}`)
    const field = await uploadDataset(app, user.headers, sampleDataset(1), { [value]: 'x', name: value })
    if (value in Object.prototype) {
      // @fastify/multipart refuses these names before our code sees them.
      t.same([field.statusCode, field.json().error], [400, 'The form has a field name that is not allowed.'], `a form field named ${value} is refused`)
    } else {
      t.equal(field.statusCode, 201, `a form field named ${value} is ignored`)
      t.same([field.json().data.dataset.name, field.json().data.dataset.tokenizer], [value, 'o200k_base'], `and the dataset is named ${value}, with the default tokenizer`)
    }
    const form = await browser.post('/settings/tokens', { name: value })
    t.equal(form.statusCode, 201, `a token named ${value}`)
    t.match(form.body, `New token <strong>${value}</strong>`)
  }
  for (const body of ['{"__proto__": {"name": "x"}, "name": "n", "file_name": "a.jsonl", "file_size": 5}', '{"constructor": {"prototype": {"name": "x"}}, "name": "n", "file_name": "a.jsonl", "file_size": 5}']) {
    const response = await app.inject({ method: 'POST', url: '/api/datasets', headers: { ...user.headers, 'content-type': 'application/json' }, payload: body })
    t.equal(response.statusCode, 400, `JSON with a poisoning key: 400 (${body.slice(2, 13)})`)
    t.equal(response.json().success, false)
  }
})
