import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { Readable } from 'node:stream'
import { validate } from '../../src/validation/index.js'
import { startServerProcess, type ServerProcess } from '../processes.js'
import { createTestBucket, createTestDatabase, testServers } from '../helper.js'

type Server = ServerProcess
const startServer = (env: Record<string, string>) => startServerProcess(env)

/** About `megabytes` MB of valid conversations with varied text, so validation takes a few seconds. */
function largeDataset (megabytes: number): Blob {
  const lines: string[] = []
  let size = 0
  for (let i = 0; size < megabytes * 1024 * 1024; i++) {
    const line = JSON.stringify({ conversation_id: i, turns: [
      { role: 'user', content: `Question ${i}: explain item ${i * 7919 % 10007} in detail, with examples and caveats.` },
      { role: 'assistant', content: `Item ${i} is explained here. ${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(1 + i % 5)}` }
    ] })
    lines.push(line)
    size += line.length + 1
  }
  return new Blob([lines.join('\n') + '\n'])
}

async function setup (t: { teardown: (fn: () => unknown) => void }) {
  const { s3Endpoint } = testServers()
  const databaseUrl = await createTestDatabase(t)
  const bucket = await createTestBucket()
  const dataDir = mkdtempSync(join(tmpdir(), 'datasets-worker-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const env = { DATABASE_URL: databaseUrl, S3_ENDPOINT: s3Endpoint, S3_BUCKET: bucket, DATA_DIR: dataDir, SESSION_SECRET: 'x'.repeat(40) }
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} })
  t.teardown(() => sql.end())
  return { env, sql }
}

async function signUpAndUpload (server: Server, file: Blob): Promise<{ id: string, headers: Record<string, string> }> {
  const credentials = { email: 'proc@example.com', password: 'long enough password' }
  await fetch(`${server.url}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) })
  const token = (await (await fetch(`${server.url}/api/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) })).json()).data.token
  const headers = { authorization: `Bearer ${token}` }
  const form = new FormData()
  form.append('name', 'Big one')
  form.append('file', file, 'big.jsonl')
  const response = await fetch(`${server.url}/api/datasets`, { method: 'POST', headers, body: form })
  const body = await response.json()
  if (response.status !== 201) throw new Error(`upload failed: ${JSON.stringify(body)}`)
  return { id: body.data.dataset.id, headers }
}

async function waitForLockedJob (sql: postgres.Sql, id: string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    const [job] = await sql`select locked_by from graphile_worker._private_jobs where key = ${'dataset__validate:' + id}`
    if (job?.locked_by) return
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  throw new Error('the validation job was never picked up')
}

async function finalStatus (sql: postgres.Sql, id: string, timeoutMs: number): Promise<{ status: string, stats: unknown }> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const [row] = await sql`select status, stats::text as stats from datasets where id = ${id}`
    if (row.status === 'ready' || row.status === 'error') return { status: row.status, stats: JSON.parse(row.stats) }
    if (Date.now() > deadline) return { status: row.status, stats: null }
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

t.test('kill -9 during validation: after a restart the dataset reaches its final state', async t => {
  const { env, sql } = await setup(t)
  const file = largeDataset(40)
  const first = await startServer(env)
  t.teardown(() => { first.child.kill('SIGKILL') })
  const { id } = await signUpAndUpload(first, file)
  await waitForLockedJob(sql, id)
  first.child.kill('SIGKILL')
  await first.exited
  const [stuck] = await sql`select status from datasets where id = ${id}`
  t.equal(stuck.status, 'validating', 'killed mid-validation')

  const started = Date.now()
  const second = await startServer(env)
  t.teardown(() => { second.child.kill('SIGKILL') })
  const final = await finalStatus(sql, id, 60_000)
  t.equal(final.status, 'ready', `final within ${Math.round((Date.now() - started) / 1000)} s of the restart`)
  const expected = await validate(Readable.from([Buffer.from(await file.arrayBuffer())]))
  t.same(final.stats, JSON.parse(JSON.stringify(expected.stats)), 'with the correct stats of the whole file')
  t.ok(Date.now() - started < 60_000)
  second.child.kill('SIGTERM')
  t.equal(await second.exited, 0)
})

t.test('SIGTERM during validation: the running job finishes, then a clean exit', async t => {
  const { env, sql } = await setup(t)
  const server = await startServer(env)
  t.teardown(() => { server.child.kill('SIGKILL') })
  const { id } = await signUpAndUpload(server, largeDataset(30))
  await waitForLockedJob(sql, id)
  const signalled = Date.now()
  server.child.kill('SIGTERM')
  const code = await server.exited
  t.equal(code, 0, 'exit code 0')
  t.ok(Date.now() - signalled < 30_000, 'within 30 s')
  const [row] = await sql`select status from datasets where id = ${id}`
  t.equal(row.status, 'ready', 'the job was not lost: it finished before the exit')
  const jobs = await sql`select count(*)::int as n from graphile_worker._private_jobs`
  t.equal(jobs[0].n, 0, 'its completion was written')
})
