// The upload memory budget and /metrics, against real listening servers, S3 and Postgres.
import t from 'tap'
import { request } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { apiUser, bucketKeys, buildTestApp, multipart, sampleDataset, waitForFinal } from '../helper.js'

const MiB = 1024 * 1024

async function listen (app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
}

/** A valid dataset of at least `bytes` bytes. */
function datasetOfSize (bytes: number): Buffer {
  const line = sampleDataset(1).trim()
  return Buffer.from(`${line}\n`.repeat(Math.ceil(bytes / (line.length + 1))))
}

interface Answer { status: number, headers: Record<string, string | string[] | undefined>, body: string }

/**
 * POSTs a multipart upload over a socket; `stallAfter` bytes of the body are sent and then
 * nothing more (the connection stays open).
 */
function post (base: string, headers: Record<string, string>, content: Buffer, { stallAfter }: { stallAfter?: number } = {}): Promise<Answer> {
  const body = multipart([{ name: 'name', value: 'budget' }, { name: 'file', filename: 'data.jsonl', content }])
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/datasets`, {
      method: 'POST', headers: { ...headers, ...body.headers, 'content-length': String(body.payload.length) }
    }, response => {
      let text = ''
      response.on('data', chunk => { text += chunk })
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: text }))
    })
    req.on('error', reject)
    if (stallAfter === undefined) req.end(body.payload)
    else req.write(body.payload.subarray(0, stallAfter))
  })
}

/** One sample's value from the exposition text (0 when absent). */
function metric (text: string, name: string, labels = ''): number {
  const line = text.split('\n').find(l => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `))
  return line ? Number(line.split(' ').pop()) : 0
}

async function scrape (app: FastifyInstance): Promise<string> {
  const response = await app.inject({ url: '/metrics' })
  if (response.statusCode !== 200) throw new Error(`/metrics answered ${response.statusCode}`)
  return response.body
}

async function until (check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 25))
  }
}

t.test('20 uploads against a 32 MB budget: the budget is never exceeded and all succeed', async t => {
  const app = await buildTestApp(t, { UPLOAD_BUFFER_MB: '32', ROLE: 'web' })
  const base = await listen(app)
  const user = await apiUser(app)
  const content = datasetOfSize(6 * MiB)
  let peak = 0
  let waited = 0
  let sampling = true
  const sampler = (async () => {
    while (sampling) {
      const text = await scrape(app)
      peak = Math.max(peak, metric(text, 'datasets_upload_buffer_bytes'))
      waited = Math.max(waited, metric(text, 'datasets_uploads_waiting'))
      await new Promise(resolve => setTimeout(resolve, 10))
    }
  })()
  const answers = await Promise.all(Array.from({ length: 20 }, () => post(base, user.headers, content)))
  sampling = false
  await sampler
  t.same(answers.map(a => a.status), Array(20).fill(201), answers.find(a => a.status !== 201)?.body ?? 'all stored')
  t.ok(peak > 0, `the budget was used (peak ${peak} bytes)`)
  t.ok(peak <= 32 * MiB, `never more than the budget (peak ${peak} bytes)`)
  t.ok(waited > 0, 'some uploads waited for buffer')
  const after = await scrape(app)
  t.equal(metric(after, 'datasets_upload_buffer_bytes'), 0, 'all given back')
  t.equal(metric(after, 'datasets_upload_buffer_budget_bytes'), 32 * MiB)
  t.equal(metric(after, 'datasets_upload_received_bytes_total'), 20 * content.length, 'every file byte counted')
  t.equal(metric(after, 'datasets_uploads_in_flight'), 0)
  const stored = await app.sql`select file_size from datasets`
  t.same(stored.map(r => Number(r.file_size)), Array(20).fill(content.length))
})

t.test('a waiting upload proceeds when budget frees; one that waits too long gets 503 and nothing is kept', async t => {
  const app = await buildTestApp(t, { UPLOAD_BUFFER_MB: '16', UPLOAD_QUEUE_TIMEOUT_S: '1', ROLE: 'web' })
  const base = await listen(app)
  const user = await apiUser(app)
  const budget = app.datasets.budget!
  const content = datasetOfSize(3 * MiB)

  await budget.acquire(budget.capacity) // another upload's buffers, as far as the budget knows
  const refused = await post(base, user.headers, content)
  t.equal(refused.status, 503, 'refused after the queue timeout')
  t.equal(refused.headers['retry-after'], '5')
  t.match(JSON.parse(refused.body), { success: false, error: /many uploads right now; nothing was kept/ })
  t.same(await bucketKeys(app), [], 'no object')
  t.same(await app.sql`select id from datasets`, [], 'no row')
  t.equal(metric(await scrape(app), 'datasets_uploads_refused_total', 'reason="busy"'), 1)

  let answered: Answer | null = null
  const waiting = post(base, user.headers, content).then(answer => { answered = answer })
  await until(async () => metric(await scrape(app), 'datasets_uploads_waiting') === 1, 'the upload to wait')
  const during = await scrape(app)
  t.equal(metric(during, 'datasets_uploads_in_flight'), 1, 'in flight while waiting')
  await new Promise(resolve => setTimeout(resolve, 500))
  t.equal(answered, null, 'no answer while the budget is spent')
  budget.release(budget.capacity)
  await waiting
  t.equal(answered!.status, 201, answered!.body)
  t.equal((await bucketKeys(app)).length, 1)
})

t.test('a client that stalls mid-upload holds its buffer only until the idle timeout', async t => {
  const app = await buildTestApp(t, { UPLOAD_IDLE_TIMEOUT_S: '1', ROLE: 'web' })
  const base = await listen(app)
  const user = await apiUser(app)
  const stalled = post(base, user.headers, datasetOfSize(2 * MiB), { stallAfter: 256 * 1024 })
  await until(async () => metric(await scrape(app), 'datasets_upload_buffer_bytes') > 0, 'the upload to take buffer')
  const answer = await stalled
  t.equal(answer.status, 408, answer.body)
  t.match(JSON.parse(answer.body), { error: /stalled: nothing arrived for 1 seconds; nothing was kept/ })
  const text = await scrape(app)
  t.equal(metric(text, 'datasets_upload_buffer_bytes'), 0, 'the buffer is free again')
  t.equal(metric(text, 'datasets_uploads_refused_total', 'reason="stalled"'), 1)
  t.same(await bucketKeys(app), [], 'no object, no parts')
})

t.test('/metrics: loopback only, or the token; never data to others', async t => {
  const open = await buildTestApp(t, { ROLE: 'web' })
  const outside = await open.inject({ url: '/metrics', remoteAddress: '203.0.113.9' })
  t.equal(outside.statusCode, 403)
  t.notMatch(outside.body, /datasets_|process_/)
  const proxied = await open.inject({ url: '/metrics', headers: { 'x-forwarded-for': '203.0.113.9' } })
  t.equal(proxied.statusCode, 403, 'a proxy on loopback does not make its clients local')
  const local = await open.inject({ url: '/metrics' })
  t.equal(local.statusCode, 200)
  t.match(local.headers['content-type'], /^text\/plain; version=0.0.4/)
  t.match(local.body, /process_resident_memory_bytes \d+/, 'the library\'s process metrics')

  const token = 'metrics-token-0123456789'
  const guarded = await buildTestApp(t, { ROLE: 'web', METRICS_TOKEN: token })
  const none = await guarded.inject({ url: '/metrics', remoteAddress: '203.0.113.9' })
  t.equal(none.statusCode, 401)
  t.equal(none.headers['www-authenticate'], 'Bearer')
  t.notMatch(none.body, /datasets_|process_/)
  const wrong = await guarded.inject({ url: '/metrics', remoteAddress: '203.0.113.9', headers: { authorization: 'Bearer nope' } })
  t.equal(wrong.statusCode, 401)
  const right = await guarded.inject({ url: '/metrics', remoteAddress: '203.0.113.9', headers: { authorization: `Bearer ${token}` } })
  t.equal(right.statusCode, 200)
  t.match(right.body, /datasets_upload_buffer_budget_bytes 268435456/)
})

t.test('validation and request metrics move with their events', async t => {
  const app = await buildTestApp(t, { MAX_UPLOAD_BYTES: '100000' })
  const user = await apiUser(app)
  const before = await scrape(app)
  t.equal(metric(before, 'datasets_validation_jobs_finished_total', 'outcome="ready"'), 0)
  const content = sampleDataset(20)
  const body = multipart([{ name: 'name', value: 'ok' }, { name: 'file', filename: 'ok.jsonl', content: Buffer.from(content) }])
  const created = await app.inject({ method: 'POST', url: '/api/datasets', payload: body.payload, headers: { ...user.headers, ...body.headers } })
  t.equal(created.statusCode, 201)
  const id = created.json().data.dataset.id
  await waitForFinal(app, user.headers, id)
  const big = multipart([{ name: 'name', value: 'big' }, { name: 'file', filename: 'big.jsonl', content: datasetOfSize(200_000) }])
  const tooLarge = await app.inject({ method: 'POST', url: '/api/datasets', payload: big.payload, headers: { ...user.headers, ...big.headers } })
  t.equal(tooLarge.statusCode, 413)

  const text = await scrape(app)
  t.equal(metric(text, 'datasets_validation_jobs_finished_total', 'outcome="ready"'), 1)
  t.equal(metric(text, 'datasets_validation_jobs_running'), 0)
  t.equal(metric(text, 'datasets_validation_jobs_queued'), 0)
  t.equal(metric(text, 'datasets_validation_duration_seconds_count'), 1)
  t.equal(metric(text, 'datasets_validation_bytes_per_second_count'), 1)
  t.equal(metric(text, 'datasets_uploads_refused_total', 'reason="too_large"'), 1)
  t.ok(metric(text, 'datasets_upload_received_bytes_total') >= content.length)
  t.ok(metric(text, 'http_request_duration_seconds_count', 'method="GET",route="/api/datasets/:id",status_code="200"') >= 1, 'by route pattern')
  t.notMatch(text, new RegExp(id), 'no raw URLs in labels')
})

t.test('validation jobs: queued while no worker takes them, running while one validates', async t => {
  const web = await buildTestApp(t, { ROLE: 'web' })
  const user = await apiUser(web)
  const body = multipart([{ name: 'name', value: 'queued' }, { name: 'file', filename: 'q.jsonl', content: Buffer.from(sampleDataset(5)) }])
  const created = await web.inject({ method: 'POST', url: '/api/datasets', payload: body.payload, headers: { ...user.headers, ...body.headers } })
  t.equal(created.statusCode, 201)
  const text = await scrape(web)
  t.equal(metric(text, 'datasets_validation_jobs_queued'), 1, 'a web process runs no jobs: the job waits')
  t.equal(metric(text, 'datasets_validation_jobs_running'), 0)

  // A worker whose job cannot finish yet: validation's last transaction writes a notification,
  // and that table is locked until released.
  const app = await buildTestApp(t)
  const owner = await apiUser(app)
  let release!: () => void
  let locked!: () => void
  const held = new Promise<void>(resolve => { locked = resolve })
  const lock = app.sql.begin(async sql => {
    await sql`lock table notifications in exclusive mode`
    locked()
    await new Promise<void>(resolve => { release = resolve })
  })
  await held
  const upload = multipart([{ name: 'name', value: 'running' }, { name: 'file', filename: 'r.jsonl', content: Buffer.from(sampleDataset(5)) }])
  const running = await app.inject({ method: 'POST', url: '/api/datasets', payload: upload.payload, headers: { ...owner.headers, ...upload.headers } })
  t.equal(running.statusCode, 201)
  await until(async () => metric(await scrape(app), 'datasets_validation_jobs_running') === 1, 'the job to run')
  t.pass('running: 1 while it validates')
  release()
  await lock
  await waitForFinal(app, owner.headers, running.json().data.dataset.id)
  const after = await scrape(app)
  t.equal(metric(after, 'datasets_validation_jobs_running'), 0, 'and 0 once it has finished')
  t.equal(metric(after, 'datasets_validation_jobs_finished_total', 'outcome="ready"'), 1)
})
