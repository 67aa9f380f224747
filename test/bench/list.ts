// npm run bench:list: one user with 10,000 datasets (and 100 users with 1,000 each), then
// 10 s of autocannon on the list page (page 1 and page 400), the API search and the status
// fragment. Prints req/s and p50/p99, and EXPLAIN of the list and search queries.
import type { ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import autocannon from 'autocannon'
import { ensureServers } from '../../src/embedded/index.js'
import { startServerProcess } from '../processes.js'
import { migrateDatabase } from '../../src/db/migrate.js'

const dir = mkdtempSync(join(tmpdir(), 'datasets-bench-list-'))
chmodSync(dir, 0o755)
const stops: Array<() => Promise<void>> = []
const server: { child: ChildProcess | null } = { child: null }

/** CPU seconds (user + system) of the server process and of every Postgres process, from /proc (Linux). */
function cpuSeconds (serverPid: number): { server: number, postgres: number } | null {
  if (!existsSync('/proc/self/stat')) return null
  const ticks = (pid: string) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')
      return (Number(fields[11]) + Number(fields[12])) / 100
    } catch { return 0 }
  }
  let postgres = 0
  for (const pid of readdirSync('/proc').filter(name => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('postgres:')) postgres += ticks(pid)
    } catch { // the process ended meanwhile
    }
  }
  return { server: ticks(String(serverPid)), postgres }
}

async function main () {
  const servers = await ensureServers({ databaseUrl: process.env.DATABASE_URL, s3Endpoint: process.env.S3_ENDPOINT }, join(dir, 'data'), ['datasets'])
  stops.push(servers.stop)
  const { databaseUrl, s3Endpoint } = servers
  await migrateDatabase(databaseUrl)
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []
  const started = await startServerProcess({
    DATABASE_URL: databaseUrl, S3_ENDPOINT: s3Endpoint, ROLE: 'web', LOG_LEVEL: 'warn', NODE_ENV: 'production',
    SESSION_SECRET: 'bench-list-'.repeat(4), DATA_DIR: join(dir, 'app')
  }, { built: true, nodeArgs: profile })
  const child = server.child = started.child
  const output = started.output

  const url = started.url
  const credentials = { email: 'lister@example.com', password: 'benchmark password' }
  await fetch(`${url}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) })
  const token = (await (await fetch(`${url}/api/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(credentials) })).json()).data.token

  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {} })
  const [{ id: userId }] = await sql`select id from users where email = ${credentials.email}`
  const seeded = performance.now()
  await sql`insert into users (email, password_hash) select 'other' || g || '@example.com', 'x' from generate_series(1, 100) g`
  const stats = JSON.stringify({ conversations: 1200, turns: 2400, avg_turns: 2, training_pairs: 1200, tokens: 345678, assistant_tokens: 200000, tokens_per_conversation: { min: 3, p50: 250, p95: 900, max: 3000 }, tokens_histogram: [], role_counts: { system: 0, user: 1200, assistant: 1200, tool: 0 }, bytes: 1048576, lines: 1200 })
  const seed = (owner: string, count: number, tag: string) => sql`
    insert into datasets (user_id, name, name_search, file_name, file_size, storage_path, status, training_ready, stats, issue_counts, created_at, validated_at)
    select ${owner}::uuid, ${tag} || ' dataset ' || g, lower(${tag} || ' dataset ' || g), 'data-' || g || '.jsonl', 1000 + g * 37,
      ${owner} || '/' || gen_random_uuid() || '/data.jsonl',
      (array['ready','ready','ready','error','validating'])[1 + g % 5], g % 5 < 3, ${stats}::text::jsonb, '{}'::jsonb,
      now() - (g || ' minutes')::interval, now()
    from generate_series(1, ${count}) g`
  await seed(userId, 10_000, 'mine')
  for (const other of await sql`select id from users where email like 'other%'`) await seed(other.id, 1000, 'theirs')
  await sql`vacuum analyze datasets` // what autovacuum does after a bulk load: sets the visibility map
  console.log(`seeded 110,000 datasets in ${((performance.now() - seeded) / 1000).toFixed(1)} s`)

  // Production mode (template cache on) behind a TLS proxy: the Secure cookie is sent.
  const https = { 'x-forwarded-proto': 'https' }
  const login = await fetch(`${url}/login`, { headers: https })
  const cookie = login.headers.get('set-cookie')!.split(';')[0]
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1]
  const signedIn = await fetch(`${url}/login`, {
    method: 'POST', redirect: 'manual', headers: { ...https, cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email: credentials.email, password: credentials.password })
  })
  const session = signedIn.headers.get('set-cookie')!.split(';')[0]
  const [{ id: someId }] = await sql`select id from datasets where user_id = ${userId} and status = 'validating' limit 1`

  const targets: Array<[string, string, Record<string, string>]> = [
    ['GET /datasets (page 1)', '/datasets', { ...https, cookie: session }],
    ['GET /datasets?page=400', '/datasets?page=400', { ...https, cookie: session }],
    ['GET /api/datasets?search=dataset 12', '/api/datasets?search=dataset%2012', { authorization: `Bearer ${token}` }],
    ['GET /datasets/:id/status (fragment)', `/datasets/${someId}/status`, { ...https, cookie: session, 'hx-request': 'true' }]
  ]
  for (const [label, path, headers] of targets.filter(([label]) => !process.env.BENCH_ONLY || label.includes(process.env.BENCH_ONLY))) {
    const check = await fetch(url + path, { headers })
    if (check.status !== 200) throw new Error(`${label}: ${check.status} ${(await check.text()).slice(0, 300)}; server: ${output().slice(-1500)}`)
    await autocannon({ url: url + path, headers, connections: 10, duration: 3 }) // warm-up (JIT, caches), not reported
    const before = cpuSeconds(child.pid!)
    const result = await autocannon({ url: url + path, headers, connections: 10, duration: 10 })
    const after = cpuSeconds(child.pid!)
    const per = (a: number, b: number) => (((b - a) * 1000) / result.requests.total).toFixed(2)
    console.log(`${label}: ${result.requests.average.toFixed(0)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, errors ${result.errors + result.non2xx}` +
      (before && after ? `; CPU per request: server ${per(before.server, after.server)} ms, postgres ${per(before.postgres, after.postgres)} ms` : ''))
  }

  const explain = async (label: string, query: string, params: unknown[]) => {
    const plan = await sql.begin(async tx => {
      await tx`select set_config('app.user_id', ${userId}, true)`
      await tx.unsafe('set local role datasets_app')
      return await tx.unsafe(`explain ${query}`, params as string[])
    })
    console.log(`EXPLAIN ${label}:\n  ${plan.map(row => row['QUERY PLAN']).join('\n  ')}`)
  }
  // The queries the list runs: the counts row, and the page (ids from the sort's index joined to their rows).
  await explain('counts', `select * from user_counts where user_id = $1`, [userId])
  const page = (offset: number, direction: 'asc' | 'desc') => `select d.id, d.name from (select id from datasets where user_id = $1 and deleted_at is null
    order by created_at ${direction}, id ${direction} limit 20 offset ${offset}) page join datasets d on d.id = page.id order by d.created_at ${direction}, d.id ${direction}`
  await explain('list page 1', page(0, 'desc'), [userId])
  // Page 400 of 500 is read from the other end of the index: 10,000 − 7,980 − 20 = 2,000 rows in.
  await explain('list page 400 (from the other end)', page(2000, 'asc'), [userId])
  await explain('search', `select id, count(*) over () from datasets where user_id = $1 and deleted_at is null
    and strpos(name_search, $2) > 0 order by created_at desc, id desc limit 20`, [userId, 'dataset 12'])
  await sql.end()
  if (process.env.BENCH_PROFILE) {
    console.log(`server output: ${output().length} characters; last: ${output().slice(-600)}`)
    child.kill('SIGTERM')
    await new Promise(resolve => child.on('exit', resolve))
  }
}

try {
  await main()
} finally {
  server.child?.kill('SIGKILL')
  for (const stop of stops.reverse()) await stop().catch(() => {})
  rmSync(dir, { recursive: true, force: true })
}
