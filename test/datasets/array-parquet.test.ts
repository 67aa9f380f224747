// JSON-array and Parquet datasets end to end: uploads of each kind through the multipart API,
// the presigned flow and the browser form; validation by the worker (Parquet by ranged GETs);
// the records API (offset counts elements or rows); the dataset page's file kind.
import t from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { makeFiles } from '../fixtures/parquet/data.js'
import { apiUser, Browser, buildTestApp, multipart, uploadDataset, waitForFinal } from '../helper.js'

const dir = mkdtempSync(join(tmpdir(), 'array-parquet-test-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
makeFiles(dir)
// 25 rows in 3 row groups (10, 10, 5): openai records; row 3's messages are null (invalid_turns).
const PARQUET = readFileSync(join(dir, 'codec-ZSTD.parquet'))

const conversation = (i: number) => ({ id: `c${i}`, messages: [{ role: 'user', content: `Question ${i}` }, { role: 'assistant', content: `Answer ${i}` }] })
// Pretty-printed as LLaMA-Factory writes it: 13 lines an element, element i opens on line 2 + 13 * i.
const ARRAY = JSON.stringify(Array.from({ length: 30 }, (_, i) => conversation(i)), null, 2) + '\n'
const elementLine = (i: number) => 2 + 13 * i

t.test('JSON arrays (.json, .json.gz) and Parquet through the API: validated, records paged by element and row', async t => {
  const app = await buildTestApp(t, { UPLOADS_PER_MINUTE: '1000' })
  const user = await apiUser(app)
  t.equal(ARRAY.split('\n')[elementLine(1) - 1], '  {', 'the fixture: element 1 opens on its line')

  for (const [content, name] of [[ARRAY, 'llama-factory.json'], [gzipSync(ARRAY), 'llama-factory.json.gz']] as const) {
    const response = await uploadDataset(app, user.headers, content, { name }, name)
    t.equal(response.statusCode, 201, `${name}: accepted`)
    const final = await waitForFinal(app, user.headers, response.json().data.dataset.id)
    t.equal(final.status, 'ready', `${name}: ready`)
    t.match(final.stats, { format: 'openai', conversations: 30, lines: ARRAY.split('\n').length - 1 })
    const page = (await app.inject({ url: `/api/datasets/${final.id}/records?offset=0&limit=4`, headers: user.headers })).json().data
    t.same(page.records.map((r: { line: number }) => r.line), [0, 1, 2, 3].map(elementLine), `${name}: each record at its element's first line`)
    t.equal(page.next_offset, 4, 'next_offset counts elements')
    const next = (await app.inject({ url: `/api/datasets/${final.id}/records?offset=${page.next_offset}&limit=30`, headers: user.headers })).json().data
    t.same(next.records.map((r: { conversation_id: string }) => r.conversation_id), Array.from({ length: 26 }, (_, i) => `c${i + 4}`))
    t.equal(next.next_offset, null)
  }

  const broken = ARRAY.slice(0, ARRAY.indexOf('"c5"')) + '"c5" "oops"' + ARRAY.slice(ARRAY.indexOf('"c5"') + 4) + ']\n'
  const faulty = await waitForFinal(app, user.headers, (await uploadDataset(app, user.headers, broken, { name: 'broken' }, 'broken.json')).json().data.dataset.id)
  t.equal(faulty.status, 'error')
  const report = (await app.inject({ url: `/api/datasets/${faulty.id}/report`, headers: user.headers })).json().data
  t.same(report.errors.map((e: { line: number, code: string }) => [e.line, e.code]), [[elementLine(5) + 1, 'invalid_json']], 'the fault at its line, nothing after it')
  t.equal(report.stats.conversations, 5, 'the elements before it were checked')
  t.same(Object.keys(report), ['outcome', 'stats', 'counts', 'errors', 'warnings'], 'the API report keeps its shape')

  const upload = await uploadDataset(app, user.headers, PARQUET, { name: 'hub' }, 'train-00000-of-00001.parquet')
  t.equal(upload.statusCode, 201)
  const parquet = await waitForFinal(app, user.headers, upload.json().data.dataset.id)
  t.equal(parquet.status, 'error')
  t.match(parquet.stats, { format: 'openai', lines: 25, conversations: 24, bytes: PARQUET.length })
  t.same(parquet.issue_counts, { invalid_turns: 1 })
  const rows = (await app.inject({ url: `/api/datasets/${parquet.id}/records?offset=8&limit=4`, headers: user.headers })).json().data
  t.same(rows.records.map((r: { line: number }) => r.line), [9, 10, 11, 12], 'rows 9–12, across two row groups')
  t.equal(rows.next_offset, 12, 'next_offset counts rows')
  t.match(rows.records[0], { conversation_id: 8, format: 'openai', turns: [{ role: 'user', content: 'Question 8 é 😀' }, { role: 'assistant', content: 'Answer 8' }] })
  const raw = (await app.inject({ url: `/api/datasets/${parquet.id}/records?offset=24&limit=5&raw=true`, headers: user.headers })).json().data
  t.same(raw.records.map((r: { line: number }) => r.line), [25])
  t.same(Object.keys(raw.records[0].raw), ['id', 'messages'], 'raw: the columns the format reads, not the image')
  t.equal(raw.next_offset, null)

  const download = await app.inject({ url: `/api/datasets/${parquet.id}/download`, headers: user.headers })
  t.equal(download.headers['content-type'], 'application/vnd.apache.parquet')
  t.ok(download.rawPayload.equals(PARQUET), 'the original file, byte for byte')

  const named = await waitForFinal(app, user.headers, (await uploadDataset(app, user.headers, PARQUET, { name: 'named' }, 'data.jsonl')).json().data.dataset.id)
  t.match(named.stats, { lines: 25, conversations: 24 }, 'PAR1 magic under a .jsonl name: read as Parquet')
  const cut = await waitForFinal(app, user.headers, (await uploadDataset(app, user.headers, PARQUET.subarray(0, PARQUET.length - 9), { name: 'cut' }, 'cut.parquet')).json().data.dataset.id)
  t.equal(cut.status, 'error')
  t.same(cut.issue_counts, { invalid_parquet: 1 })
  t.match(cut.error_message, /invalid_parquet ×1 \(first on line 0\)/)

  const refused = await uploadDataset(app, user.headers, 'a,b\n1,2\n', { name: 'csv' }, 'data.csv')
  t.equal(refused.statusCode, 415)
  t.match(refused.json().error, /upload a \.jsonl, \.jsonl\.gz, \.ndjson, \.ndjson\.gz, \.json, \.json\.gz, \.parquet file/)
})

t.test('the presigned flow takes .json and .parquet files', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  for (const [content, name, lines] of [[Buffer.from(ARRAY), 'direct.json', ARRAY.split('\n').length - 1], [PARQUET, 'direct.parquet', 25]] as const) {
    const created = await app.inject({ method: 'POST', url: '/api/datasets', headers: user.headers, payload: { name, file_name: name, file_size: content.length } })
    t.equal(created.statusCode, 201, `${name}: created`)
    const { dataset, uploadUrl } = created.json().data
    t.equal((await fetch(uploadUrl, { method: 'PUT', body: content })).status, 200)
    t.equal((await app.inject({ method: 'POST', url: `/api/datasets/${dataset.id}/confirm`, headers: user.headers })).statusCode, 200)
    const final = await waitForFinal(app, user.headers, dataset.id)
    t.match(final.stats, { format: 'openai', lines }, `${name}: validated`)
  }
})

t.test('the browser form takes a JSON array and a Parquet file; the dataset page shows the file kind', async t => {
  const app = await buildTestApp(t, { UPLOADS_PER_MINUTE: '1000' })
  const browser = new Browser(app)
  await browser.signUp('kinds-form@example.com')
  const form = await browser.get('/datasets/new')
  t.match(form.body, /accept="[^"]*\.json,[^"]*\.parquet/, 'the file input accepts .json and .parquet')
  t.match(form.body, /a JSON array of records \(<code>\.json<\/code>\)/, 'the form says so')
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const user = await apiUser(app, 'kinds-api@example.com')
  for (const [content, name, kind] of [[Buffer.from(ARRAY), 'form.json', 'JSON array'], [PARQUET, 'form.parquet', 'Parquet'], [Buffer.from(ARRAY.replaceAll('\n', '').replace(/^\[|\]$/g, '').replaceAll('},  {', '}\n{')), 'lines.json', 'JSON Lines']] as const) {
    const body = multipart([{ name: '_csrf', value: browser.csrf }, { name: 'name', value: name }, { name: 'file', filename: name, content }])
    const response = await app.inject({ method: 'POST', url: '/datasets', payload: body.payload, headers: { cookie, accept: 'text/html', ...body.headers } })
    t.equal(response.statusCode, 303, `${name}: uploaded through the form`)
    const id = /\/datasets\/([0-9a-f-]{36})/.exec(response.headers.location as string)![1]
    for (let i = 0; i < 600; i++) {
      const row = (await app.sql`select status from datasets where id = ${id}`)[0]
      if (row.status === 'ready' || row.status === 'error') break
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    const page = await browser.get(`/datasets/${id}`)
    t.match(page.body, new RegExp(`<dt>File kind</dt><dd>${kind} <small>`), `${name}: the page says ${kind}`)
    // Jump to a line: the first record on it or after it (a JSON array: the element that starts there or next).
    const [line, first] = kind === 'Parquet' ? [12, 12] : kind === 'JSON array' ? [elementLine(3) - 1, elementLine(3)] : [4, 4]
    const records = await browser.get(`/datasets/${id}/records?line=${line}`)
    t.equal(/id="line-(\d+)"/.exec(records.body)?.[1], String(first), `${name}: jump to line ${line} shows line ${first} first`)
    t.equal((await app.inject({ url: `/api/datasets/${id}`, headers: user.headers })).statusCode, 404, 'another user does not see it')
  }
  const guide = await app.inject({ url: '/formats' })
  t.match(guide.body, /<section id="files">/)
  t.match(guide.body, /<th scope="row">Parquet<\/th><td><code>\.parquet<\/code><\/td>/)
  t.match(guide.body, /<th scope="row">JSON array<\/th><td><code>\.json<\/code>, <code>\.json\.gz<\/code><\/td>/)
})
