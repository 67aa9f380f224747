import t from 'tap'
import postgres from 'postgres'
import { migrateDatabase } from '../../src/db/migrate.js'
import { asRequestRole, createTestDatabase, twoUserDatabase } from '../helper.js'

// user_counts is kept by statement triggers: after any mix of writes it must equal a count of the rows.
const STATUSES = ['uploading', 'validating', 'ready', 'error'] as const

t.test('user_counts equals a count of the rows after every kind of write', async t => {
  const url = await createTestDatabase(t)
  await migrateDatabase(url)
  const sql = postgres(url, { max: 2, onnotice: () => {} })
  t.teardown(() => sql.end())

  const users = await sql`insert into users (email, password_hash) select 'u' || g || '@example.com', 'x' from generate_series(1, 4) g returning id`
  const ids = users.map(u => u.id as string)

  const check = async (label: string) => {
    const actual = await sql`
      select u.id,
        count(d.id) filter (where d.deleted_at is null and d.status = 'uploading')::int as uploading,
        count(d.id) filter (where d.deleted_at is null and d.status = 'validating')::int as validating,
        count(d.id) filter (where d.deleted_at is null and d.status = 'ready')::int as ready,
        count(d.id) filter (where d.deleted_at is null and d.status = 'error')::int as error,
        count(d.id) filter (where d.deleted_at is not null)::int as deleted,
        (select count(*) from notifications n where n.user_id = u.id and n.read_at is null)::int as unread
      from users u left join datasets d on d.user_id = u.id group by u.id order by u.id`
    const kept = await sql`
      select u.id, coalesce(c.uploading, 0) as uploading, coalesce(c.validating, 0) as validating, coalesce(c.ready, 0) as ready,
        coalesce(c.error, 0) as error, coalesce(c.deleted, 0) as deleted, coalesce(c.unread_notifications, 0) as unread
      from users u left join user_counts c on c.user_id = u.id order by u.id`
    t.same(kept, actual, label)
  }

  await check('no datasets: all zero')
  // A bulk insert across users, then single-row writes of every kind.
  await sql`insert into datasets (user_id, name, file_name, file_size, storage_path, status)
    select (${sql.array(ids)}::uuid[])[1 + g % 4], 'd' || g, 'd.jsonl', g, 'p' || g, (array['uploading','validating','ready','error'])[1 + (g / 4) % 4]
    from generate_series(0, 199) g`
  await check('bulk insert over four users')
  await sql`update datasets set status = 'validating' where status = 'uploading'`
  await check('uploading → validating')
  await sql`update datasets set status = case when file_size % 3 = 0 then 'error' else 'ready' end where status = 'validating'`
  await check('validating → ready or error')
  await sql`update datasets set description = 'no count moves' where file_size < 50`
  await check('an update that moves no count')
  await sql`update datasets set deleted_at = now() where file_size % 7 = 0`
  await check('soft delete')
  await sql`update datasets set deleted_at = null where file_size % 14 = 0`
  await check('restore')
  await sql`delete from datasets where deleted_at is not null and file_size % 2 = 1`
  await check('purge from the trash')
  await sql`delete from datasets where file_size > 190`
  await check('hard delete of live rows')

  await sql`insert into notifications (user_id, type, title, message) select (${sql.array(ids)}::uuid[])[1 + g % 4], 'dataset_ready', 't', 'm' from generate_series(0, 29) g`
  await check('notifications inserted unread')
  await sql`update notifications set read_at = now() where ctid in (select ctid from notifications limit 10)`
  await check('some read')
  await sql`update notifications set read_at = now()`
  await check('all read (read ones again too)')
  await sql`insert into notifications (user_id, type, title, message, read_at) values (${ids[0]}, 'dataset_error', 't', 'm', now()), (${ids[0]}, 'dataset_error', 't', 'm', null)`
  await sql`delete from notifications where user_id = ${ids[1]}`
  await check('read and unread inserts, deletes')

  // Concurrent writers on the same user: the row lock serialises them, nothing is lost.
  await Promise.all(Array.from({ length: 20 }, (_, i) => sql`insert into datasets (user_id, name, file_name, file_size, storage_path, status)
    values (${ids[2]}, ${'c' + i}, 'c.jsonl', 1, ${'c' + i}, ${STATUSES[i % 4]})`))
  await check('concurrent inserts')

  await sql`delete from users where id = ${ids[3]}`
  await check('a deleted user takes their datasets and counts along')
  const [gone] = await sql`select count(*)::int as n from user_counts where user_id = ${ids[3]}`
  t.equal(gone.n, 0, 'no counts row re-created by the cascade')
})

t.test('user_counts keeps users apart under the request role', async t => {
  const { sql, a, b } = await twoUserDatabase(t)
  await sql`insert into datasets (user_id, name, file_name, file_size, storage_path, status)
    values (${a.id}, 'a', 'a.jsonl', 1, 'a1', 'ready'), (${b.id}, 'b', 'b.jsonl', 1, 'b1', 'ready')`

  const as = asRequestRole(sql)

  const counts = await as(a.id, tx => tx`select user_id, ready from user_counts`)
  t.same(counts.map(r => [r.user_id, r.ready]), [[a.id, 1]], 'A reads only their own counts')
  await t.rejects(as(a.id, tx => tx`update user_counts set ready = 99`), /permission denied/, 'the request role cannot write counts')
  await t.rejects(as(a.id, tx => tx`insert into user_counts (user_id) values (${b.id})`), /permission denied/)
  t.same(await as(null, tx => tx`select * from user_counts`), [], 'no user set: nothing')
})
