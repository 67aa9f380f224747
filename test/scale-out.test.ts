import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { createTestConfig, sampleDataset } from './helper.js'
import { startServerProcess } from './processes.js'

/** One database and bucket for every process of a test, and the environment that points at them. */
async function sharedServers (t: { teardown: (fn: () => unknown) => void }) {
  const config = await createTestConfig(t)
  const dataDir = mkdtempSync(join(tmpdir(), 'datasets-scale-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const env = {
    DATABASE_URL: config.databaseUrl, S3_ENDPOINT: config.s3.endpoint!, S3_BUCKET: config.s3.bucket, DATA_DIR: dataDir,
    SESSION_SECRET: config.sessionSecret, UPLOADS_PER_MINUTE: '1000'
  }
  return { config, env }
}

t.test('a web process and a worker process: 50 uploads, each validated exactly once', async t => {
  const { config, env } = await sharedServers(t)
  const web = await startServerProcess({ ...env, ROLE: 'web' })
  t.teardown(() => { web.child.kill('SIGKILL') })
  const sql = postgres(config.databaseUrl, { max: 2, onnotice: () => {} })
  t.teardown(() => sql.end())
  const credentials = JSON.stringify({ email: 'scale@example.com', password: 'long enough password' })
  await fetch(`${web.url}/api/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: credentials })
  const token = (await (await fetch(`${web.url}/api/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: credentials })).json()).data.token
  const headers = { authorization: `Bearer ${token}` }
  const ids: string[] = []
  for (let i = 0; i < 50; i++) {
    const form = new FormData()
    form.append('name', `set ${i}`)
    form.append('file', new Blob([sampleDataset(2 + i % 5, `s${i}`)]), 'data.jsonl')
    ids.push((await (await fetch(`${web.url}/api/datasets`, { method: 'POST', headers, body: form })).json()).data.dataset.id)
  }
  await new Promise(resolve => setTimeout(resolve, 500))
  const [waiting] = await sql`select count(*)::int as n from datasets where status = 'validating'`
  t.equal(waiting.n, 50, 'the web process runs no jobs')
  const worker = await startServerProcess({ ...env, ROLE: 'worker' })
  t.teardown(() => { worker.child.kill('SIGKILL') })
  const deadline = Date.now() + 90_000
  while ((await sql`select count(*)::int as n from datasets where status = 'ready'`)[0].n < 50 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 250))
  t.equal((await sql`select count(*)::int as n from datasets where status = 'ready'`)[0].n, 50, 'the worker process validated all 50')
  const notes = await sql`select dataset_id, count(*)::int as n from notifications group by dataset_id`
  t.equal(notes.length, 50, 'one notification per dataset')
  t.ok(notes.every(row => row.n === 1), 'never two')
  t.equal((await sql`select count(*)::int as n from graphile_worker._private_jobs`)[0].n, 0, 'no job left')
  web.child.kill('SIGTERM')
  worker.child.kill('SIGTERM')
  t.same(await Promise.all([web.exited, worker.exited]), [0, 0], 'both stop cleanly')
})

t.test('two "all" processes: sessions and tokens on either; one killed mid-work loses no job', async t => {
  const { env } = await sharedServers(t)
  const [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)])
  t.teardown(() => { a.child.kill('SIGKILL'); b.child.kill('SIGKILL') })

  // A session made on A works on B.
  const login = await fetch(`${a.url}/signup`)
  const cookie = login.headers.get('set-cookie')!.split(';')[0]
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())![1]
  const signup = await fetch(`${a.url}/signup`, {
    method: 'POST', redirect: 'manual', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, email: 'both@example.com', password: 'long enough password' })
  })
  const session = signup.headers.get('set-cookie')!.split(';')[0]
  const onB = await fetch(`${b.url}/datasets`, { headers: { cookie: session }, redirect: 'manual' })
  t.equal(onB.status, 200, 'the session from A opens pages on B')
  const token = (await (await fetch(`${b.url}/api/auth/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'both@example.com', password: 'long enough password' })
  })).json()).data.token
  const headers = { authorization: `Bearer ${token}` }
  t.equal((await fetch(`${a.url}/api/datasets`, { headers })).status, 200, 'a token made on B works on A')

  const ids: string[] = []
  for (let i = 0; i < 20; i++) {
    const form = new FormData()
    form.append('name', `job ${i}`)
    form.append('file', new Blob([sampleDataset(200, `j${i}`)]), 'data.jsonl')
    const target = i % 2 ? a : b
    const response = await fetch(`${target.url}/api/datasets`, { method: 'POST', headers, body: form })
    ids.push((await response.json()).data.dataset.id)
  }
  a.child.kill('SIGKILL') // in the middle of the work
  await a.exited
  const deadline = Date.now() + 90_000
  let statuses: string[] = []
  while (Date.now() < deadline) {
    statuses = await Promise.all(ids.map(async id => (await (await fetch(`${b.url}/api/datasets/${id}`, { headers })).json()).data.dataset.status))
    if (statuses.every(status => status === 'ready')) break
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  t.same(statuses, ids.map(() => 'ready'), 'every dataset ends ready after A is killed')
  const notes = (await (await fetch(`${b.url}/api/notifications`, { headers })).json()).data.notifications
  t.equal(notes.length, 20, 'one notification each')
  t.equal(new Set(notes.map((n: { dataset_id: string }) => n.dataset_id)).size, 20)
  b.child.kill('SIGTERM')
  t.equal(await b.exited, 0)
})
