// npm run bench:upload: upload throughput and server memory.
// 1. 500 MiB through POST /api/datasets (multipart, streamed) vs the same bytes straight to the
//    same storage with the SDK; 2. eight concurrent 50 MiB uploads; 3. a 1 MB dataset from
//    hand-off to `ready`; 4. 40 × 20 MiB and 100 × 5 MiB uploads at once into one process. Uses DATABASE_URL / S3_ENDPOINT when set, embedded servers otherwise.
import type { ChildProcess } from 'node:child_process'
import { chmodSync, createReadStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { randomBytes } from 'node:crypto'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { createStorage } from '../../src/datasets/storage.js'
import { PART_SIZE, PARTS_IN_FLIGHT } from '../../src/datasets/multipart-upload.js'
import { ensureServers } from '../../src/embedded/index.js'
import { startServerProcess } from '../processes.js'
import { generateDataset } from './generate.js'

const MiB = 1024 * 1024
const dir = mkdtempSync(join(tmpdir(), 'datasets-bench-upload-'))
chmodSync(dir, 0o755) // the embedded Postgres runs as its own user when we are root
const stops: Array<() => Promise<void>> = []
const children: ChildProcess[] = []

async function main () {
  const servers = await ensureServers({ databaseUrl: process.env.DATABASE_URL, s3Endpoint: process.env.S3_ENDPOINT }, join(dir, 'data'), [])
  stops.push(servers.stop)
  const { databaseUrl, s3Endpoint } = servers
  const bucket = `bench-${randomBytes(4).toString('hex')}`
  const s3Config = {
    endpoint: s3Endpoint, bucket, region: process.env.S3_REGION ?? 'us-east-1', forcePathStyle: true,
    accessKeyId: process.env.S3_ACCESS_KEY_ID ?? 'S3RVER', secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? 'S3RVER'
  }
  const storage = createStorage(s3Config)
  await storage.client.send(new CreateBucketCommand({ Bucket: bucket }))

  const env = {
    DATABASE_URL: databaseUrl, S3_ENDPOINT: s3Endpoint, S3_BUCKET: bucket, S3_ACCESS_KEY_ID: s3Config.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3Config.secretAccessKey, SESSION_SECRET: 'bench-'.repeat(8), DATA_DIR: join(dir, 'app'),
    LOG_LEVEL: 'warn', UPLOADS_PER_MINUTE: '1000', MAX_UPLOAD_BYTES: String(600 * MiB),
    // Passed on to the server when set, to compare settings: BENCH_SERVER_ENV='MALLOC_ARENA_MAX=2 WORKER_CONCURRENCY=1'.
    ...Object.fromEntries((process.env.BENCH_SERVER_ENV ?? '').split(/\s+/).filter(Boolean).map(pair => pair.split('=', 2)))
  }
  // BENCH_UPLOAD_ONLY=concurrent runs only the last part (many uploads at once into one process).
  const onlyConcurrent = process.env.BENCH_UPLOAD_ONLY === 'concurrent'
  if (!onlyConcurrent) await sequentialParts(env, storage, bucket)

  await concurrentParts(env)
}

async function sequentialParts (env: Record<string, string>, storage: ReturnType<typeof createStorage>, bucket: string) {
  let started: number
  const all = await startServer({ ...env, ROLE: 'all' })
  const token2 = await signUp(all.url, 'second@example.com')
  const small = join(dir, 'small.jsonl')
  await generateDataset(small, 1 * MiB, 3)
  const timings: number[] = []
  for (let i = 0; i < 5; i++) {
    const { id, at } = await uploadFile(all.url, token2, small, `small-${i}.jsonl`)
    for (;;) {
      const body = await (await fetch(`${all.url}/api/datasets/${id}`, { headers: { authorization: `Bearer ${token2}` } })).json()
      if (body.data.dataset.status === 'ready' || body.data.dataset.status === 'error') {
        timings.push((Date.parse(body.data.dataset.validated_at) - at) / 1000)
        break
      }
      await new Promise(resolve => setTimeout(resolve, 10))
    }
  }
  console.log(`1 MB dataset, hand-off to ready (validated_at − 201 answer): ${timings.map(s => s.toFixed(2)).join(', ')} s`)
  all.child.kill('SIGTERM')

  // Throughput on a web-only process: no validation job competes for the cores.
  const web = await startServer({ ...env, ROLE: 'web' })
  const token = await signUp(web.url)

  const big = join(dir, 'big.jsonl')
  await generateDataset(big, 500 * MiB)
  const size = statSync(big).size
  console.log(`file: ${(size / MiB).toFixed(0)} MiB (${size.toLocaleString('en-US')} bytes)`)

  started = performance.now()
  const direct = new Upload({
    client: storage.client,
    params: { Bucket: bucket, Key: `direct/${randomBytes(4).toString('hex')}.jsonl`, Body: createReadStream(big) },
    partSize: PART_SIZE,
    queueSize: PARTS_IN_FLIGHT
  })
  await direct.done()
  const directSeconds = (performance.now() - started) / 1000

  const baseline = rss(web.child.pid!)
  const peak = watchPeak(web.child.pid!)
  started = performance.now()
  await uploadFile(web.url, token, big, 'big.jsonl')
  const httpSeconds = (performance.now() - started) / 1000
  const onePeak = peak.stop() - baseline

  const mbs = (seconds: number, bytes = size) => bytes / 1e6 / seconds
  console.log(`direct SDK upload: ${mbs(directSeconds).toFixed(1)} MB/s (${directSeconds.toFixed(2)} s)`)
  console.log(`POST /api/datasets: ${mbs(httpSeconds).toFixed(1)} MB/s (${httpSeconds.toFixed(2)} s)`)
  console.log(`ratio: ${(directSeconds / httpSeconds).toFixed(2)}× the direct upload`)
  console.log(`server RSS growth, one 500 MiB upload: ${(onePeak / MiB).toFixed(0)} MB`)

  const fifty = join(dir, 'fifty.jsonl')
  await generateDataset(fifty, 50 * MiB, 11)
  const fiftySize = statSync(fifty).size
  const baseline8 = rss(web.child.pid!)
  const peak8 = watchPeak(web.child.pid!)
  started = performance.now()
  await Promise.all(Array.from({ length: 8 }, (_, i) => uploadFile(web.url, token, fifty, `fifty-${i}.jsonl`)))
  const eightSeconds = (performance.now() - started) / 1000
  console.log(`8 concurrent 50 MiB uploads: all succeeded in ${eightSeconds.toFixed(2)} s (${mbs(eightSeconds, 8 * fiftySize).toFixed(1)} MB/s in total), server RSS growth ${((peak8.stop() - baseline8) / MiB).toFixed(0)} MB`)
  web.child.kill('SIGTERM')
}

async function concurrentParts (env: Record<string, string>) {
  let started: number
  // Many uploads at once into one process with the default budget (256 MB): all stored (after
  // waiting, or a 503 and a retry after Retry-After), all validated, RSS growth printed.
  const loaded = await startServer({ ...env, ROLE: 'all' })
  const token3 = await signUp(loaded.url, 'load@example.com')
  for (const [count, mib] of [[40, 20], [100, 5]]) {
    const path = join(dir, `load-${mib}.jsonl`)
    await generateDataset(path, mib * MiB, mib)
    const fileSize = statSync(path).size
    const lines = readFileSync(path).toString('latin1').split('\n').length - 1
    const base = rss(loaded.child.pid!)
    const peakLoad = watchPeak(loaded.child.pid!)
    const parts = watchMetrics(loaded.url)
    let retries = 0
    started = performance.now()
    const ids = await Promise.all(Array.from({ length: count }, async (_, i) => {
      for (;;) {
        try {
          return (await uploadFile(loaded.url, token3, path, `load-${mib}-${i}.jsonl`)).id
        } catch (error) {
          const retryAfter = /^503 .*retry-after=(\d+)/.exec((error as Error).message)?.[1]
          if (retryAfter === undefined) throw error
          retries++
          await new Promise(resolve => setTimeout(resolve, Number(retryAfter) * 1000))
        }
      }
    }))
    const seconds = (performance.now() - started) / 1000
    const growth = peakLoad.stop() - base
    const seen = parts.stop()
    let wrong = 0
    for (const id of ids) {
      for (;;) {
        const body = await (await fetch(`${loaded.url}/api/datasets/${id}`, { headers: { authorization: `Bearer ${token3}` } })).json()
        const dataset = body.data.dataset
        if (dataset.status === 'validating') { await new Promise(resolve => setTimeout(resolve, 200)); continue }
        if (dataset.status !== 'ready' || dataset.stats.bytes !== fileSize || dataset.stats.lines !== lines) wrong++
        break
      }
    }
    console.log(`${count} × ${mib} MiB concurrent uploads: all stored in ${seconds.toFixed(2)} s (${retries} refused with 503 and retried), ` +
      `${count - wrong}/${count} validated to the right stats; server peak RSS growth ${(growth / MiB).toFixed(0)} MB (target < ${256 + 128} MB)`)
    const mb = (bytes: number) => `${(bytes / MiB).toFixed(0)} MB`
    console.log(`  during the run (from /metrics, max of each): rss ${mb(seen.process_resident_memory_bytes)}, heap used ${mb(seen.nodejs_heap_size_used_bytes)}, ` +
      `external ${mb(seen.nodejs_external_memory_bytes)}, upload buffer ${mb(seen.datasets_upload_buffer_bytes)}, validation jobs running ${seen.datasets_validation_jobs_running}; ` +
      `rss ${mb(base)} before`)
  }
  loaded.child.kill('SIGTERM')
}

function rss (pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024
}

function watchPeak (pid: number) {
  let peak = rss(pid)
  const timer = setInterval(() => { peak = Math.max(peak, rss(pid)) }, 25)
  return { stop: () => { clearInterval(timer); return Math.max(peak, rss(pid)) } }
}

/** The largest value of a few of the server's own gauges, scraped from /metrics (loopback) while the uploads run. */
function watchMetrics (url: string) {
  const names = ['process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_external_memory_bytes', 'datasets_upload_buffer_bytes', 'datasets_validation_jobs_running'] as const
  const max = Object.fromEntries(names.map(name => [name, 0])) as Record<typeof names[number], number>
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      const text = await fetch(`${url}/metrics`).then(response => response.text(), () => '')
      for (const name of names) {
        const value = Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? 0)
        max[name] = Math.max(max[name], value)
      }
      await new Promise(resolve => setTimeout(resolve, 200))
    }
  })()
  return { stop: () => { stopped = true; void loop; return max } }
}

async function startServer (env: Record<string, string>) {
  const started = await startServerProcess(env)
  children.push(started.child)
  return started
}

async function signUp (url: string, email = 'bench@example.com'): Promise<string> {
  const credentials = JSON.stringify({ email, password: 'benchmark password' })
  await fetch(`${url}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: credentials })
  const response = await fetch(`${url}/api/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: credentials })
  return (await response.json()).data.token
}

/** Streams a multipart body from disk: the client never holds the file in memory either. */
async function uploadFile (url: string, token: string, path: string, name: string): Promise<{ id: string, at: number }> {
  const boundary = `bench${randomBytes(8).toString('hex')}`
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\n${name}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/jsonl\r\n\r\n`)
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`)
  const length = head.length + statSync(path).size + tail.length
  const body = Readable.from((async function * () {
    yield head
    yield * createReadStream(path, { highWaterMark: 1024 * 1024 })
    yield tail
  })())
  const target = new URL('/api/datasets', url)
  return await new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: {
      authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(length)
    } }, response => {
      let text = ''
      response.on('data', chunk => { text += chunk })
      response.on('end', () => {
        if (response.statusCode !== 201) return reject(new Error(`${response.statusCode} retry-after=${response.headers['retry-after'] ?? ''}: ${text}`))
        resolve({ id: JSON.parse(text).data.dataset.id, at: Date.now() })
      })
    })
    req.on('error', reject)
    body.pipe(req)
  })
}

try {
  await main()
} finally {
  for (const child of children) child.kill('SIGKILL')
  for (const stop of stops.reverse()) await stop().catch(() => {})
  rmSync(dir, { recursive: true, force: true })
}
