import t from 'tap'
import { migrateDatabase } from '../../src/db/migrate.js'
import { asRequestRole, createTestDatabase, twoUserDatabase } from '../helper.js'

// Raw SQL under the request role, as the app runs it: SET LOCAL ROLE + transaction-local app.user_id.
t.test('row-level security isolates users', async t => {
  const { sql, a, b } = await twoUserDatabase(t)
  const [dsA] = await sql`insert into datasets (user_id, name, file_name, file_size, storage_path)
    values (${a.id}, 'A data', 'a.jsonl', 10, ${a.id + '/1/a.jsonl'}) returning id`
  await sql`insert into notifications (user_id, type, title, message) values (${a.id}, 'dataset_ready', 't', 'm')`
  await sql`insert into api_tokens (user_id, name, token_hash) values (${a.id}, 'tok', 'hash-a')`

  const as = asRequestRole(sql)

  const seenByA = await as(a.id, tx => tx`select id from datasets`)
  t.equal(seenByA.length, 1, 'A sees their dataset')

  for (const table of ['datasets', 'notifications', 'api_tokens']) {
    const rows = await as(b.id, tx => tx`select * from ${sql(table)}`)
    t.equal(rows.length, 0, `B sees none of A's ${table}`)
  }
  const updated = await as(b.id, tx => tx`update datasets set name = 'stolen' where id = ${dsA.id}`)
  t.equal(updated.count, 0, "B's UPDATE of A's row touches 0 rows")
  const deleted = await as(b.id, tx => tx`delete from datasets where id = ${dsA.id}`)
  t.equal(deleted.count, 0, "B's DELETE of A's row touches 0 rows")
  const deletedNotes = await as(b.id, tx => tx`delete from notifications`)
  t.equal(deletedNotes.count, 0, "B's DELETE of A's notifications touches 0 rows")
  const [still] = await sql`select name from datasets where id = ${dsA.id}`
  t.equal(still.name, 'A data', "A's row is untouched")

  await t.rejects(as(b.id, tx => tx`insert into datasets (user_id, name, file_name, file_size, storage_path)
    values (${a.id}, 'planted', 'x.jsonl', 1, 'planted')`), /row-level security/, 'B cannot insert a row owned by A')
  await t.rejects(as(b.id, tx => tx`update datasets set user_id = ${a.id} where user_id = ${b.id}`).then(async () => {
    // B owns nothing yet, so also try moving one of B's own rows to A.
    await as(b.id, tx => tx`insert into datasets (user_id, name, file_name, file_size, storage_path) values (${b.id}, 'b', 'b.jsonl', 1, 'b-path')`)
    await as(b.id, tx => tx`update datasets set user_id = ${a.id} where user_id = ${b.id}`)
  }), /row-level security/, 'B cannot hand a row over to A')

  // The pooled connection after A's transaction: the setting reads as '' and nothing is visible.
  await as(a.id, tx => tx`select 1`)
  const [setting] = await sql`select current_setting('app.user_id', true) as v, current_user as role`
  t.equal(setting.v, '', 'the user id did not outlive the transaction')
  t.not(setting.role, 'datasets_app', 'the role did not outlive the transaction')
  const anonymous = await as(null, tx => tx`select id from datasets`)
  t.equal(anonymous.length, 0, 'a reused connection with no user set sees nothing')

  const owner = await sql`select id from datasets`
  t.equal(owner.length, 2, 'the owner role (worker) sees every row')
})

t.test('asUser: the app role and the user id for one transaction, then a clean connection', async t => {
  const { createDatabase, asUser } = await import('../../src/db/client.js')
  const { sql } = await import('drizzle-orm')
  const url = await createTestDatabase(t)
  await migrateDatabase(url)
  const { db, client } = createDatabase(url, { max: 1 })
  t.teardown(() => client.end())
  const [a] = await client`insert into users (email, password_hash) values ('a@example.com', 'x') returning id`
  const [b] = await client`insert into users (email, password_hash) values ('b@example.com', 'x') returning id`
  await client`insert into datasets (user_id, name, file_name, file_size, storage_path) values (${a.id}, 'A', 'a.jsonl', 1, 'a-path')`
  const inside = await asUser(db, b.id, tx => tx.execute(sql`select current_user as role, (select count(*)::int from datasets) as visible`))
  t.same([...inside], [{ role: 'datasets_app', visible: 0 }], "as B: the app role, none of A's rows")
  const asA = await asUser(db, a.id, tx => tx.execute(sql`select count(*)::int as visible from datasets`))
  t.same([...asA], [{ visible: 1 }])
  // Queries issued together as the transaction's first ones still run after the settings.
  const together = await asUser(db, a.id, tx => Promise.all([
    tx.execute(sql`select count(*)::int as visible from datasets`),
    tx.execute(sql`select current_setting('app.user_id', true) as id`)
  ]))
  t.same(together.map(rows => [...rows][0]), [{ visible: 1 }, { id: a.id }], 'pipelined first queries see the user')
  await t.rejects(asUser(db, a.id, async tx => {
    await tx.execute(sql`insert into datasets (user_id, name, file_name, file_size, storage_path) values (${a.id}, 'A2', 'a.jsonl', 1, 'a2-path')`)
    await tx.execute(sql`select 1/0`)
  }), /Failed query: select 1\/0/, 'an error inside comes out as itself')
  t.equal((await client`select count(*)::int as n from datasets where storage_path = 'a2-path'`)[0].n, 0, 'and rolls the transaction back')
  await t.rejects(asUser(db, "x', true), set_config('role', 'postgres", async () => 1), /needs a user id/, 'only a UUID goes into the SQL text')
  const [after] = await client`select current_user as role, current_setting('app.user_id', true) as id`
  t.not(after.role, 'datasets_app', 'the role ends with the transaction')
  t.equal(after.id, '', 'so does the user id')
})
