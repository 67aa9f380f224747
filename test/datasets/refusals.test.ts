// A refused upload must reach the client: every refusal (413, 415, 401, 403, 429) is answered
// while the body is still arriving, and common clients (Node's fetch, curl, Python's
// http.client and urllib) must read the status and the error instead of a broken pipe or a
// reset. Real listening servers, several runs of each client, with Content-Length and chunked.
import t, { type Test } from 'tap'
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { connect } from 'node:net'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { apiUser, Browser, bucketKeys, buildTestApp, multipart, sampleDataset, uploadDataset } from '../helper.js'

const RUNS = 3
const MiB = 1024 * 1024
const dir = mkdtempSync(join(tmpdir(), 'datasets-refusals-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
// Eight refusals × four clients × two modes × three runs, of 1.5 to 3 MiB each.
t.setTimeout(600_000)

interface Outcome { client: string, mode: string, status?: number, body?: string, error?: string }
interface Case { label: string, url: string, headers: Record<string, string>, file: string, status: number, message: RegExp }

const has = (command: string, args: string[]) => new Promise<boolean>(resolve => execFile(command, args, error => resolve(!error)))

/** A dataset text of about `bytes` bytes. */
function jsonl (bytes: number): Buffer {
  const line = sampleDataset(1)
  return Buffer.from(line.repeat(Math.ceil(bytes / line.length)))
}

async function listen (app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no TCP address')
  return `http://127.0.0.1:${address.port}`
}

/** A multipart body in a file (curl and Python read it from there) and its headers. */
function bodyFile (name: string, parts: Parameters<typeof multipart>[0], headers: Record<string, string>) {
  const body = multipart(parts)
  const file = join(dir, name)
  writeFileSync(file, body.payload)
  return { file, headers: { ...headers, ...body.headers } }
}

async function withFetch (c: Case, chunked: boolean): Promise<Outcome> {
  const payload = readFileSync(c.file)
  const outcome: Outcome = { client: 'fetch', mode: chunked ? 'chunked' : 'content-length' }
  try {
    const body = chunked
      ? new ReadableStream({
        start (controller) {
          for (let i = 0; i < payload.length; i += 64 * 1024) controller.enqueue(payload.subarray(i, i + 64 * 1024))
          controller.close()
        }
      })
      : payload
    const response = await fetch(c.url, { method: 'POST', headers: c.headers, body, duplex: 'half' } as RequestInit)
    outcome.status = response.status
    outcome.body = await response.text()
  } catch (error) {
    const cause = (error as { cause?: { code?: string, message?: string } }).cause
    outcome.error = `${(error as Error).message}: ${cause?.code ?? cause?.message ?? ''}`
  }
  return outcome
}

function withCurl (c: Case, chunked: boolean): Promise<Outcome> {
  const out = join(dir, `curl-${Math.random().toString(36).slice(2)}.out`)
  const args = ['-sS', '-o', out, '-w', '%{http_code}', '-X', 'POST', '--data-binary', `@${c.file}`]
  for (const [name, value] of Object.entries(c.headers)) args.push('-H', `${name}: ${value}`)
  if (chunked) args.push('-H', 'Transfer-Encoding: chunked')
  args.push(c.url)
  return new Promise(resolve => execFile('curl', args, { timeout: 60_000 }, (error, stdout, stderr) => {
    const outcome: Outcome = { client: 'curl', mode: chunked ? 'chunked' : 'content-length' }
    if (error) outcome.error = `exit ${error.code}: ${stderr.trim()}`
    else {
      outcome.status = Number(stdout)
      outcome.body = readFileSync(out, 'utf8')
    }
    rmSync(out, { force: true })
    resolve(outcome)
  }))
}

/** Python's http.client and urllib, RUNS times each, both modes, in one process. */
function withPython (c: Case): Promise<Outcome[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [join(import.meta.dirname, 'upload-clients.py')], { stdio: ['pipe', 'pipe', 'inherit'] })
    let stdout = ''
    child.stdout.on('data', chunk => { stdout += chunk })
    child.on('error', reject)
    child.on('close', code => {
      if (code !== 0) reject(new Error(`python3 exited with ${code}`))
      else resolve(stdout.trim().split('\n').map(line => JSON.parse(line) as Outcome))
    })
    child.stdin.end(JSON.stringify({ url: c.url, headers: c.headers, body: c.file, runs: RUNS }))
  })
}

function check (t: Test, c: Case, outcome: Outcome) {
  const label = `${c.label}: ${outcome.client}, ${outcome.mode}`
  if (outcome.error !== undefined) {
    t.fail(`${label}: the client got no answer (${outcome.error})`)
    return
  }
  t.equal(outcome.status, c.status, `${label}: status`)
  if (c.url.includes('/api/')) {
    let json: unknown
    try {
      json = JSON.parse(outcome.body ?? '')
    } catch {
      json = outcome.body // not JSON: the match below fails and shows it
    }
    t.match(json, { success: false, error: c.message }, `${label}: the JSON error`)
  } else {
    t.match(outcome.body, c.message, `${label}: the page says why`)
  }
}

async function runAllClients (t: Test, c: Case) {
  for (let run = 0; run < RUNS; run++) {
    for (const chunked of [false, true]) {
      check(t, c, await withFetch(c, chunked))
      check(t, c, await withCurl(c, chunked))
    }
  }
  for (const outcome of await withPython(c)) check(t, c, outcome)
}

const missing = [...(await has('python3', ['--version']) ? [] : ['python3']), ...(await has('curl', ['--version']) ? [] : ['curl'])]
const skip = missing.length ? `${missing.join(' and ')} not installed` : false
if (skip) console.log(`# refusals: skipped, ${skip}`)

t.test('every refusal of an upload is read by fetch, curl and Python, nothing stored', { skip }, async t => {
  // 1 MiB limit: a 3 MiB file is refused from its Content-Length (or, chunked, when the stream
  // passes the limit); a 1.5 MiB one passes that check (1 MiB of slack for the envelope) and
  // is refused when its part begins (CSRF) or by its first bytes.
  const app = await buildTestApp(t, { MAX_UPLOAD_BYTES: String(MiB), UPLOADS_PER_MINUTE: '100000' })
  const base = await listen(app)
  const user = await apiUser(app)
  const browser = new Browser(app)
  await browser.signUp('refused@example.com')
  await browser.get('/datasets/new')
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const big = jsonl(3 * MiB)
  const mid = jsonl(1.5 * MiB)
  const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), mid])
  const fields = [{ name: 'name', value: 'refused' }]
  const filePart = (content: Buffer) => ({ name: 'file', filename: 'data.jsonl', content })
  const jsonFile = join(dir, 'json.body')
  writeFileSync(jsonFile, JSON.stringify({ name: 'x', file_name: 'x.jsonl', file_size: 10, padding: 'x'.repeat(3 * MiB) }))
  const cases: Case[] = [
    { label: '413 API', url: `${base}/api/datasets`, ...bodyFile('413.body', [...fields, filePart(big)], user.headers), status: 413, message: /larger than the limit of 1,048,576 bytes/ },
    { label: '415 API', url: `${base}/api/datasets`, ...bodyFile('415.body', [...fields, filePart(pdf)], user.headers), status: 415, message: /This is a PDF file/ },
    { label: '401 API', url: `${base}/api/datasets`, ...bodyFile('401.body', [...fields, filePart(big)], {}), status: 401, message: /Sign in first/ },
    { label: '403 API (another site)', url: `${base}/api/datasets`, ...bodyFile('403.body', [...fields, filePart(big)], { ...user.headers, origin: 'http://evil.example' }), status: 403, message: /another site/ },
    { label: '403 form (no CSRF token)', url: `${base}/datasets`, ...bodyFile('form403.body', [...fields, filePart(mid)], { cookie, accept: 'text/html' }), status: 403, message: /security token is missing/ },
    { label: '413 form', url: `${base}/datasets`, ...bodyFile('form413.body', [{ name: '_csrf', value: browser.csrf }, ...fields, filePart(big)], { cookie, accept: 'text/html' }), status: 413, message: /larger than the limit of 1,048,576 bytes/ },
    { label: '413 JSON body limit (presigned creation)', url: `${base}/api/datasets`, file: jsonFile, headers: { ...user.headers, 'content-type': 'application/json' }, status: 413, message: /too large/i },
    { label: '415 form', url: `${base}/datasets`, ...bodyFile('form415.body', [{ name: '_csrf', value: browser.csrf }, ...fields, filePart(pdf)], { cookie, accept: 'text/html' }), status: 415, message: /This is a PDF file/ }
  ]
  for (const c of cases) await t.test(c.label, async t => await runAllClients(t, c))
  t.equal((await app.sql`select count(*)::int as n from datasets`)[0].n, 0, 'no row for any refused upload')
  t.same(await bucketKeys(app), [], 'no object for any refused upload')
})

t.test('429 is read by every client too', { skip }, async t => {
  const app = await buildTestApp(t, { UPLOADS_PER_MINUTE: '1' })
  const base = await listen(app)
  const user = await apiUser(app)
  t.equal((await uploadDataset(app, user.headers, sampleDataset(2))).statusCode, 201, 'the one upload a minute')
  const c: Case = { label: '429 API', url: `${base}/api/datasets`, ...bodyFile('429.body', [{ name: 'name', value: 'late' }, { name: 'file', filename: 'data.jsonl', content: jsonl(3 * MiB) }], user.headers), status: 429, message: /Too many uploads/ }
  await runAllClients(t, c)
  t.equal((await app.sql`select count(*)::int as n from datasets`)[0].n, 1, 'only the first upload is kept')
  t.equal((await bucketKeys(app)).length, 1)
})

/** Sends `Content-Length: declared` to a route that refuses at once, then writes `piece` every `everyMs` until the server closes. */
function refusedRawUpload (base: string, { declared, piece, everyMs }: { declared: number, piece: number, everyMs: number }) {
  const { port } = new URL(base)
  return new Promise<{ answer: string, sent: number, closedAfterMs: number }>(resolve => {
    // Half-open, as HTTP clients are: the server's end of the answer does not stop the sending.
    const socket = connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: true })
    const started = Date.now()
    let answer = ''
    let sent = 0
    const zeros = Buffer.alloc(piece)
    const timer = setInterval(() => {
      if (socket.destroyed || sent + piece > declared) return
      socket.write(zeros)
      sent += piece
    }, everyMs)
    socket.on('data', chunk => { answer += chunk.toString('latin1') })
    socket.on('error', () => {}) // the reset that ends the sending: 'close' follows
    socket.on('close', () => {
      clearInterval(timer)
      resolve({ answer, sent, closedAfterMs: Date.now() - started })
    })
    socket.write(`POST /api/datasets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: ${declared}\r\n\r\n`)
  })
}

t.test('the discarded body is bounded in bytes and in time, then the connection closes', async t => {
  const app = await buildTestApp(t, { REFUSED_BODY_DRAIN_BYTES: String(MiB), REFUSED_BODY_DRAIN_SECONDS: '1' })
  const base = await listen(app)
  const fast = await refusedRawUpload(base, { declared: 256 * MiB, piece: 256 * 1024, everyMs: 1 })
  t.match(fast.answer, /^HTTP\/1\.1 401 [\s\S]*connection: close[\s\S]*"Sign in first/i, 'the refusal arrives first')
  t.ok(fast.sent >= MiB, `the body is read past the refusal (${fast.sent} bytes sent)`)
  t.ok(fast.sent < 128 * MiB, `then the connection closes at the byte bound (${fast.sent} of ${256 * MiB} bytes sent)`)
  const slow = await refusedRawUpload(base, { declared: 256 * MiB, piece: 1024, everyMs: 50 })
  t.match(slow.answer, /^HTTP\/1\.1 401 /, 'a slow sender reads the refusal too')
  t.ok(slow.closedAfterMs >= 900, `the connection stays open for the time bound (${slow.closedAfterMs} ms)`)
  t.ok(slow.closedAfterMs < 30_000, `and closes after it (${slow.closedAfterMs} ms), long before the body is sent`)
})
