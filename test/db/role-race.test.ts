import t from 'tap'
import { chmodSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { migrateDatabase } from '../../src/db/migrate.js'
import { startEmbeddedPostgres } from '../../src/embedded/index.js'

// The role is cluster-wide but the migration lock is per database: on a new cluster, databases
// migrating at once all try to create the role. A cluster of its own makes the race certain.
t.test('several databases migrate at once on a new cluster', async t => {
  const dir = mkdtempSync(join(tmpdir(), 'datasets-role-race-'))
  chmodSync(dir, 0o755)
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const pg = await startEmbeddedPostgres(dir)
  t.teardown(() => pg.stop())
  const admin = postgres(pg.url, { max: 1, onnotice: () => {} })
  const names = ['race_a', 'race_b', 'race_c', 'race_d']
  for (const name of names) await admin.unsafe(`create database ${name}`)
  const [before] = await admin`select count(*)::int as n from pg_roles where rolname = 'datasets_app'`
  t.equal(before.n, 0, 'no role yet')
  const urls = names.map(name => { const url = new URL(pg.url); url.pathname = `/${name}`; return url.toString() })
  await Promise.all(urls.map(url => migrateDatabase(url)))
  const [after] = await admin`select count(*)::int as n from pg_roles where rolname = 'datasets_app'`
  t.equal(after.n, 1, 'every migration succeeded; the role exists once')
  await admin.end()
})
