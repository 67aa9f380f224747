import t from 'tap'
import { apiUser, bucketKeys, buildTestApp, sampleDataset, waitForFinal } from '../helper.js'

t.test('presigned flow: create, PUT, confirm, validate', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  const other = await apiUser(app)
  const content = Buffer.from(sampleDataset(20))
  const create = (body: Record<string, unknown>, headers = user.headers) => app.inject({ method: 'POST', url: '/api/datasets', headers, payload: body })

  const created = await create({ name: 'Direct', file_name: 'direct.jsonl', file_size: content.length, tokenizer: 'cl100k_base' })
  t.equal(created.statusCode, 201)
  const { dataset, uploadUrl, storagePath } = created.json().data
  t.equal(dataset.status, 'uploading')
  t.equal(dataset.tokenizer, 'cl100k_base')
  t.equal(storagePath, `${user.id}/${dataset.id}/direct.jsonl`)
  t.equal(dataset.storage_path, storagePath)
  const url = new URL(uploadUrl)
  t.match(url.searchParams.get('X-Amz-Expires'), '3600', 'valid for one hour')

  const early = await app.inject({ method: 'POST', url: `/api/datasets/${dataset.id}/confirm`, headers: user.headers })
  t.equal(early.statusCode, 409, 'object missing')
  t.match(early.json().error, /not been uploaded/)
  const stranger = await app.inject({ method: 'POST', url: `/api/datasets/${dataset.id}/confirm`, headers: other.headers })
  t.equal(stranger.statusCode, 404, "another user's dataset is not found")
  t.same(stranger.json(), { success: false, error: 'Dataset not found.' })

  const put = await fetch(uploadUrl, { method: 'PUT', body: content })
  t.equal(put.status, 200, 'the presigned PUT stores the file')
  const confirmed = await app.inject({ method: 'POST', url: `/api/datasets/${dataset.id}/confirm`, headers: user.headers })
  t.equal(confirmed.statusCode, 200)
  t.equal(confirmed.json().data.dataset.status, 'validating')
  const again = await app.inject({ method: 'POST', url: `/api/datasets/${dataset.id}/confirm`, headers: user.headers })
  t.equal(again.statusCode, 409, 'not uploading any more')
  const final = await waitForFinal(app, user.headers, dataset.id)
  t.equal(final.status, 'ready')
  t.equal(final.stats.conversations, 20)

  const wrongSize = (await create({ name: 'Wrong size', file_name: 'w.jsonl', file_size: content.length + 10 })).json().data
  const putWrong = await fetch(wrongSize.uploadUrl, { method: 'PUT', body: content })
  if (putWrong.status === 200) {
    const mismatch = await app.inject({ method: 'POST', url: `/api/datasets/${wrongSize.dataset.id}/confirm`, headers: user.headers })
    t.equal(mismatch.statusCode, 409, 'size differs from file_size')
    t.match(mismatch.json().error, /not the .* announced/)
  } else {
    t.pass('the storage server itself refused a body of the wrong length')
  }
  const jobs = await app.sql`select count(*)::int as n from graphile_worker._private_jobs where key = ${'dataset__validate:' + wrongSize.dataset.id}`
  t.equal(jobs[0].n, 0, 'no job for an unconfirmed upload')
})

t.test('presigned create: bad input', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  const create = (body: Record<string, unknown>) => app.inject({ method: 'POST', url: '/api/datasets', headers: user.headers, payload: body })
  t.equal((await create({ file_name: 'a.jsonl', file_size: 10 })).statusCode, 400, 'no name')
  t.equal((await create({ name: 'x', file_size: 10 })).statusCode, 400, 'no file_name')
  t.equal((await create({ name: 'x', file_name: 'a.jsonl' })).statusCode, 400, 'no file_size')
  t.equal((await create({ name: 'x', file_name: 'a.jsonl', file_size: -1 })).statusCode, 400)
  t.equal((await create({ name: 'x', file_name: 'a.jsonl', file_size: 1.5 })).statusCode, 400)
  t.equal((await create({ name: 'x', file_name: 'a.exe', file_size: 10 })).statusCode, 415)
  t.equal((await app.inject({ method: 'POST', url: '/api/datasets/not-a-uuid/confirm', headers: user.headers })).statusCode, 404)
  t.equal((await app.inject({ method: 'POST', url: '/api/datasets', payload: { name: 'x', file_name: 'a.jsonl', file_size: 1 } })).statusCode, 401)
})

t.test('the cron task expires uploads never confirmed within 24 hours', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  const create = async (name: string) => (await app.inject({ method: 'POST', url: '/api/datasets', headers: user.headers, payload: { name, file_name: 'a.jsonl', file_size: 5 } })).json().data
  const old = await create('old')
  const recent = await create('recent')
  await fetch(old.uploadUrl, { method: 'PUT', body: '{}\n\n\n\n' })
  await app.sql`update datasets set created_at = now() - interval '25 hours' where id = ${old.dataset.id}`
  t.ok((await bucketKeys(app)).includes(old.storagePath))
  await app.worker!.addJob('datasets__expire_uploads', {})
  const deadline = Date.now() + 20_000
  let row
  do {
    await new Promise(resolve => setTimeout(resolve, 100));
    [row] = await app.sql`select status, error_message from datasets where id = ${old.dataset.id}`
  } while (row.status === 'uploading' && Date.now() < deadline)
  t.equal(row.status, 'error')
  t.match(row.error_message, /upload never completed/)
  t.notOk((await bucketKeys(app)).includes(old.storagePath), 'its object was deleted')
  const [fresh] = await app.sql`select status from datasets where id = ${recent.dataset.id}`
  t.equal(fresh.status, 'uploading', 'a recent upload is left alone')
  const notes = await app.sql`select type from notifications where dataset_id = ${old.dataset.id}`
  t.same(notes.map(n => n.type), ['dataset_error'])
})
