// npm run bench:load: 20 simulated users for 60 s against one process (ROLE=all): sign in,
// upload 100 KB – 5 MB files (some invalid), list, poll the status fragment, open details.
// Prints requests, errors and p50/p99 per kind, then checks every upload's final state and
// stats against the engine's report for the same bytes. LOAD_USERS / LOAD_SECONDS override.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { ensureServers } from '../../src/embedded/index.js'
import { validate, type Report } from '../../src/validation/index.js'
import { startServerProcess, type ServerProcess } from '../processes.js'

const USERS = Number(process.env.LOAD_USERS ?? 20)
const SECONDS = Number(process.env.LOAD_SECONDS ?? 60)
const dir = mkdtempSync(join(tmpdir(), 'datasets-bench-load-'))
chmodSync(dir, 0o755)

interface Sample { bytes: Buffer, report: Report }

function makeFile (seed: number, size: number, broken: boolean): Buffer {
  const lines: string[] = []
  let total = 0
  for (let i = 0; total < size; i++) {
    const line = JSON.stringify({ conversation_id: `${seed}-${i}`, turns: [
      { role: 'user', content: `Load test ${seed}/${i}: summarise item ${(i * 7919) % 1000} in one sentence.` },
      { role: 'assistant', content: `Item ${i} summarised: ${'the quick brown fox jumps over the lazy dog. '.repeat(1 + (i % 6))}` }
    ] })
    lines.push(broken && i === 7 ? '{"conversation_id": "broken", "turns": [' : line)
    total += line.length + 1
  }
  return Buffer.from(lines.join('\n') + '\n')
}

const latencies = new Map<string, number[]>()
let errors = 0
const errorSamples: string[] = []

async function timed (kind: string, run: () => Promise<Response>, expect = (status: number) => status < 400): Promise<Response> {
  const started = performance.now()
  let response: Response
  try {
    response = await run()
  } catch (error) {
    errors++
    errorSamples.push(`${kind}: ${(error as Error).message}`)
    throw error
  }
  const list = latencies.get(kind) ?? []
  list.push(performance.now() - started)
  latencies.set(kind, list)
  if (!expect(response.status)) {
    errors++
    errorSamples.push(`${kind}: HTTP ${response.status}`)
  }
  return response
}

async function simulatedUser (server: ServerProcess, index: number, pool: Sample[], deadline: number, uploads: Array<{ id: string, sample: Sample, headers: Record<string, string> }>) {
  const email = `load${index}@example.com`
  const password = 'load test password'
  const page = await fetch(`${server.url}/signup`)
  let cookie = page.headers.get('set-cookie')!.split(';')[0]
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]
  const signup = await timed('sign-in', () => fetch(`${server.url}/signup`, {
    method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email, password })
  }))
  cookie = signup.headers.get('set-cookie')!.split(';')[0]
  const newPage = await (await fetch(`${server.url}/datasets/new`, { headers: { cookie } })).text()
  const token = /name="_csrf" value="([^"]+)"/.exec(newPage)![1]
  const headers = { cookie }
  for (let round = 0; Date.now() < deadline; round++) {
    const sample = pool[(index * 7 + round) % pool.length]
    const form = new FormData()
    form.append('name', `load ${index}/${round}`)
    form.append('file', new Blob([new Uint8Array(sample.bytes)]), 'load.jsonl')
    const upload = await timed('upload', () => fetch(`${server.url}/datasets`, {
      method: 'POST', body: form, headers: { ...headers, 'x-csrf-token': token, 'hx-request': 'true' }
    }))
    const id = upload.headers.get('hx-redirect')?.split('/').pop()
    if (!id) continue
    uploads.push({ id, sample, headers })
    await timed('page: list', () => fetch(`${server.url}/datasets`, { headers }))
    for (let polls = 0; polls < 120 && Date.now() < deadline + 30_000; polls++) {
      const fragment = await (await timed('page: status fragment', () => fetch(`${server.url}/datasets/${id}/status`, { headers: { ...headers, 'hx-request': 'true' } }))).text()
      if (!fragment.includes('hx-trigger')) break
      await new Promise(resolve => setTimeout(resolve, 500))
    }
    await timed('page: details', () => fetch(`${server.url}/datasets/${id}`, { headers }))
  }
}

/** JSON with object keys sorted: jsonb does not keep key order. */
function canonical (value: unknown): string {
  return JSON.stringify(value, (_key, v) => v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
    : v)
}

function percentile (values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0
}

const servers = await ensureServers({ databaseUrl: process.env.DATABASE_URL, s3Endpoint: process.env.S3_ENDPOINT }, join(dir, 'data'), ['datasets'])
let server: ServerProcess | null = null
try {
  server = await startServerProcess({
    DATABASE_URL: servers.databaseUrl, S3_ENDPOINT: servers.s3Endpoint, S3_BUCKET: 'datasets', DATA_DIR: join(dir, 'app'),
    SESSION_SECRET: 'load-test-secret-'.repeat(3), UPLOADS_PER_MINUTE: '1000', NODE_ENV: 'test'
  })
  const pool: Sample[] = []
  for (let i = 0; i < 24; i++) {
    const size = Math.round(100 * 1024 * Math.pow(50, i / 23)) // 100 KB … 5 MB
    const bytes = makeFile(i, size, i % 6 === 5)
    pool.push({ bytes, report: await validate(Readable.from([bytes])) })
  }
  const uploads: Array<{ id: string, sample: Sample, headers: Record<string, string> }> = []
  const started = Date.now()
  const deadline = started + SECONDS * 1000
  await Promise.all(Array.from({ length: USERS }, (_, i) => simulatedUser(server!, i, pool, deadline, uploads).catch(error => {
    errors++
    errorSamples.push(`user ${i}: ${(error as Error).message}`)
  })))
  const total = [...latencies.values()].reduce((n, list) => n + list.length, 0)
  console.log(`${USERS} users for ${SECONDS} s: ${total} requests in ${((Date.now() - started) / 1000).toFixed(0)} s, ${errors} errors${errorSamples.length ? ` (${errorSamples.slice(0, 3).join('; ')})` : ''}`)
  for (const [kind, list] of latencies) {
    console.log(`  ${kind}: ${list.length} requests, p50 ${percentile(list, 0.5).toFixed(0)} ms, p99 ${percentile(list, 0.99).toFixed(0)} ms`)
  }
  const pages = [...latencies.entries()].filter(([kind]) => kind.startsWith('page')).flatMap(([, list]) => list)
  console.log(`  all page requests: p50 ${percentile(pages, 0.5).toFixed(0)} ms, p99 ${percentile(pages, 0.99).toFixed(0)} ms`)

  // Every upload must reach its final state with the engine's stats for the same bytes.
  let wrong = 0
  let lost = 0
  const finalDeadline = Date.now() + 120_000
  for (const { id, sample, headers } of uploads) {
    let status = ''
    let stats: unknown = null
    while (Date.now() < finalDeadline) {
      const html = await (await fetch(`${server.url}/datasets/${id}/status`, { headers })).text()
      if (!html.includes('hx-trigger')) {
        const row = await fetch(`${server.url}/datasets/${id}/report.json`, { headers })
        const report = row.status === 200 ? await row.json() as Report : null
        status = report?.outcome ?? 'missing'
        stats = report?.stats
        break
      }
      await new Promise(resolve => setTimeout(resolve, 250))
    }
    if (!status) lost++
    else if (status !== sample.report.outcome || canonical(stats) !== canonical(sample.report.stats)) wrong++
  }
  console.log(`uploads: ${uploads.length}, lost ${lost}, wrong ${wrong} (stats compared with the engine's report for the same file)`)
} finally {
  server?.child.kill('SIGTERM')
  await server?.exited
  await servers.stop()
  rmSync(dir, { recursive: true, force: true })
}
