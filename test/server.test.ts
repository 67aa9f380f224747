import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../src/embedded/index.js'
import { createTestBucket, createTestDatabase, testServers } from './helper.js'
import { serverAllocatorEnv, serverNodeFlags } from './processes.js'

interface Started { child: ChildProcess, output: () => string, exited: Promise<number | null> }

function startServer (env: Record<string, string>): Started {
  const child = spawn(process.execPath, [...serverNodeFlags(), '--import', 'tsx', 'src/server.ts'], {
    env: { PATH: process.env.PATH!, NODE_ENV: 'test', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout!.on('data', chunk => { output += chunk })
  child.stderr!.on('data', chunk => { output += chunk })
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  return { child, output: () => output, exited }
}

async function waitFor (started: Started, pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const match = pattern.exec(started.output())
    if (match) return match
    if (started.child.exitCode !== null) throw new Error(`server exited early:\n${started.output()}`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`timed out waiting for ${pattern}:\n${started.output()}`)
}

t.test('the container runs the server as npm start does: same node flags, a small young generation', async t => {
  const flags = serverNodeFlags()
  t.ok(flags.some(flag => /^--max-semi-space-size=\d+$/.test(flag)), `npm start sets the young generation's size (${flags.join(' ')})`)
  const cmd = /^CMD (\[.*\])$/m.exec(readFileSync('Dockerfile', 'utf8'))
  t.ok(cmd, 'the Dockerfile has an exec-form CMD')
  t.same(JSON.parse(cmd![1]), ['node', ...flags, 'dist/server.js'], "the Dockerfile's CMD is npm start's node command")
  t.same(serverAllocatorEnv(), { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' }, 'the image sets glibc malloc to two arenas and mapped large blocks (the benchmarks run the server with the same)')
})

t.test('npm start path with DATABASE_URL and S3_ENDPOINT set: uses those servers', async t => {
  const { s3Endpoint } = testServers()
  const databaseUrl = await createTestDatabase(t)
  const bucket = await createTestBucket()
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'datasets-server-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const server = startServer({ DATABASE_URL: databaseUrl, S3_ENDPOINT: s3Endpoint, S3_BUCKET: bucket, PORT: String(port), DATA_DIR: dataDir })
  t.teardown(() => { server.child.kill('SIGKILL') })
  const [, url] = await waitFor(server, /Datasets is listening on (http:\/\/\S+)/, 60_000)
  t.equal(url, `http://127.0.0.1:${port}`, 'logs its URL')
  t.notMatch(server.output(), /embedded/, 'no embedded server started')
  const ready = await fetch(`${url}/readyz`)
  t.equal(ready.status, 200)
  t.notOk(existsSync(join(dataDir, 'postgres')), 'nothing written for an embedded Postgres')
  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0, 'SIGTERM: clean exit')
})

t.test('npm start path on a machine with only Node: embedded Postgres and S3 under DATA_DIR', async t => {
  const port = await freePort()
  const dataDir = mkdtempSync(join(tmpdir(), 'datasets-embedded-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const server = startServer({ PORT: String(port), DATA_DIR: dataDir })
  t.teardown(() => { server.child.kill('SIGKILL') })
  const [, url] = await waitFor(server, /Datasets is listening on (http:\/\/\S+)/, 120_000)
  t.match(server.output(), /starting an embedded Postgres/)
  t.match(server.output(), /starting an embedded S3 server/)
  const ready = await fetch(`${url}/readyz`)
  t.same(await ready.json(), { status: 'ready', database: 'ok', storage: 'ok' })
  const signup = await fetch(`${url}/api/auth/signup`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'e@example.com', password: 'long enough' })
  })
  t.equal(signup.status, 201, 'migrations ran: accounts work')
  t.ok(existsSync(join(dataDir, 'postgres', 'PG_VERSION')), 'Postgres data under DATA_DIR')
  t.ok(existsSync(join(dataDir, 's3', 'datasets')), 'the bucket was created under DATA_DIR')
  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0, 'SIGTERM: clean exit')
  t.notOk(existsSync(join(dataDir, 'postgres', 'postmaster.pid')), 'the embedded Postgres was stopped')
})
