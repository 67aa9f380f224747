import t from 'tap'
import postgres from 'postgres'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { migrateDatabase, MIGRATIONS_FOLDER } from '../../src/db/migrate.js'
import { createTestDatabase } from '../helper.js'

t.test('migrations: concurrent starts do not race, a second run changes nothing', async t => {
  const url = await createTestDatabase(t)
  // Three processes starting at once: the advisory lock queues them.
  await Promise.all([migrateDatabase(url), migrateDatabase(url), migrateDatabase(url)])
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  t.teardown(() => sql.end())
  const migrations = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')).entries.length
  t.ok(migrations >= 9, 'up to 0008 at least')
  const applied = await sql`select count(*)::int as n from drizzle.__drizzle_migrations`
  t.equal(applied[0].n, migrations, 'each migration recorded once')
  await migrateDatabase(url)
  const again = await sql`select count(*)::int as n from drizzle.__drizzle_migrations`
  t.equal(again[0].n, migrations, 'idempotent')

  const tables = await sql`select tablename from pg_tables where schemaname = 'public' order by tablename`
  t.same(tables.map(r => r.tablename), ['api_tokens', 'datasets', 'notifications', 'sessions', 'user_counts', 'users', 'worker_heartbeats'])
  const worker = await sql`select count(*)::int as n from information_schema.schemata where schema_name = 'graphile_worker'`
  t.equal(worker[0].n, 1, 'graphile-worker schema installed')

  const columns = await sql`select column_name from information_schema.columns where table_name = 'datasets'`
  const names = columns.map(c => c.column_name)
  for (const field of ['id', 'name', 'description', 'file_name', 'file_size', 'storage_path', 'status', 'training_ready', 'tokenizer',
    'stats', 'issue_counts', 'error_message', 'progress', 'created_at', 'updated_at', 'validated_at', 'deleted_at', 'user_id', 'report']) {
    t.ok(names.includes(field), `datasets.${field}`)
  }
  const indexes = await sql`select indexname, indexdef from pg_indexes where tablename = 'datasets'`
  const defs = Object.fromEntries(indexes.map(i => [i.indexname, i.indexdef]))
  t.match(defs.datasets_user_created_at_idx, /\(user_id, created_at DESC NULLS LAST\)/)
  t.match(defs.datasets_user_live_idx, /\(user_id, created_at DESC, id DESC\) INCLUDE \(status\) WHERE \(deleted_at IS NULL\)/, 'list index is partial and carries status')
  t.match(defs.datasets_user_name_idx, /\(user_id, name, id\) INCLUDE \(status\) WHERE \(deleted_at IS NULL\)/)
  t.match(defs.datasets_user_size_idx, /\(user_id, file_size DESC, id DESC\) INCLUDE \(status\) WHERE \(deleted_at IS NULL\)/)
  t.match(defs.datasets_user_search_idx, /\(user_id, created_at DESC, id DESC\) INCLUDE \(status, name_search\) WHERE \(deleted_at IS NULL\)/, 'search filters the index')
  t.notOk(defs.datasets_user_id_idx ?? defs.datasets_status_idx ?? defs.datasets_created_at_idx ?? defs.datasets_name_trgm_idx ?? defs.datasets_name_search_trgm_idx, 'indexes nothing uses are gone')
  t.match(defs.datasets_storage_path_idx, /UNIQUE/)

  const rls = await sql`select relname, relrowsecurity, relforcerowsecurity from pg_class
    where relname in ('datasets', 'notifications', 'api_tokens', 'user_counts') order by relname`
  t.same(rls.map(r => [r.relname, r.relrowsecurity, r.relforcerowsecurity]),
    [['api_tokens', true, true], ['datasets', true, true], ['notifications', true, true], ['user_counts', true, true]], 'RLS enabled and forced')
})

t.test('0007: a validation job queued under the old key takes the task-id key (one that has it already keeps its own; the task is idempotent)', async t => {
  const url = await createTestDatabase(t)
  await migrateDatabase(url)
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  t.teardown(() => sql.end())
  const [a, b] = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222']
  for (const id of [a, b]) await sql`select graphile_worker.add_job('dataset__validate', json_build_object('datasetId', ${id}::text), job_key := ${'validate:' + id})`
  // b was also queued under the new key (a process of the new version): the old job keeps its key.
  await sql`select graphile_worker.add_job('dataset__validate', json_build_object('datasetId', ${b}::text), job_key := ${'dataset__validate:' + b})`
  await sql.unsafe(readFileSync(join(MIGRATIONS_FOLDER, '0007_validate_job_key.sql'), 'utf8'))
  const keys = (await sql`select key from graphile_worker._private_jobs order by key`).map(row => row.key)
  t.same(keys, [`dataset__validate:${a}`, `dataset__validate:${b}`, `validate:${b}`], 'renamed where no job has the new key')
  await sql`select graphile_worker.add_job('dataset__validate', json_build_object('datasetId', ${a}::text), job_key := ${'dataset__validate:' + a})`
  t.equal((await sql`select count(*)::int as n from graphile_worker._private_jobs where payload->>'datasetId' = ${a}`)[0].n, 1, 'queuing it again replaces the job')
})
