// Validation progress: the recorder's pace, what pages and the API make of it, and a real
// validation read slowly from storage (through a throttling proxy in front of S3).
import t from 'tap'
import { ProgressRecorder, progressOf, progressView } from '../../src/datasets/progress.js'
import { formatDuration } from '../../src/views/format.js'
import { apiUser, buildTestApp, sampleDataset, testServers, uploadDataset } from '../helper.js'
import { throttledS3 } from '../throttled-s3.js'

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

t.test('the recorder writes at most once a second, only changes, never a write per chunk', async t => {
  const writes: Array<{ bytes: number, at: number }> = []
  const recorder = new ProgressRecorder(async bytes => { writes.push({ bytes, at: Date.now() }) })
  async function * chunks () {
    for (let i = 0; i < 250; i++) {
      yield new Uint8Array(100)
      await sleep(10)
    }
  }
  let seen = 0
  for await (const chunk of recorder.count(chunks())) seen += chunk.byteLength
  t.equal(seen, 25_000, 'the chunks pass unchanged')
  t.equal(recorder.read, 25_000, 'every byte counted')
  await sleep(1100) // a tick with the final count, then one with nothing new
  await recorder.stop()
  t.equal(writes[0].bytes, 0, 'the start is recorded at once')
  t.ok(writes.length >= 3 && writes.length <= 5, `a write a second, not one per chunk (${writes.length} writes for 250 chunks)`)
  for (let i = 1; i < writes.length; i++) t.ok(writes[i].at - writes[i - 1].at >= 950, `write ${i} came ${writes[i].at - writes[i - 1].at} ms after the one before`)
  t.equal(writes.at(-1)!.bytes, 25_000, 'the last write has the whole count')
  t.same(writes.map(w => w.bytes), [...new Set(writes.map(w => w.bytes))], 'an unchanged count is not written again')
  const after = writes.length
  await sleep(1100)
  t.equal(writes.length, after, 'nothing after stop')
})

t.test('a slow or failing write is neither doubled nor fatal', async t => {
  let running = 0
  let overlapped = false
  const failures: string[] = []
  let calls = 0
  const recorder = new ProgressRecorder(async () => {
    calls++
    running++
    if (running > 1) overlapped = true
    await sleep(250)
    running--
    if (calls === 2) throw new Error('database away')
  }, { intervalMs: 100, onError: error => failures.push(error.message) })
  for (let i = 0; i < 10; i++) {
    recorder.add(1)
    await sleep(60)
  }
  await recorder.stop()
  t.notOk(overlapped, 'one write at a time')
  t.ok(calls >= 2 && calls <= 4, `ticks while a write runs are skipped (${calls} writes in 600 ms)`)
  t.same(failures, ['database away'], 'the failure is reported, and the next tick writes again')
  t.equal(running, 0, 'stop waited for the write in flight')
})

t.test('progress in the API and on the page: only while validating, percent and time left', async t => {
  const row = (status: 'validating' | 'ready', progress: { bytes_read: number, bytes_total: number, started_at: string, at: string } | null) =>
    ({ status, fileSize: 1000, progress })
  t.equal(progressOf(row('ready', null)), null, 'null once final')
  t.same(progressOf(row('validating', null)), { bytes_read: 0, bytes_total: 1000 }, 'queued: nothing read of the file yet')
  const now = Date.parse('2026-11-30T10:00:10Z')
  const running = row('validating', { bytes_read: 250, bytes_total: 1000, started_at: '2026-11-30T10:00:00Z', at: '2026-11-30T10:00:10Z' })
  t.same(progressOf(running), { bytes_read: 250, bytes_total: 1000 }, 'the API shows bytes only')
  t.match(progressView(running, now), { percent: 25, timeLeft: '30 s', done: false }, '250 bytes in 10 s: 750 more take 30 s')
  t.match(progressView(running, now + 5000), { timeLeft: '25 s' }, 'counted from the last record')
  t.match(progressView(row('validating', { bytes_read: 0, bytes_total: 1000, started_at: '2026-11-30T10:00:00Z', at: '2026-11-30T10:00:00Z' }), now),
    { percent: 0, timeLeft: null }, 'no rate yet: no estimate')
  t.match(progressView(row('validating', { bytes_read: 1000, bytes_total: 1000, started_at: '2026-11-30T10:00:00Z', at: '2026-11-30T10:00:04Z' }), now),
    { percent: 100, done: true, timeLeft: null }, 'all read: finishing')
  t.equal(progressView(row('ready', null)), null)
  t.same([0.2, 59, 60, 75, 3599, 3600, 7199].map(formatDuration), ['1 s', '59 s', '1 min', '1 min 15 s', '59 min 59 s', '1 h', '1 h 59 min'])
})

t.test('a file read slowly from storage: progress moves, reaches its size while validating, then is null', async t => {
  // 12 s of reading: longer than the worker's heartbeat (10 s), which must not take the running
  // job for a dead worker's and start it again (progress would go back to 0).
  const proxy = await throttledS3(t, testServers().s3Endpoint, { bytesPerSecond: 100 * 1024, holdEndMs: 2500 })
  const app = await buildTestApp(t, { S3_ENDPOINT: proxy })
  const user = await apiUser(app)
  const content = sampleDataset(8000) // 1.2 MB
  const created = await uploadDataset(app, user.headers, content, { name: 'Slow to read' })
  t.equal(created.statusCode, 201, created.statusCode === 201 ? 'uploaded' : created.body)
  const { id, file_size: size } = created.json().data.dataset
  t.equal(size, Buffer.byteLength(content))

  const seen: Array<{ bytes_read: number, bytes_total: number }> = []
  const records = new Set<string>()
  let status = 'validating'
  const deadline = Date.now() + 60_000
  while (status === 'validating' && Date.now() < deadline) {
    const { dataset } = (await app.inject({ url: `/api/datasets/${id}`, headers: user.headers })).json().data
    status = dataset.status
    if (status === 'validating') {
      seen.push(dataset.progress)
      const [stored] = await app.sql`select progress from datasets where id = ${id}`
      if (stored.progress) records.add(stored.progress.at)
    } else {
      t.equal(dataset.progress, null, `null once ${status}`)
    }
    await sleep(100)
  }
  t.equal(status, 'ready')
  t.ok(seen.every(p => p.bytes_total === size), 'bytes_total is the file\'s size')
  t.ok(seen.every((p, i) => i === 0 || p.bytes_read >= seen[i - 1].bytes_read), 'it never goes back')
  const between = new Set(seen.filter(p => p.bytes_read > 0 && p.bytes_read < size).map(p => p.bytes_read))
  t.ok(between.size >= 2, `it moved through ${between.size} values between 0 and the size`)
  t.equal(seen.at(-1)!.bytes_read, size, 'it reached the file\'s size while still validating')
  const times = [...records].map(at => Date.parse(at)).sort()
  t.ok(times.length >= 3, `${times.length} records`)
  for (let i = 1; i < times.length; i++) t.ok(times[i] - times[i - 1] >= 900, `records ${times[i] - times[i - 1]} ms apart: at most one a second`)
  const list = (await app.inject({ url: '/api/datasets', headers: user.headers })).json().data.datasets
  t.equal(list[0].progress, null, 'the list carries it too (null: ready)')
  const [final] = await app.sql`select progress from datasets where id = ${id}`
  t.equal(final.progress, null, 'cleared with the outcome')
  const metrics = (await app.inject({ url: '/metrics' })).body
  t.match(metrics, /\ndatasets_validation_jobs_finished_total\{outcome="ready"\} 1\n/, 'validated once')
})
