import t from 'tap'
import { apiUser, bucketKeys, buildTestApp, sampleDataset, uploadDataset, waitForFinal } from '../helper.js'

t.test('list: pagination, sorting, search, status filter, summary', async t => {
  const app = await buildTestApp(t, { UPLOADS_PER_MINUTE: '1000' })
  const user = await apiUser(app)
  const other = await apiUser(app)
  const names = ['alpha', '100% pure', 'under_score', 'back\\slash', 'Ünïcødé Ωmega', 'beta', 'gamma']
  const ids: string[] = []
  for (const [i, name] of names.entries()) {
    const response = await uploadDataset(app, user.headers, sampleDataset(1 + i, name), { name })
    ids.push(response.json().data.dataset.id)
  }
  await uploadDataset(app, other.headers, sampleDataset(1, 'other'), { name: 'alpha of another user' })
  for (const id of ids) await waitForFinal(app, user.headers, id)
  await app.sql`update datasets set status = 'error' where id = ${ids[6]}`
  const list = async (query: string, headers = user.headers) => (await app.inject({ url: `/api/datasets${query}`, headers }))

  const all = (await list('')).json().data
  t.same(all.datasets.map((d: { name: string }) => d.name), [...names].reverse(), 'newest first by default')
  t.same(all.pagination, { page: 1, limit: 20, total: 7, total_pages: 1 })
  t.same(all.summary, { total: 7, uploading: 0, validating: 0, ready: 6, error: 1 })
  t.notOk(all.datasets.some((d: { name: string }) => d.name.includes('another')), 'only the caller\'s datasets')

  const page2 = (await list('?limit=3&page=2')).json().data
  t.same(page2.pagination, { page: 2, limit: 3, total: 7, total_pages: 3 })
  t.equal(page2.datasets.length, 3)
  const last = (await list('?limit=3&page=3')).json().data
  t.equal(last.datasets.length, 1, 'the last page holds the rest')
  const beyond = (await list('?limit=3&page=9')).json().data
  t.same(beyond.datasets, [], 'beyond the last page: empty, not an error')
  t.equal(beyond.pagination.total, 7)
  t.equal((await list('?limit=100')).statusCode, 200, 'limit 100 is allowed')
  for (const bad of ['?limit=101', '?limit=0', '?page=0', '?page=-1', '?limit=abc', '?status=done', '?sort=owner', '?order=up', '?deleted=maybe']) {
    const response = await list(bad)
    t.equal(response.statusCode, 400, bad)
    t.equal(response.json().success, false)
  }

  const byName = (await list('?sort=name&order=asc')).json().data.datasets.map((d: { name: string }) => d.name)
  t.equal(byName[0], '100% pure', 'sorted by name')
  t.equal(byName.indexOf('alpha') < byName.indexOf('beta') && byName.indexOf('beta') < byName.indexOf('gamma'), true)
  const byNameDesc = (await list('?sort=name&order=desc')).json().data.datasets.map((d: { name: string }) => d.name)
  t.same(byNameDesc, [...byName].reverse(), 'and descending')
  const oldest = (await list('?sort=created_at&order=asc')).json().data.datasets.map((d: { name: string }) => d.name)
  t.same(oldest, names, 'oldest first')
  const bySize = (await list('?sort=file_size&order=desc')).json().data.datasets.map((d: { file_size: number }) => d.file_size)
  t.same(bySize, [...bySize].sort((a, b) => b - a), 'largest first')

  const search = async (text: string) => (await list(`?search=${encodeURIComponent(text)}`)).json().data.datasets.map((d: { name: string }) => d.name)
  t.same(await search('ALPHA'), ['alpha'], 'case-insensitive')
  t.same(await search('%'), ['100% pure'], '% is literal')
  t.same(await search('_'), ['under_score'], '_ is literal')
  t.same(await search('\\'), ['back\\slash'], '\\ is literal')
  t.same(await search('ünïcødé'), ['Ünïcødé Ωmega'], 'unicode, case-insensitive')
  t.same(await search('ωMEGA'), ['Ünïcødé Ωmega'])
  t.same(await search('zzz'), [])
  t.same((await list('?status=error')).json().data.datasets.map((d: { name: string }) => d.name), ['gamma'])
  const filtered = (await list('?status=ready&search=a&limit=2')).json().data
  t.equal(filtered.pagination.total, 4, 'filters combine; total counts the filtered set')
  t.same(filtered.datasets.map((d: { name: string }) => d.name), ['beta', 'Ünïcødé Ωmega'], 'newest first within the matches')
  const searchBeyond = (await list('?search=a&limit=2&page=9')).json().data
  t.same(searchBeyond.datasets, [], 'a search beyond its last page: empty')
  t.same(searchBeyond.pagination, { page: 9, limit: 2, total: 5, total_pages: 3 }, 'and still the total of matches')
  const searchByName = (await list('?search=a&sort=name&order=desc&limit=3&page=2')).json().data
  const searchAllByName = (await list('?search=a&sort=name&order=desc&limit=100')).json().data.datasets.map((d: { name: string }) => d.name)
  t.equal(searchAllByName.length, 5)
  t.same(searchByName.datasets.map((d: { name: string }) => d.name), searchAllByName.slice(3), 'a sorted search pages through the same order')
  t.same((await list('?search=alpha', other.headers)).json().data.datasets.map((d: { name: string }) => d.name), ['alpha of another user'], "another user's search sees only their own")
  t.same((await list('?status=validating')).json().data.pagination.total, 0, 'a status with nothing: total 0')

  // Totals kept by the counts follow deletes and restores; the trash filtered by status counts its rows.
  await app.inject({ method: 'DELETE', url: `/api/datasets/${ids[0]}`, headers: user.headers })
  await app.inject({ method: 'DELETE', url: `/api/datasets/${ids[6]}`, headers: user.headers })
  const afterDelete = (await list('')).json().data
  t.same(afterDelete.summary, { total: 5, uploading: 0, validating: 0, ready: 5, error: 0 }, 'the summary follows deletes')
  t.equal(afterDelete.pagination.total, 5)
  t.equal((await list('?deleted=true')).json().data.pagination.total, 2, 'the trash total')
  const trashErrors = (await list('?deleted=true&status=error')).json().data
  t.same([trashErrors.pagination.total, trashErrors.datasets.map((d: { name: string }) => d.name)], [1, ['gamma']], 'the trash filtered by status')
  t.same((await list('?deleted=true&status=error&page=3')).json().data.pagination.total, 1, 'and beyond its last page')
  t.same((await list('?deleted=true&search=ALPH')).json().data.datasets.map((d: { name: string }) => d.name), ['alpha'], 'search in the trash')
  await app.inject({ method: 'POST', url: `/api/datasets/${ids[0]}/restore`, headers: user.headers })
  t.same((await list('')).json().data.summary, { total: 6, uploading: 0, validating: 0, ready: 6, error: 0 }, 'and restores')
})

t.test('delete, restore, trash listing, purge', async t => {
  const app = await buildTestApp(t, { TRASH_RETENTION_DAYS: '30' })
  const user = await apiUser(app)
  const { dataset } = (await uploadDataset(app, user.headers, sampleDataset(3), { name: 'Trash me' })).json().data
  await waitForFinal(app, user.headers, dataset.id)
  const deleted = await app.inject({ method: 'DELETE', url: `/api/datasets/${dataset.id}`, headers: user.headers })
  t.equal(deleted.statusCode, 200)
  t.ok(deleted.json().data.dataset.deleted_at)
  t.equal((await app.inject({ method: 'DELETE', url: `/api/datasets/${dataset.id}`, headers: user.headers })).statusCode, 409, 'already deleted')
  t.same((await app.inject({ url: '/api/datasets', headers: user.headers })).json().data.datasets, [], 'left out of the list')
  const trash = (await app.inject({ url: '/api/datasets?deleted=true', headers: user.headers })).json().data
  t.same(trash.datasets.map((d: { id: string }) => d.id), [dataset.id], 'deleted=true lists only the deleted')
  t.equal(trash.summary.total, 0, 'the summary counts datasets not deleted')
  t.equal((await app.inject({ url: `/api/datasets/${dataset.id}`, headers: user.headers })).statusCode, 200, 'still readable by id')
  const restored = await app.inject({ method: 'POST', url: `/api/datasets/${dataset.id}/restore`, headers: user.headers })
  t.equal(restored.statusCode, 200)
  t.equal(restored.json().data.dataset.deleted_at, null)
  t.equal((await app.inject({ method: 'POST', url: `/api/datasets/${dataset.id}/restore`, headers: user.headers })).statusCode, 409, 'not in the trash')

  await app.inject({ method: 'DELETE', url: `/api/datasets/${dataset.id}`, headers: user.headers })
  const keep = (await uploadDataset(app, user.headers, sampleDataset(2, 'k'), { name: 'Recently deleted' })).json().data.dataset
  await waitForFinal(app, user.headers, keep.id)
  await app.inject({ method: 'DELETE', url: `/api/datasets/${keep.id}`, headers: user.headers })
  await app.sql`update datasets set deleted_at = now() - interval '31 days' where id = ${dataset.id}`
  t.ok((await bucketKeys(app)).includes(dataset.storage_path))
  await app.worker!.addJob('datasets__purge_trash', {})
  const deadline = Date.now() + 20_000
  while ((await app.sql`select count(*)::int as n from datasets where id = ${dataset.id}`)[0].n > 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
  t.equal((await app.sql`select count(*)::int as n from datasets where id = ${dataset.id}`)[0].n, 0, 'the row is purged')
  t.notOk((await bucketKeys(app)).includes(dataset.storage_path), 'and its object')
  t.ok((await bucketKeys(app)).includes(keep.storage_path), 'a dataset deleted recently stays')
  t.equal((await app.sql`select count(*)::int as n from datasets where id = ${keep.id}`)[0].n, 1)
})

t.test('report, records, download', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  const lines = sampleDataset(45).split('\n')
  lines.splice(10, 0, '', 'not json')
  const content = lines.join('\n')
  const { dataset } = (await uploadDataset(app, user.headers, content, { name: 'Records' })).json().data
  await waitForFinal(app, user.headers, dataset.id)
  const report = await app.inject({ url: `/api/datasets/${dataset.id}/report`, headers: user.headers })
  t.equal(report.statusCode, 200)
  const data = report.json().data
  t.same(Object.keys(data), ['outcome', 'stats', 'counts', 'errors', 'warnings'], 'the CLI --json shape')
  t.same(data.counts, { blank_line: 1, invalid_json: 1 })

  const first = (await app.inject({ url: `/api/datasets/${dataset.id}/records`, headers: user.headers })).json().data
  t.equal(first.records.length, 20)
  const plain = { tool_calls: null, reasoning: null, weight: 1, tool_call_id: null }
  t.same(first.records[0], { line: 1, conversation_id: 'c-0', format: 'native', turns: [{ role: 'user', content: 'Question 0: what is 0 + 0?', ...plain }, { role: 'assistant', content: 'It is 0.', ...plain }] })
  t.equal(first.next_offset, 21, 'the blank line 11 is skipped; line 12 is shown raw')
  t.match(first.records[10], { line: 12, conversation_id: null, turns: null, raw: 'not json' })
  const second = (await app.inject({ url: `/api/datasets/${dataset.id}/records?offset=${first.next_offset}&limit=20`, headers: user.headers })).json().data
  t.equal(second.records[0].line, 22)
  const third = (await app.inject({ url: `/api/datasets/${dataset.id}/records?offset=${second.next_offset}`, headers: user.headers })).json().data
  t.equal(third.records.length, 6)
  t.equal(third.next_offset, null, 'the end of the file')
  const jump = (await app.inject({ url: `/api/datasets/${dataset.id}/records?offset=39&limit=2`, headers: user.headers })).json().data
  t.same(jump.records.map((r: { line: number }) => r.line), [40, 41], 'from any line')
  for (const bad of ['?offset=-1', '?limit=0', '?limit=101', '?offset=x']) {
    t.equal((await app.inject({ url: `/api/datasets/${dataset.id}/records${bad}`, headers: user.headers })).statusCode, 400, bad)
  }

  const download = await app.inject({ url: `/api/datasets/${dataset.id}/download`, headers: user.headers })
  t.equal(download.statusCode, 200)
  t.equal(download.body, content, 'the original bytes')
  t.match(download.headers['content-disposition'], /attachment; filename="data.jsonl"/)
})

t.test("another user's dataset is not found on any route", async t => {
  const app = await buildTestApp(t)
  const owner = await apiUser(app)
  const stranger = await apiUser(app)
  const { dataset } = (await uploadDataset(app, owner.headers, sampleDataset(2), { name: 'Private' })).json().data
  await waitForFinal(app, owner.headers, dataset.id)
  const routes: Array<[string, string]> = [
    ['GET', `/api/datasets/${dataset.id}`], ['GET', `/api/datasets/${dataset.id}/report`], ['GET', `/api/datasets/${dataset.id}/records`],
    ['GET', `/api/datasets/${dataset.id}/download`], ['DELETE', `/api/datasets/${dataset.id}`], ['POST', `/api/datasets/${dataset.id}/restore`],
    ['POST', `/api/datasets/${dataset.id}/confirm`]
  ]
  for (const [method, url] of routes) {
    const response = await app.inject({ method: method as 'GET', url, headers: stranger.headers })
    t.equal(response.statusCode, 404, `${method} ${url}`)
    t.same(response.json(), { success: false, error: 'Dataset not found.' })
  }
  t.equal((await app.inject({ url: `/api/datasets/${dataset.id}`, headers: owner.headers })).json().data.dataset.deleted_at, null, 'untouched')
  t.equal((await app.inject({ url: '/api/datasets/00000000-0000-0000-0000-000000000000', headers: owner.headers })).statusCode, 404)
})

t.test('deep pages (read from the other end of the index) equal the same slice of the whole list', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  // 4,321 datasets straight into the table (same second for some: the id breaks ties), some deleted.
  await app.sql`insert into datasets (user_id, name, name_search, file_name, file_size, storage_path, status, created_at)
    select ${user.id}::uuid, 'deep ' || g, 'deep ' || g, 'd.jsonl', (g * 7919) % 1000, 'deep/' || g,
      (array['ready','error','validating'])[1 + g % 3], '2026-01-01'::timestamptz + ((g / 3) || ' seconds')::interval
    from generate_series(1, 4321) g`
  await app.sql`update datasets set deleted_at = now() where name like 'deep %0'`
  const list = async (query: string) => (await app.inject({ url: `/api/datasets?${query}`, headers: user.headers })).json().data
  for (const [sort, order, status] of [['created_at', 'desc', ''], ['created_at', 'asc', ''], ['name', 'asc', ''], ['file_size', 'desc', 'ready']]) {
    const base = `sort=${sort}&order=${order}${status ? `&status=${status}` : ''}`
    const all: string[] = []
    for (let page = 1; ; page++) {
      const { datasets } = await list(`${base}&limit=100&page=${page}`)
      if (datasets.length === 0) break
      all.push(...datasets.map((d: { name: string }) => d.name))
    }
    const expected = (await app.sql.unsafe(`select name from datasets where user_id = $1 and deleted_at is null ${status ? `and status = '${status}'` : ''}
      order by ${sort} ${order}, id ${order}`, [user.id])).map(r => r.name)
    t.same(all, expected, `${base}: every page in order, none twice, none missing`)
    const total = expected.length
    const last = Math.ceil(total / 37)
    const tail = await list(`${base}&limit=37&page=${last}`)
    t.same(tail.datasets.map((d: { name: string }) => d.name), expected.slice((last - 1) * 37), `${base}: the partial last page`)
    t.equal(tail.pagination.total, total)
    const middle = Math.floor(total / 37 / 2) + 1
    t.same((await list(`${base}&limit=37&page=${middle}`)).datasets.map((d: { name: string }) => d.name), expected.slice((middle - 1) * 37, middle * 37), `${base}: around the middle`)
    t.same((await list(`${base}&limit=37&page=${last + 1}`)).datasets, [], `${base}: beyond the last page`)
  }
})
