import t from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { apiUser, bucketKeys, Browser, buildTestApp, multipart, sampleDataset, uploadDataset, waitForFinal } from '../helper.js'

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

/** A valid dataset of about `bytes` bytes. */
function datasetOfSize (bytes: number): Buffer {
  const lines: string[] = []
  let size = 0
  for (let i = 0; size < bytes; i++) {
    const line = JSON.stringify({ conversation_id: i, turns: [{ role: 'user', content: `q${i} ${randomBytes(40).toString('hex')}` }, { role: 'assistant', content: `a${i}` }] })
    lines.push(line)
    size += line.length + 1
  }
  return Buffer.from(lines.join('\n') + '\n')
}

t.test('byte-exact round trip, 90 KiB and 12 MiB, then validation to ready', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  for (const size of [90 * 1024, 12 * 1024 * 1024]) {
    const content = datasetOfSize(size)
    const response = await uploadDataset(app, user.headers, content, { name: `size ${size}`, description: 'round trip' }, '../../evil/../data set.jsonl')
    t.equal(response.statusCode, 201, response.body.slice(0, 300))
    const { dataset } = response.json().data
    t.equal(dataset.status, 'validating')
    t.equal(dataset.file_size, content.length)
    t.equal(dataset.file_name, 'data_set.jsonl', 'path parts stripped, name sanitised')
    t.equal(dataset.storage_path, `${user.id}/${dataset.id}/data_set.jsonl`, 'the key is built from ids')
    t.equal(dataset.description, 'round trip')
    t.equal(dataset.tokenizer, 'o200k_base')
    t.equal(dataset.stats, null)
    const object = await app.storage.client.send(new GetObjectCommand({ Bucket: app.storage.bucket, Key: dataset.storage_path }))
    const stored = Buffer.from(await object.Body!.transformToByteArray())
    t.equal(sha256(stored), sha256(content), `${size} bytes stored byte for byte`)
    const final = await waitForFinal(app, user.headers, dataset.id)
    t.equal(final.status, 'ready')
    t.equal(final.training_ready, true)
    t.equal(final.stats.bytes, content.length)
  }
})

t.test('over the size limit: 413 and nothing kept', async t => {
  const app = await buildTestApp(t, { MAX_UPLOAD_BYTES: '2000' })
  const user = await apiUser(app)
  const streamed = await uploadDataset(app, user.headers, datasetOfSize(5000))
  t.equal(streamed.statusCode, 413, 'cut by the stream limit')
  t.match(streamed.json(), { success: false, error: /larger than the limit of 2,000 bytes/ })
  const exact = await uploadDataset(app, user.headers, datasetOfSize(2500).subarray(0, 2000))
  t.equal(exact.statusCode, 201, 'exactly the limit is accepted')
  t.equal(exact.json().data.dataset.file_size, 2000)
  const huge = Buffer.alloc(3 * 1024 * 1024, 'x')
  const declared = await app.inject({
    method: 'POST', url: '/api/datasets', payload: huge, headers: { ...user.headers, 'content-type': 'multipart/form-data; boundary=x' }
  })
  t.equal(declared.statusCode, 413, 'refused from Content-Length alone')
  const rows = await app.sql`select file_size from datasets`
  t.same(rows.map(r => Number(r.file_size)), [2000], 'no row for a refused upload')
  t.equal((await bucketKeys(app)).length, 1, 'no object for a refused upload')
  const presigned = await app.inject({ method: 'POST', url: '/api/datasets', headers: user.headers, payload: { name: 'big', file_name: 'x.jsonl', file_size: 2001 } })
  t.equal(presigned.statusCode, 413, 'a presigned upload over the limit')
})

t.test('empty, binary and wrong-extension files', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  const empty = await uploadDataset(app, user.headers, Buffer.alloc(0))
  t.equal(empty.statusCode, 400)
  t.match(empty.json().error, /empty/)
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), randomBytes(5000)])
  const binary = await uploadDataset(app, user.headers, png, {}, 'image.jsonl')
  t.equal(binary.statusCode, 415, 'a PNG image by its first bytes')
  t.match(binary.json().error, /^This is a PNG image, not a dataset/)
  const latin1 = await uploadDataset(app, user.headers, Buffer.from('{"a": "caf\xe9"}\n'.repeat(10), 'latin1'))
  t.equal(latin1.statusCode, 201, 'text that is not UTF-8 is stored: validation reports invalid_utf8 on its lines')
  const csv = await uploadDataset(app, user.headers, 'a,b\n1,2\n', {}, 'data.csv')
  t.equal(csv.statusCode, 415)
  t.match(csv.json().error, /\.jsonl/)
  for (const name of ['ok.jsonl', 'ok.JSONL', 'ok.ndjson', 'ok.jsonl.gz']) {
    const content = name.endsWith('.gz') ? (await import('node:zlib')).gzipSync(sampleDataset(3)) : Buffer.from(sampleDataset(3))
    const accepted = await uploadDataset(app, user.headers, content, {}, name)
    t.equal(accepted.statusCode, 201, name)
  }
  const invalidJsonIsStillText = await uploadDataset(app, user.headers, 'this is not json\n', {}, 'bad.jsonl')
  t.equal(invalidJsonIsStillText.statusCode, 201, 'text that is not JSON is accepted and fails validation later')
  t.equal((await app.sql`select count(*)::int as n from datasets`)[0].n, 6)
  t.equal((await bucketKeys(app)).length, 6, 'refused files left nothing in storage')
})

t.test('the order and number of parts', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  const file = { name: 'file', filename: 'a.jsonl', content: Buffer.from(sampleDataset(2)) }
  const send = (parts: Parameters<typeof multipart>[0]) => {
    const body = multipart(parts)
    return app.inject({ method: 'POST', url: '/api/datasets', payload: body.payload, headers: { ...user.headers, ...body.headers } })
  }
  const noName = await send([file])
  t.equal(noName.statusCode, 400)
  t.match(noName.json(), { error: /name/, details: { field: 'name' } })
  const nameAfter = await send([file, { name: 'name', value: 'late' }])
  t.equal(nameAfter.statusCode, 400, 'fields after the file')
  const fieldAfter = await send([{ name: 'name', value: 'n' }, file, { name: 'description', value: 'late' }])
  t.equal(fieldAfter.statusCode, 400)
  t.match(fieldAfter.json().error, /"description" came after the file/)
  const twoFiles = await send([{ name: 'name', value: 'n' }, file, { ...file, filename: 'b.jsonl' }])
  t.equal(twoFiles.statusCode, 400)
  t.match(twoFiles.json().error, /one file/)
  const noFile = await send([{ name: 'name', value: 'n' }])
  t.equal(noFile.statusCode, 400)
  t.match(noFile.json().error, /file/)
  const wrongField = await send([{ name: 'name', value: 'n' }, { ...file, name: 'upload' }])
  t.equal(wrongField.statusCode, 400)
  const badTokenizer = await send([{ name: 'name', value: 'n' }, { name: 'tokenizer', value: 'gpt2' }, file])
  t.equal(badTokenizer.statusCode, 400)
  t.match(badTokenizer.json().details, { field: 'tokenizer' })
  const cl100k = await send([{ name: 'name', value: 'n' }, { name: 'tokenizer', value: 'cl100k_base' }, { name: 'context_limit', value: '4096' }, file])
  t.equal(cl100k.statusCode, 201)
  t.match(cl100k.json().data.dataset, { tokenizer: 'cl100k_base', context_limit: 4096 })
  t.equal((await app.sql`select count(*)::int as n from datasets`)[0].n, 1, 'only the good upload left a row')
  t.equal((await bucketKeys(app)).length, 1, 'and an object')
})

t.test('storage unreachable during an upload: 503, nothing left', async t => {
  const app = await buildTestApp(t, { S3_ENDPOINT: 'http://127.0.0.1:9' })
  const user = await apiUser(app)
  const response = await uploadDataset(app, user.headers, sampleDataset(5))
  t.equal(response.statusCode, 503)
  t.match(response.json().error, /storage is unavailable/)
  t.equal((await app.sql`select count(*)::int as n from datasets`)[0].n, 0)
})

t.test('uploads are rate limited per user', async t => {
  const app = await buildTestApp(t, { UPLOADS_PER_MINUTE: '2' })
  const alice = await apiUser(app)
  const bob = await apiUser(app)
  t.equal((await uploadDataset(app, alice.headers, sampleDataset(1, 'a'))).statusCode, 201)
  t.equal((await uploadDataset(app, alice.headers, sampleDataset(1, 'b'))).statusCode, 201)
  const third = await uploadDataset(app, alice.headers, sampleDataset(1, 'c'))
  t.equal(third.statusCode, 429)
  t.equal(third.json().success, false)
  t.match(third.json().error, /Too many uploads/)
  t.equal((await uploadDataset(app, bob.headers, sampleDataset(1, 'd'))).statusCode, 201, 'another user is not limited')
})

t.test('the browser form: progress bar, CSRF, redirect, errors keep the fields', async t => {
  const app = await buildTestApp(t)
  const browser = new Browser(app)
  await browser.signUp('uploader@example.com')
  const page = await browser.get('/datasets/new')
  t.equal(page.statusCode, 200)
  t.match(page.body, /<progress value="0" max="100"/, 'a progress bar')
  t.match(page.body, /hx-encoding="multipart\/form-data"/)
  t.match(page.body, /enctype="multipart\/form-data"/, 'works as a plain form too')
  t.match(page.body, /name="_csrf" value="[^"]+"[\s\S]*name="file"/, 'the CSRF field comes before the file')
  const cookie = `sid=${browser.cookies.get('sid')}`
  const post = (parts: Parameters<typeof multipart>[0], headers: Record<string, string> = {}) => {
    const body = multipart(parts)
    return app.inject({ method: 'POST', url: '/datasets', payload: body.payload, headers: { cookie, accept: 'text/html', ...body.headers, ...headers } })
  }
  const file = { name: 'file', filename: 'chat.jsonl', content: Buffer.from(sampleDataset(3)) }
  const noToken = await post([{ name: 'name', value: 'x' }, file])
  t.equal(noToken.statusCode, 403, 'CSRF token required')
  const plain = await post([{ name: '_csrf', value: browser.csrf }, { name: 'name', value: 'Plain form' }, file])
  t.equal(plain.statusCode, 303)
  t.match(plain.headers.location, /^\/datasets\/[0-9a-f-]{36}$/)
  const htmx = await post([{ name: 'name', value: 'Via htmx' }, file], { 'hx-request': 'true', 'x-csrf-token': browser.csrf })
  t.equal(htmx.statusCode, 201)
  t.match(htmx.headers['hx-redirect'], /^\/datasets\/[0-9a-f-]{36}$/, 'htmx lands on the dataset page')
  const bad = await post([{ name: '_csrf', value: browser.csrf }, { name: 'name', value: 'Keep <me>' }, { name: 'description', value: 'kept too' }, { ...file, filename: 'chat.csv' }], { 'hx-request': 'true' })
  t.equal(bad.statusCode, 415)
  t.match(bad.body, /id="upload-form"/, 'the form fragment comes back')
  t.match(bad.body, /value="Keep &lt;me&gt;"/, 'typed fields kept, escaped')
  t.match(bad.body, />kept too<\/textarea>/)
  t.match(bad.body, /Unsupported file type/)
  const missingName = await post([{ name: '_csrf', value: browser.csrf }, file])
  t.equal(missingName.statusCode, 422, 'a form error is 422')
  t.match(missingName.body, /Give the dataset a name/)
  const show = await browser.get(plain.headers.location as string)
  t.equal(show.statusCode, 200)
  t.match(show.body, /Plain form/)
})
