import t from 'tap'
import { eq, getTableColumns } from 'drizzle-orm'
import { migrateDatabase } from '../../src/db/migrate.js'
import { createDatabase } from '../../src/db/client.js'
import { datasets } from '../../src/db/schema.js'
import { LIST_COLUMNS, toDataset } from '../../src/datasets/rows.js'
import { createDatasetRepository } from '../../src/datasets/repository.js'
import { createTestDatabase } from '../helper.js'

// The plain-SQL reads must return exactly what drizzle returns, column for column.
t.test('toDataset and the repository\'s findById equal drizzle on every column', async t => {
  const url = await createTestDatabase(t)
  await migrateDatabase(url)
  const { db, client } = createDatabase(url, { max: 2 })
  t.teardown(() => client.end())
  const repository = createDatasetRepository(db)
  const [user] = await client`insert into users (email, password_hash) values ('rows@example.com', 'x') returning id`
  const full = await client`insert into datasets (user_id, name, name_search, description, file_name, file_size, storage_path, status, training_ready,
      tokenizer, context_limit, stats, issue_counts, report, error_message, validated_at, deleted_at)
    values (${user.id}, 'Full', 'full', 'described', 'f.jsonl', 9007199254740991, 'p/full', 'ready', true, 'cl100k_base', 4096,
      ${JSON.stringify({ tokens: 12, role_counts: { user: 1 } })}::jsonb, '{"bad_role": 2}'::jsonb, '{"outcome": "ready"}'::jsonb, 'none',
      '2026-11-24 01:02:03.456789+00', now()) returning id`
  const sparse = await client`insert into datasets (user_id, name, file_name, file_size, storage_path) values (${user.id}, 'Sparse', 's.jsonl', 0, 'p/sparse') returning id`

  const columnNames = Object.values(getTableColumns(datasets)).map(column => column.name).sort()
  t.same([...LIST_COLUMNS, 'report'].sort(), columnNames, 'LIST_COLUMNS and the report are every column of the table')
  for (const { id } of [...full, ...sparse]) {
    const [viaDrizzle] = await db.select().from(datasets).where(eq(datasets.id, id))
    t.same(await repository.findById(id), viaDrizzle, 'findById = drizzle')
    const [raw] = await client`select ${client.unsafe(LIST_COLUMNS.join(', '))} from datasets where id = ${id}`
    t.same(toDataset(raw), { ...viaDrizzle, report: null }, 'a list row = drizzle without the report')
    t.ok(toDataset(raw).createdAt instanceof Date)
  }
  t.equal((await repository.findById(full[0].id))!.fileSize, 9007199254740991, 'bigint file size as a number')
  t.equal(await repository.findById('00000000-0000-4000-8000-000000000000'), null, 'none: null')
})
