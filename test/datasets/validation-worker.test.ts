import t from 'tap'
import { Readable } from 'node:stream'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { buildApp } from '../../src/app.js'
import { validate } from '../../src/validation/index.js'
import { apiUser, buildTestApp, createTestConfig, sampleDataset, uploadDataset, waitForFinal } from '../helper.js'

async function waitUntil (check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

t.test('a valid upload ends ready: stats, report, one notification', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  const content = sampleDataset(50)
  const { dataset } = (await uploadDataset(app, user.headers, content, { name: 'Good' })).json().data
  const final = await waitForFinal(app, user.headers, dataset.id)
  const expected = await validate(Readable.from([Buffer.from(content)]))
  t.equal(final.status, 'ready')
  t.equal(final.training_ready, true)
  t.same(final.stats, expected.stats, 'the stats of the engine')
  t.same(final.issue_counts, {})
  t.equal(final.error_message, null)
  t.ok(final.validated_at)
  const report = await app.inject({ url: `/api/notifications`, headers: user.headers })
  const notes = report.json().data.notifications
  t.equal(notes.length, 1)
  t.match(notes[0], { type: 'dataset_ready', dataset_id: dataset.id, read_at: null, title: /"Good" is ready/, message: /50 conversations, 50 training pairs/ })

  // Idempotent: the same job again leaves the same row and no second notification.
  const [before] = await app.sql`select * from datasets where id = ${dataset.id}`
  await app.worker!.addJob('dataset__validate', { datasetId: dataset.id })
  await new Promise(resolve => setTimeout(resolve, 1500))
  const [after] = await app.sql`select * from datasets where id = ${dataset.id}`
  t.same(after, before, 'same row after a second run')
  t.equal((await app.sql`select count(*)::int as n from notifications`)[0].n, 1, 'one notification')
  const jobs = await app.sql`select count(*)::int as n from graphile_worker._private_jobs`
  t.equal(jobs[0].n, 0, 'no job left behind')
})

t.test('an invalid upload ends error with a summary and issue counts', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  const content = sampleDataset(3) + 'not json\n{"conversation_id": "x"}\n\n'
  const { dataset } = (await uploadDataset(app, user.headers, content, { name: 'Bad' })).json().data
  const final = await waitForFinal(app, user.headers, dataset.id)
  t.equal(final.status, 'error')
  t.equal(final.training_ready, false)
  t.same(final.issue_counts, { invalid_json: 1, missing_turns: 1, blank_line: 1 })
  t.equal(final.error_message, '2 errors: invalid_json ×1 (first on line 4), missing_turns ×1 (first on line 5)')
  t.equal(final.stats.conversations, 3)
  const notes = (await app.inject({ url: '/api/notifications?unread=true', headers: user.headers })).json().data.notifications
  t.match(notes, [{ type: 'dataset_error', title: /"Bad" failed validation/, message: final.error_message }])
  const report = await app.sql`select report from datasets where id = ${dataset.id}`
  t.same(report[0].report.errors.map((e: { line: number }) => e.line), [4, 5], 'the report is kept')
})

t.test('deleted meanwhile: the task returns quietly; storage failure: retried, then error', async t => {
  const config = await createTestConfig(t)
  // A web-only process takes the uploads; no job runs until the worker process starts.
  const web = await buildApp({ ...config, role: 'web' })
  t.teardown(() => web.close())
  const user = await apiUser(web)
  const deleted = (await uploadDataset(web, user.headers, sampleDataset(5, 'd'), { name: 'Deleted' })).json().data.dataset
  const flaky = (await uploadDataset(web, user.headers, sampleDataset(5, 'f'), { name: 'Flaky' })).json().data.dataset
  const gone = (await uploadDataset(web, user.headers, sampleDataset(5, 'g'), { name: 'Gone for good' })).json().data.dataset
  await web.sql`update datasets set deleted_at = now() where id = ${deleted.id}`
  const flakyBytes = sampleDataset(5, 'f')
  await web.storage.remove(flaky.storage_path)
  await web.storage.remove(gone.storage_path)
  await web.sql`update graphile_worker._private_jobs set max_attempts = 1 where key = ${'dataset__validate:' + gone.id}`

  const worker = await buildApp({ ...config, role: 'worker' })
  t.teardown(() => worker.close())

  await waitUntil(async () => (await web.sql`select count(*)::int as n from graphile_worker._private_jobs where key = ${'dataset__validate:' + deleted.id}`)[0].n === 0)
  const [deletedRow] = await web.sql`select status from datasets where id = ${deleted.id}`
  t.equal(deletedRow.status, 'validating', 'a deleted dataset is left as it was')

  // attempts counts from when the job is taken; last_error is written once the attempt has failed.
  await waitUntil(async () => (await web.sql`select attempts from graphile_worker._private_jobs where key = ${'dataset__validate:' + flaky.id} and last_error is not null`)[0]?.attempts >= 1)
  const [flakyJob] = await web.sql`select attempts, last_error from graphile_worker._private_jobs where key = ${'dataset__validate:' + flaky.id}`
  t.match(flakyJob.last_error, /./, 'the storage failure was recorded for a retry')
  const [stillValidating] = await web.sql`select status from datasets where id = ${flaky.id}`
  t.equal(stillValidating.status, 'validating', 'not given up after one failure')
  // Storage is back: the retry succeeds.
  await web.storage.client.send(new PutObjectCommand({ Bucket: web.storage.bucket, Key: flaky.storage_path, Body: flakyBytes }))
  await web.sql`update graphile_worker._private_jobs set run_at = now() where key = ${'dataset__validate:' + flaky.id}`
  const flakyFinal = await waitForFinal(web, user.headers, flaky.id)
  t.equal(flakyFinal.status, 'ready', 'ready after the retry')

  const goneFinal = await waitForFinal(web, user.headers, gone.id)
  t.equal(goneFinal.status, 'error', 'after the last attempt: error, never stuck in validating')
  t.match(goneFinal.error_message, /^Validation could not run: the file could not be read from storage after 1 attempts/)
  const notes = await web.sql`select type from notifications where dataset_id = ${gone.id}`
  t.same(notes.map(n => n.type), ['dataset_error'])
})

t.test('notifications: read one, read all, and each user sees only their own', async t => {
  const app = await buildTestApp(t)
  const alice = await apiUser(app)
  const bob = await apiUser(app)
  for (const name of ['one', 'two']) {
    const { dataset } = (await uploadDataset(app, alice.headers, sampleDataset(2, name), { name })).json().data
    await waitForFinal(app, alice.headers, dataset.id)
  }
  const list = (await app.inject({ url: '/api/notifications', headers: alice.headers })).json().data.notifications
  t.equal(list.length, 2)
  t.same(Object.keys(list[0]).sort(), ['created_at', 'dataset_id', 'id', 'message', 'read_at', 'title', 'type'])
  const bobs = (await app.inject({ url: '/api/notifications', headers: bob.headers })).json().data.notifications
  t.same(bobs, [], 'Bob sees none of them')
  const steal = await app.inject({ method: 'POST', url: `/api/notifications/${list[0].id}/read`, headers: bob.headers })
  t.equal(steal.statusCode, 404, "another user's notification is not found")
  const read = await app.inject({ method: 'POST', url: `/api/notifications/${list[0].id}/read`, headers: alice.headers })
  t.equal(read.statusCode, 200)
  const unread = (await app.inject({ url: '/api/notifications?unread=true', headers: alice.headers })).json().data.notifications
  t.same(unread.map((n: { id: string }) => n.id), [list[1].id])
  t.equal((await app.inject({ url: '/api/notifications?unread=maybe', headers: alice.headers })).statusCode, 400)
  const all = await app.inject({ method: 'POST', url: '/api/notifications/read-all', headers: alice.headers })
  t.equal(all.json().data.marked, 1)
  t.same((await app.inject({ url: '/api/notifications?unread=true', headers: alice.headers })).json().data.notifications, [])
})
