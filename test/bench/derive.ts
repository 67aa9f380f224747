// npm run bench:derive: the training hand-off end to end on the 200 MB benchmark file (BENCH_MB),
// each conversation made unique, then 2 % bad lines and 3 % duplicate conversations injected:
// one derive (errors and duplicates dropped, native → openai, a validation set of exactly
// BENCH_VALIDATION conversations) from the request to both outputs `ready`, in one server process
// (built, ROLE=all: web + worker + analysis threads). Prints MB/s of the source over that time and
// its phases, and the server process's peak RSS (VmHWM, reset before the derive; must stay under
// 250 MB); checks the counts and the exact sizes. Uses DATABASE_URL / S3_ENDPOINT when set (a
// database of its own is created there and dropped), embedded servers otherwise.
import { once } from 'node:events'
import { chmodSync, createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { randomBytes } from 'node:crypto'
import postgres from 'postgres'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { ensureServers } from '../../src/embedded/index.js'
import { createStorage } from '../../src/datasets/storage.js'
import { startServerProcess } from '../processes.js'
import { generateDataset } from './generate.js'

const MiB = 1024 * 1024
const SIZE_MB = Number(process.env.BENCH_MB ?? 200)
const VALIDATION = Number(process.env.BENCH_VALIDATION ?? 10_000)
const dir = mkdtempSync(join(tmpdir(), 'datasets-bench-derive-'))
chmodSync(dir, 0o755) // the embedded Postgres runs as its own user when we are root

function peakRss (pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024
}

/** Copies `from` to `to` with bad lines (2 %) and duplicates of earlier good lines (3 %) injected, deterministically. */
async function inject (from: string, to: string): Promise<{ lines: number, bad: number, duplicates: number }> {
  let state = 11
  const random = () => { state = (state * 1103515245 + 12345) & 0x7fffffff; return state / 0x7fffffff }
  const out = createWriteStream(to)
  const recent: string[] = []
  let lines = 0
  let bad = 0
  let duplicates = 0
  const write = async (line: string) => { lines++; if (!out.write(line + '\n')) await once(out, 'drain') }
  let index = 0
  for await (const generated of createInterface({ input: createReadStream(from), crlfDelay: Infinity })) {
    // The generator repeats short conversations: each is made unique, so only the injected copies are duplicates.
    const record = JSON.parse(generated)
    record.turns[record.turns.length - 1].content += ` (#${index++})`
    const line = JSON.stringify(record)
    if (random() < 0.02) {
      bad++
      await write(line.slice(0, Math.floor(line.length / 2))) // cut short: invalid JSON
      continue
    }
    await write(line)
    recent.push(line)
    if (recent.length > 1000) recent.shift()
    if (random() < 0.03 / 0.98) {
      duplicates++
      await write(recent[Math.floor(random() * recent.length)])
    }
  }
  out.end()
  await once(out, 'finish')
  return { lines, bad, duplicates }
}

async function main () {
  const plain = join(dir, 'plain.jsonl')
  const source = join(dir, 'source.jsonl')
  await generateDataset(plain, SIZE_MB * MiB, 7, 'native')
  const injected = await inject(plain, source)
  rmSync(plain)
  const bytes = statSync(source).size

  const servers = await ensureServers({ databaseUrl: process.env.DATABASE_URL, s3Endpoint: process.env.S3_ENDPOINT }, join(dir, 'data'), [])
  let databaseUrl = servers.databaseUrl
  let dropDatabase = async () => {}
  if (process.env.DATABASE_URL) {
    const name = `bench_derive_${randomBytes(4).toString('hex')}`
    const admin = postgres(process.env.DATABASE_URL, { max: 1, onnotice: () => {} })
    await admin.unsafe(`create database ${name}`)
    const url = new URL(process.env.DATABASE_URL)
    url.pathname = `/${name}`
    databaseUrl = url.toString()
    dropDatabase = async () => { await admin.unsafe(`drop database if exists ${name} with (force)`); await admin.end() }
  }
  const bucket = `bench-${randomBytes(4).toString('hex')}`
  const s3 = { accessKeyId: process.env.S3_ACCESS_KEY_ID ?? 'S3RVER', secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? 'S3RVER' }
  await createStorage({ endpoint: servers.s3Endpoint, bucket, region: process.env.S3_REGION ?? 'us-east-1', forcePathStyle: true, ...s3 })
    .client.send(new CreateBucketCommand({ Bucket: bucket }))
  const server = await startServerProcess({
    DATABASE_URL: databaseUrl, S3_ENDPOINT: servers.s3Endpoint, S3_BUCKET: bucket, S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    SESSION_SECRET: 'bench-'.repeat(8), DATA_DIR: join(dir, 'app'), ROLE: 'all', MAX_UPLOAD_BYTES: String(1024 * MiB)
  }, { built: true, timeoutMs: 120_000 })
  const pid = server.child.pid!
  try {
    const credentials = JSON.stringify({ email: 'bench@example.com', password: 'benchmark password' })
    await fetch(`${server.url}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: credentials })
    const token = (await (await fetch(`${server.url}/api/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: credentials })).json()).data.token
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    const api = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${server.url}${path}`, { ...init, headers })
      return { status: response.status, body: await response.json() }
    }
    const get = async (id: string) => (await api(`/api/datasets/${id}`)).body.data.dataset
    const waitFinal = async (id: string) => {
      for (;;) {
        const d = await get(id)
        if (d.status === 'ready' || d.status === 'error') return d
        await new Promise(resolve => setTimeout(resolve, 200))
      }
    }
    // The source goes straight to storage (the presigned flow), then is validated.
    const created = await api('/api/datasets', { method: 'POST', body: JSON.stringify({ name: 'bench-chats', file_name: 'bench-chats.jsonl', file_size: bytes }) })
    const put = await fetch(created.body.data.uploadUrl, { method: 'PUT', body: createReadStream(source) as unknown as BodyInit, duplex: 'half', headers: { 'content-length': String(bytes) } } as RequestInit)
    if (!put.ok) throw new Error(`PUT answered ${put.status}: ${await put.text()}`)
    const id = created.body.data.dataset.id as string
    let started = performance.now()
    const confirmed = await api(`/api/datasets/${id}/confirm`, { method: 'POST', body: '{}' })
    if (confirmed.status !== 200) throw new Error(`confirm answered ${confirmed.status}: ${JSON.stringify(confirmed.body)}`)
    const validated = await waitFinal(id)
    const sourceSeconds = (performance.now() - started) / 1000
    console.log(`source: ${(bytes / 1e6).toFixed(1)} MB, ${injected.lines.toLocaleString('en-US')} lines (${injected.bad.toLocaleString('en-US')} bad, ${injected.duplicates.toLocaleString('en-US')} duplicates injected); validated (${validated.status}) in ${sourceSeconds.toFixed(1)} s, ${(bytes / 1e6 / sourceSeconds).toFixed(1)} MB/s; server peak RSS so far ${(peakRss(pid) / MiB).toFixed(0)} MB`)

    writeFileSync(`/proc/${pid}/clear_refs`, '5') // resets VmHWM: the derive's own peak from here
    started = performance.now()
    const response = await api(`/api/datasets/${id}/derive`, { method: 'POST', body: JSON.stringify({ validation: { size: VALIDATION }, seed: 42 }) })
    if (response.status !== 202) throw new Error(`derive answered ${response.status}: ${JSON.stringify(response.body)}`)
    const [trainRow, validationRow] = response.body.data.datasets
    let written = 0
    for (;;) {
      const d = await get(trainRow.id)
      if (d.recipe.counts || d.status !== 'validating') { written = (performance.now() - started) / 1000; break }
      await new Promise(resolve => setTimeout(resolve, 200))
    }
    const writePeak = peakRss(pid)
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    const [train, validation] = await Promise.all([waitFinal(trainRow.id), waitFinal(validationRow.id)])
    const seconds = (performance.now() - started) / 1000
    const peak = peakRss(pid)
    const counts = train.recipe.counts
    console.log(`derive → both outputs ready: ${seconds.toFixed(1)} s, ${(bytes / 1e6 / seconds).toFixed(1)} MB/s of the source end to end (two passes and writing: ${written.toFixed(1)} s, ${(bytes / 1e6 / written).toFixed(1)} MB/s; then validation of both outputs: ${(seconds - written).toFixed(1)} s)`)
    console.log(`outputs: train ${(train.file_size / 1e6).toFixed(1)} MB ${train.status} (${train.stats?.conversations?.toLocaleString('en-US')} conversations), validation ${(validation.file_size / 1e6).toFixed(1)} MB ${validation.status} (${validation.stats?.conversations?.toLocaleString('en-US')}); counts ${JSON.stringify(counts)}`)
    console.log(`server process peak RSS (VmHWM): ${(Math.max(peak, writePeak) / MiB).toFixed(0)} MB (reading, converting and writing: ${(writePeak / MiB).toFixed(0)} MB; validating the outputs: ${(peak / MiB).toFixed(0)} MB)`)
    const problems: string[] = []
    if (train.status !== 'ready' || validation.status !== 'ready') problems.push(`outputs not ready: ${train.error_message ?? ''} ${validation.error_message ?? ''}`)
    if (validation.stats?.conversations !== VALIDATION) problems.push(`validation has ${validation.stats?.conversations} conversations, not ${VALIDATION}`)
    if (train.stats?.conversations !== counts.kept - VALIDATION) problems.push(`train has ${train.stats?.conversations}, not kept − validation = ${counts.kept - VALIDATION}`)
    if (counts.dropped.errors !== injected.bad) problems.push(`dropped ${counts.dropped.errors} lines with errors, ${injected.bad} were injected`)
    if (counts.dropped.duplicates !== injected.duplicates) problems.push(`dropped ${counts.dropped.duplicates} duplicates, ${injected.duplicates} were injected`)
    if (counts.records !== injected.lines) problems.push(`read ${counts.records} lines of ${injected.lines}`)
    if (Math.max(peak, writePeak) >= 250 * MiB) problems.push(`peak RSS ${(Math.max(peak, writePeak) / MiB).toFixed(0)} MB is not under 250 MB`)
    if (problems.length > 0) throw new Error(problems.join('; '))
    console.log('checked: exact sizes, every bad line and injected duplicate dropped, both outputs ready, peak RSS under 250 MB')
  } finally {
    server.child.kill('SIGTERM')
    await server.exited
    await dropDatabase()
    await servers.stop()
  }
}

main().then(() => rmSync(dir, { recursive: true, force: true }), error => {
  rmSync(dir, { recursive: true, force: true })
  console.error(error)
  process.exitCode = 1
})
