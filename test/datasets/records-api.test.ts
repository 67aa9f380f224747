// GET /api/datasets/:id/records in the turn model for every format, raw on request; the
// statistics of the fixture files through the API; the /formats page and its examples.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { validate } from '../../src/validation/index.js'
import { COMMON_MISTAKES, FORMAT_GUIDE } from '../../src/datasets/format-guide.js'
import { isIssueCode, FORMAT_NAMES } from '../../src/validation/index.js'
import { apiUser, buildTestApp, uploadDataset, waitForFinal } from '../helper.js'

const fixture = (name: string) => readFileSync(new URL(`../fixtures/formats/${name}`, import.meta.url), 'utf8')
const plain = { tool_calls: null, reasoning: null, weight: 1, tool_call_id: null }
const user = (content: string) => ({ role: 'user', content, ...plain })
const assistant = (content: string) => ({ role: 'assistant', content, ...plain })

// Per fixture: the format and tool calls the API's stats must say, and the first record's turns.
const FILES = new Map<string, { format: string, toolCalls: number, first: unknown }>([
  ['openai-tools.jsonl', {
    format: 'openai',
    toolCalls: 3,
    first: [
      { role: 'system', content: 'Answer with the tools when you can.', ...plain },
      user('Weather and time in Lima?'),
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city": "Lima"}' }, { id: 'call_2', name: 'get_time', arguments: '{"city":"Lima"}' }], reasoning: null, weight: 1, tool_call_id: null },
      { role: 'tool', content: '{"temp_c": 19}', tool_calls: null, reasoning: null, weight: 1, tool_call_id: 'call_1' },
      { role: 'tool', content: '{"time": "14:05"}', tool_calls: null, reasoning: null, weight: 1, tool_call_id: 'call_2' },
      assistant('It is 19 °C in Lima and 14:05 there.')
    ]
  }],
  ['sharegpt-tools.jsonl', {
    format: 'sharegpt',
    toolCalls: 2,
    first: [
      user('How much is 100 euros in yen?'),
      { role: 'assistant', content: '', tool_calls: [{ id: null, name: 'convert_currency', arguments: '{"amount":100,"from":"EUR","to":"JPY"}' }], reasoning: null, weight: 1, tool_call_id: null },
      { role: 'tool', content: '{"converted": 16250}', ...plain },
      assistant('100 euros are about 16,250 yen.')
    ]
  }],
  ['alpaca.jsonl', { format: 'alpaca', toolCalls: 0, first: [user('Name two primary colours.'), assistant('Red and blue.')] }],
  ['prompt-completion.jsonl', { format: 'prompt_completion', toolCalls: 0, first: [user('The capital of Peru is'), assistant(' Lima.')] }],
  ['text.jsonl', { format: 'text', toolCalls: 0, first: [] }]
])

t.test('records API: the turn model for every format, and raw=true', async t => {
  const app = await buildTestApp(t)
  const owner = await apiUser(app)
  for (const [name, expected] of FILES) {
    const content = fixture(name)
    const { dataset } = (await uploadDataset(app, owner.headers, content, { name }, name)).json().data
    const final = await waitForFinal(app, owner.headers, dataset.id)
    t.equal(final.status, 'ready', `${name}: ready`)
    t.equal(final.stats.format, expected.format, `${name}: stats.format`)
    t.equal(final.stats.tool_calls, expected.toolCalls, `${name}: stats.tool_calls`)
    t.same(final.stats, JSON.parse(JSON.stringify((await validate((async function * () { yield Buffer.from(content) })())).stats)), `${name}: the engine's statistics`)

    const lines = content.trim().split('\n').map(line => JSON.parse(line))
    const response = await app.inject({ url: `/api/datasets/${dataset.id}/records?limit=2`, headers: owner.headers })
    t.equal(response.statusCode, 200)
    const { records, next_offset: next } = response.json().data
    t.equal(records.length, 2)
    t.equal(next, 2)
    t.strictSame(records[0].turns, expected.first, `${name}: the first record's turns`)
    t.equal(records[0].format, expected.format)
    t.equal(records[0].line, 1)
    t.notOk('raw' in records[0], `${name}: no raw unless asked`)
    if (expected.format === 'text') t.equal(records[0].text, lines[0].text)

    const withRaw = (await app.inject({ url: `/api/datasets/${dataset.id}/records?offset=1&limit=1&raw=true`, headers: owner.headers })).json().data
    t.equal(withRaw.records[0].line, 2)
    t.strictSame(withRaw.records[0].raw, lines[1], `${name}: raw is the record's original JSON`)
    t.ok(Array.isArray(withRaw.records[0].turns), 'and the turns with it')
  }

  const { dataset } = (await uploadDataset(app, owner.headers, fixture('openai-tools.jsonl'))).json().data
  await waitForFinal(app, owner.headers, dataset.id)
  const bad = await app.inject({ url: `/api/datasets/${dataset.id}/records?raw=maybe`, headers: owner.headers })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().error, /raw/, 'a raw that is not a boolean is named')
  const declared = (await app.inject({ url: `/api/datasets/${dataset.id}/records?limit=1`, headers: owner.headers })).json().data.records[0]
  t.equal(declared.tools.length, 2, 'declared tools come with the record')
  const other = await apiUser(app)
  t.equal((await app.inject({ url: `/api/datasets/${dataset.id}/records?raw=true`, headers: other.headers })).statusCode, 404, 'another user\'s records are not found')

  const docs = (await app.inject({ url: '/api/openapi.json' })).json()
  const operation = docs.paths['/api/datasets/{id}/records'].get
  t.ok(operation.parameters.some((p: { name: string, in: string }) => p.name === 'raw' && p.in === 'query'), 'OpenAPI declares raw')
  const record = operation.responses['200'].content['application/json'].schema.properties.data.properties.records.items
  t.ok(record.properties.turns && record.properties.raw && record.properties.format, 'OpenAPI describes the turn model, format and raw')
})

t.test('the format guide: public, every format, examples that validate ready', async t => {
  t.same(FORMAT_GUIDE.map(f => f.id).sort(), [...FORMAT_NAMES].sort(), 'one entry per format')
  for (const entry of FORMAT_GUIDE) {
    const report = await validate((async function * () { yield Buffer.from(entry.example + '\n') })())
    t.equal(report.outcome, 'ready', `${entry.id}: its example validates ready`)
    t.same([report.errors, report.warnings], [[], []], `${entry.id}: without a warning`)
    t.equal(report.stats.format, entry.id, `${entry.id}: read in its own format`)
  }
  for (const mistake of COMMON_MISTAKES) t.ok(isIssueCode(mistake.code), `${mistake.code} is an issue code`)

  const app = await buildTestApp(t)
  const page = await app.inject({ url: '/formats', headers: { accept: 'text/html' } })
  t.equal(page.statusCode, 200, 'no sign-in needed')
  for (const entry of FORMAT_GUIDE) {
    t.match(page.body, `<section class="format-guide" id="${entry.id}">`)
    const escaped = entry.example.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
    t.ok(page.body.includes(`<pre class="example"><code>${escaped}</code></pre>`), `${entry.id}: the example line, escaped`)
  }
  for (const mistake of COMMON_MISTAKES) t.match(page.body, `<tr><td><code>${mistake.code}</code></td>`)
})
