// GET /api/datasets/:id/export and /manifest: every format, rows=valid|all, refusals (409), isolation (404).
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import t from 'tap'
import { validate } from '../../src/validation/index.js'
import { apiUser, buildTestApp, uploadDataset, waitForFinal } from '../helper.js'

const fixture = (name: string) => readFileSync(new URL(`../fixtures/formats/${name}`, import.meta.url), 'utf8')
const lines = (body: string) => body.split('\n').filter(line => line !== '').map(line => JSON.parse(line))

async function validated (text: string) {
  return await validate(Readable.from([Buffer.from(text)]))
}

t.test('export: every format, while streaming, with a sensible name', async t => {
  const app = await buildTestApp(t)
  const owner = await apiUser(app)
  const other = await apiUser(app)
  const content = [
    JSON.stringify({ conversation_id: 'a', turns: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }] }),
    'not json',
    JSON.stringify({ conversation_id: 'b', turns: [{ role: 'user', content: 'Two plus two?' }, { role: 'assistant', content: '4' }, { role: 'user', content: 'And three?' }, { role: 'assistant', content: '5' }] }),
    ''
  ].join('\n')
  const { dataset } = (await uploadDataset(app, owner.headers, content, { name: 'support chats' }, 'support-chats.jsonl')).json().data
  const early = await app.inject({ url: `/api/datasets/${dataset.id}/export?format=openai`, headers: owner.headers })
  if (early.statusCode === 409) t.match(early.json().error, /validating: it can be exported once validation has finished/)
  const final = await waitForFinal(app, owner.headers, dataset.id)
  t.equal(final.status, 'error', 'one bad line')

  const openai = await app.inject({ url: `/api/datasets/${dataset.id}/export?format=openai`, headers: owner.headers })
  t.equal(openai.statusCode, 200)
  t.equal(openai.headers['content-type'], 'application/x-ndjson')
  t.equal(openai.headers['content-disposition'], 'attachment; filename="support-chats.openai.jsonl"')
  t.same(lines(openai.body), [
    { conversation_id: 'a', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }] },
    { conversation_id: 'b', messages: [{ role: 'user', content: 'Two plus two?' }, { role: 'assistant', content: '4' }, { role: 'user', content: 'And three?' }, { role: 'assistant', content: '5' }] }
  ], 'rows=valid by default: the line with an error is left out')
  t.equal((await validated(openai.body)).outcome, 'ready')

  const all = await app.inject({ url: `/api/datasets/${dataset.id}/export?format=openai&rows=all`, headers: owner.headers })
  t.equal(all.body.split('\n')[1], 'not json', 'rows=all: a line with an error is written as it is, in its place')

  const sharegpt = await app.inject({ url: `/api/datasets/${dataset.id}/export?format=sharegpt`, headers: owner.headers })
  t.same(lines(sharegpt.body)[0], { conversation_id: 'a', conversations: [{ from: 'human', value: 'Hi' }, { from: 'gpt', value: 'Hello!' }], system: 'Be brief.' })
  t.equal((await validated(sharegpt.body)).outcome, 'ready')

  const native = await app.inject({ url: `/api/datasets/${dataset.id}/export?format=native`, headers: owner.headers })
  t.equal(native.headers['content-disposition'], 'attachment; filename="support-chats.native.jsonl"')
  t.equal(lines(native.body).length, 2)

  const alpaca = await app.inject({ url: `/api/datasets/${dataset.id}/export?format=alpaca`, headers: owner.headers })
  t.equal(alpaca.statusCode, 200, 'multi-turn exchanges become history')
  t.same(lines(alpaca.body)[1], { conversation_id: 'b', instruction: 'And three?', input: '', output: '5', history: [['Two plus two?', '4']] })
  t.equal((await validated(alpaca.body)).outcome, 'ready')

  const text = await app.inject({ url: `/api/datasets/${dataset.id}/export?format=text`, headers: owner.headers })
  t.equal(text.statusCode, 409)
  t.match(text.json().error, /encoding o200k_base, which has no chat template/)

  const bad = await app.inject({ url: `/api/datasets/${dataset.id}/export?format=csv`, headers: owner.headers })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().error, /format must be one of openai, sharegpt, native, alpaca, text/)

  for (const url of [`/api/datasets/${dataset.id}/export?format=openai`, `/api/datasets/${dataset.id}/manifest`]) {
    const foreign = await app.inject({ url, headers: other.headers })
    t.equal(foreign.statusCode, 404, `another user's dataset: ${url}`)
  }
  const manifest = await app.inject({ url: `/api/datasets/${dataset.id}/manifest`, headers: owner.headers })
  t.equal(manifest.statusCode, 409, 'a manifest only for a ready dataset')
})

t.test('export: alpaca refuses naming the first record that does not fit; tools survive openai', async t => {
  const app = await buildTestApp(t)
  const owner = await apiUser(app)
  const { dataset } = (await uploadDataset(app, owner.headers, fixture('openai-tools.jsonl'), { name: 'tools' }, 'tools.jsonl')).json().data
  await waitForFinal(app, owner.headers, dataset.id)
  const alpaca = await app.inject({ url: `/api/datasets/${dataset.id}/export?format=alpaca`, headers: owner.headers })
  t.equal(alpaca.statusCode, 409)
  t.match(alpaca.json().error, /^Line 1 cannot be written as alpaca: it declares tools/)
  const openai = await app.inject({ url: `/api/datasets/${dataset.id}/export?format=openai`, headers: owner.headers })
  t.equal(openai.statusCode, 200)
  const report = await validated(openai.body)
  t.equal(report.outcome, 'ready')
  t.equal(report.stats.tool_calls, 3, 'every tool call kept')

  const manifest = await app.inject({ url: `/api/datasets/${dataset.id}/manifest`, headers: owner.headers })
  t.equal(manifest.statusCode, 200)
  const data = manifest.json().data
  t.same(Object.keys(data), ['id', 'name', 'format', 'tokenizer', 'context_limit', 'stats', 'export', 'parent_id', 'recipe', 'validated_at'])
  t.equal(data.format, 'openai')
  t.equal(data.export.sha256, createHash('sha256').update(openai.rawPayload).digest('hex'), 'the sha256 of what export gives')
  t.equal(data.export.bytes, openai.rawPayload.length)
  t.match(data.export.url, new RegExp(`/api/datasets/${dataset.id}/export\\?format=openai$`))
  t.same(Object.keys(data.stats), ['conversations', 'tokens', 'assistant_tokens', 'packed_sequences', 'over_limit'])
  t.equal(data.parent_id, null)
})

t.test('export: a large file streams in bounded pieces', async t => {
  const app = await buildTestApp(t)
  const owner = await apiUser(app)
  const many: string[] = []
  for (let i = 0; i < 20_000; i++) many.push(JSON.stringify({ messages: [{ role: 'user', content: `question ${i} ${'x'.repeat(50)}` }, { role: 'assistant', content: `answer ${i}` }] }))
  const { dataset } = (await uploadDataset(app, owner.headers, many.join('\n') + '\n', { name: 'many' }, 'many.jsonl')).json().data
  await waitForFinal(app, owner.headers, dataset.id)
  const response = await app.inject({ url: `/api/datasets/${dataset.id}/export?format=sharegpt`, headers: owner.headers })
  t.equal(response.statusCode, 200)
  const out = lines(response.body)
  t.equal(out.length, 20_000)
  t.same(out[19_999], { conversations: [{ from: 'human', value: `question 19999 ${'x'.repeat(50)}` }, { from: 'gpt', value: 'answer 19999' }] })
  t.notOk(response.headers['content-length'], 'streamed (chunked), never measured whole first')
})
