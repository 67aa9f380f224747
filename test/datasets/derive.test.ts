// POST /api/datasets/:id/derive and the dataset__derive task: drop reasons, exclusions, exact and
// reproducible splits by conversation, outputs validated, retries after a storage failure, isolation.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { createDeriveDatasetTask } from '../../src/tasks/dataset__derive.js'
import type { TaskDeps } from '../../src/tasks/index.js'
import { readFileSync } from 'node:fs'
import { detectFormat } from '../../src/validation/index.js'
import { NotWritable, readWritable, writerFor } from '../../src/validation/writers/index.js'
import { apiUser, bucketKeys, buildTestApp, uploadDataset, waitForFinal } from '../helper.js'

const chat = (id: string, question: string, answer: string) => JSON.stringify({ conversation_id: id, turns: [{ role: 'user', content: question }, { role: 'assistant', content: answer }] })

/** 30 good conversations, then a bad line, two copies (31: c-3, 32: c-7) and one over a limit of 50 tokens. */
function sourceFile (): string {
  const lines: string[] = []
  for (let i = 0; i < 30; i++) lines.push(chat(`c-${i}`, `Question ${i}: what is ${i} + ${i}?`, `It is ${2 * i}.`))
  lines.push('{"conversation_id": "broken", "turns": [')
  lines.push(chat('c-3-copy', 'Question 3: what is 3 + 3?', 'It is 6.'))
  lines.push(chat('c-7-copy', 'Question 7: what is 7 + 7?', 'It is 14.'))
  lines.push(chat('long', 'Tell me a long story.', ' once'.repeat(100)))
  return lines.join('\n') + '\n'
}

async function ids (app: FastifyInstance, headers: Record<string, string>, id: string): Promise<string[]> {
  const response = await app.inject({ url: `/api/datasets/${id}/download`, headers })
  return response.body.split('\n').filter(line => line !== '').map(line => JSON.parse(line).conversation_id)
}

async function derive (app: FastifyInstance, headers: Record<string, string>, id: string, body: object) {
  const response = await app.inject({ method: 'POST', url: `/api/datasets/${id}/derive`, headers, payload: body })
  if (response.statusCode !== 202) throw new Error(`derive answered ${response.statusCode}: ${response.body}`)
  const made = response.json().data.datasets as Array<{ id: string }>
  return await Promise.all(made.map(dataset => waitForFinal(app, headers, dataset.id, 120_000)))
}

t.test('derive: every drop reason, exclusions, an exact split, outputs validated and ready', async t => {
  const app = await buildTestApp(t)
  const owner = await apiUser(app)
  const other = await apiUser(app)
  const { dataset: source } = (await uploadDataset(app, owner.headers, sourceFile(), { name: 'support-chats', context_limit: '50' }, 'support-chats.jsonl')).json().data
  const final = await waitForFinal(app, owner.headers, source.id)
  t.equal(final.status, 'error', 'the source has an error')

  const response = await app.inject({ method: 'POST', url: `/api/datasets/${source.id}/derive`, headers: owner.headers, payload: { exclude_lines: [2, 5], validation: { size: 5 }, seed: 7 } })
  t.equal(response.statusCode, 202)
  const made = response.json().data.datasets
  t.same(made.map((d: { name: string }) => d.name), ['support-chats (train)', 'support-chats (validation)'])
  t.same(made.map((d: { status: string }) => d.status), ['validating', 'validating'])
  t.same(made.map((d: { parent_id: string }) => d.parent_id), [source.id, source.id])
  t.equal(made[0].recipe.split, 'train')
  t.same(made[0].recipe.drop, ['errors', 'duplicates', 'over_limit'], 'the default: all three')
  t.equal(made[0].file_name, 'support-chats-train.openai.jsonl')

  const [train, validation] = await Promise.all(made.map((d: { id: string }) => waitForFinal(app, owner.headers, d.id, 120_000)))
  t.equal(train.status, 'ready', train.error_message ?? 'train ready')
  t.equal(validation.status, 'ready', validation.error_message ?? 'validation ready')
  t.equal(train.stats.format, 'openai')
  t.same(train.recipe.counts, {
    records: 34, kept: 28, train: 23, validation: 5, validation_conversations: 5,
    dropped: { errors: 1, excluded: 2, over_limit: 1, duplicates: 2, not_convertible: 0 }
  })
  t.same(validation.recipe.counts, train.recipe.counts, 'both outputs tell the whole derive')
  t.equal(validation.stats.conversations, 5, 'exactly the size asked')
  t.equal(train.stats.conversations, 23)
  const trainIds = await ids(app, owner.headers, train.id)
  const validationIds = await ids(app, owner.headers, validation.id)
  const expected = Array.from({ length: 30 }, (_, i) => `c-${i}`).filter(id => id !== 'c-1' && id !== 'c-4')
  t.same([...trainIds, ...validationIds].sort(), [...expected].sort(), 'every kept conversation once, on one side')
  t.same(trainIds, expected.filter(id => trainIds.includes(id)), 'file order kept')

  const again = await derive(app, owner.headers, source.id, { exclude_lines: [2, 5], validation: { size: 5 }, seed: 7 })
  t.same(await ids(app, owner.headers, again[1].id), validationIds, 'the same seed, the same split')
  const otherSeed = await derive(app, owner.headers, source.id, { exclude_lines: [2, 5], validation: { size: 5 }, seed: 8 })
  t.not((await ids(app, owner.headers, otherSeed[1].id)).join(), validationIds.join(), 'another seed, another split')
  t.equal((await ids(app, owner.headers, otherSeed[1].id)).length, 5)

  // Isolation: another user's dataset does not exist for them.
  for (const [method, url] of [['POST', `/api/datasets/${source.id}/derive`], ['GET', `/api/datasets/${source.id}/export`], ['GET', `/api/datasets/${train.id}/manifest`]] as const) {
    const foreign = await app.inject({ method, url, headers: other.headers, ...(method === 'POST' ? { payload: {} } : {}) })
    t.equal(foreign.statusCode, 404, `${method} ${url} for another user`)
  }

  // The manifest of a derived dataset names its parent and recipe.
  const manifest = (await app.inject({ url: `/api/datasets/${train.id}/manifest`, headers: owner.headers })).json().data
  t.equal(manifest.parent_id, source.id)
  t.equal(manifest.recipe.counts.train, 23)

  // Deleting the parent, even for good, never deletes its children.
  await app.inject({ method: 'DELETE', url: `/api/datasets/${source.id}`, headers: owner.headers })
  await app.datasets.purgeTrash(new Date(Date.now() + 60_000))
  t.equal((await app.inject({ url: `/api/datasets/${source.id}`, headers: owner.headers })).statusCode, 404, 'the parent is purged')
  const child = (await app.inject({ url: `/api/datasets/${train.id}`, headers: owner.headers })).json().data.dataset
  t.equal(child.status, 'ready')
  t.equal(child.parent_id, source.id, 'the child still names its parent')
})

t.test('derive: duplicates kept are never split; fractions; refusals', async t => {
  const app = await buildTestApp(t)
  const owner = await apiUser(app)
  const { dataset: source } = (await uploadDataset(app, owner.headers, sourceFile(), { name: 'chats', context_limit: '50' }, 'chats.jsonl')).json().data
  await waitForFinal(app, owner.headers, source.id)
  for (const seed of [1, 2, 3]) {
    const [train, validation] = await derive(app, owner.headers, source.id, { drop: ['errors'], validation: { fraction: 0.5 }, seed, format: 'sharegpt' })
    t.equal(train.status, 'ready')
    t.equal(train.stats.format, 'sharegpt')
    t.equal(train.recipe.counts.validation_conversations, 16, '31 conversations (copies count once), half rounded')
    t.same(train.recipe.counts.dropped, { errors: 1, excluded: 0, over_limit: 0, duplicates: 0, not_convertible: 0 })
    const v = await ids(app, owner.headers, validation.id)
    const tr = await ids(app, owner.headers, train.id)
    t.equal(v.length + tr.length, 33)
    for (const [first, copy] of [['c-3', 'c-3-copy'], ['c-7', 'c-7-copy']]) {
      t.equal(v.includes(first), v.includes(copy), `seed ${seed}: ${first} and its copy on one side`)
    }
    t.equal(new Set(v.map(id => id.replace('-copy', ''))).size, 16, 'exactly 16 conversations in validation')
  }

  const tooBig = await derive(app, owner.headers, source.id, { validation: { size: 30 } })
  t.same(tooBig.map(d => d.status), ['error', 'error'])
  t.match(tooBig[0].error_message, /A validation set of 30 conversations cannot be split from the 30 kept: both sides need at least one/)

  // Records the target format cannot hold are dropped as not_convertible, the others converted.
  const tools = readFileSync(new URL('../fixtures/formats/openai-tools.jsonl', import.meta.url), 'utf8')
  const toolLines = tools.split('\n').filter(line => line.trim() !== '')
  const refused = toolLines.filter((line, i) => {
    try {
      writerFor('native').write(readWritable(i + 1, Buffer.from(line), detectFormat(JSON.parse(toolLines[0])))!)
      return false
    } catch (error) {
      return error instanceof NotWritable
    }
  }).length
  t.ok(refused > 0 && refused < toolLines.length, `some records of the fixture fit native, some do not (${refused} of ${toolLines.length})`)
  const { dataset: toolSource } = (await uploadDataset(app, owner.headers, tools, { name: 'tools' }, 'tools.jsonl')).json().data
  await waitForFinal(app, owner.headers, toolSource.id)
  const [asNative] = await derive(app, owner.headers, toolSource.id, { format: 'native' })
  t.equal(asNative.status, 'ready', asNative.error_message ?? 'ready')
  t.equal(asNative.recipe.counts.dropped.not_convertible, refused)
  t.equal(asNative.stats.conversations, toolLines.length - refused)

  const notFit = await derive(app, owner.headers, source.id, { format: 'alpaca' })
  t.equal(notFit[0].status, 'ready', 'every conversation fits alpaca')
  t.equal(notFit.length, 1, 'no split asked: one output')

  const refusals: Array<[object, number, RegExp]> = [
    [{ format: 'csv' }, 400, /format must be one of/],
    [{ validation: { size: 2, fraction: 0.1 } }, 400, /validation must be \{size: n\} or \{fraction: f\}/],
    [{ validation: { fraction: 1.5 } }, 400, /validation must be \{size: n\} with n ≥ 1, or \{fraction: f\} with 0 < f < 1/],
    [{ drop: ['typos'] }, 400, /drop may list errors, duplicates, over_limit/],
    [{ format: 'text' }, 409, /has no chat template/]
  ]
  for (const [body, status, message] of refusals) {
    const response = await app.inject({ method: 'POST', url: `/api/datasets/${source.id}/derive`, headers: owner.headers, payload: body })
    t.equal(response.statusCode, status, JSON.stringify(body))
    t.match(response.json().error, message)
  }
  const presigned = await app.inject({ method: 'POST', url: '/api/datasets', headers: owner.headers, payload: { name: 'later', file_name: 'later.jsonl', file_size: 10 } })
  const uploading = presigned.json().data.dataset
  const early = await app.inject({ method: 'POST', url: `/api/datasets/${uploading.id}/derive`, headers: owner.headers, payload: {} })
  t.equal(early.statusCode, 409, 'not validated yet')
})

t.test('derive: a storage failure mid-derive leaves nothing half-written, and the retry finishes', async t => {
  const app = await buildTestApp(t, { ROLE: 'web' }) // no worker here: the task is run by hand
  const owner = await apiUser(app)
  const { dataset: source } = (await uploadDataset(app, owner.headers, sourceFile(), { name: 'chats', context_limit: '50' }, 'chats.jsonl')).json().data
  // Validated by hand too, the worker being off.
  const { createValidateDatasetTask } = await import('../../src/tasks/dataset__validate.js')
  const helpers = { job: { attempts: 1, max_attempts: 5 }, logger: { error: () => {}, warn: () => {} } } as never
  const deps = { db: app.db, storage: app.storage, trashRetentionDays: 30 } as unknown as TaskDeps
  await createValidateDatasetTask(deps)({ datasetId: source.id }, helpers)

  const response = await app.inject({ method: 'POST', url: `/api/datasets/${source.id}/derive`, headers: owner.headers, payload: { validation: { size: 3 } } })
  const [train, validation] = response.json().data.datasets
  let failures = 1
  const failing = {
    ...app.storage,
    async upload (key: string, body: NodeJS.ReadableStream, limits: never, contentType?: string) {
      if (key === validation.storage_path && failures-- > 0) {
        await new Promise(resolve => body.once('readable', resolve))
        throw new Error('the storage server went away (test)')
      }
      return await app.storage.upload(key, body as never, limits, contentType)
    }
  }
  await t.rejects(async () => { await createDeriveDatasetTask({ ...deps, storage: failing } as unknown as TaskDeps)({ datasetId: train.id }, helpers) }, /went away/)
  const keys = await bucketKeys(app)
  t.notOk(keys.includes(train.storage_path), 'no train object left behind')
  t.notOk(keys.includes(validation.storage_path), 'no validation object')
  for (const id of [train.id, validation.id]) {
    const row = (await app.inject({ url: `/api/datasets/${id}`, headers: owner.headers })).json().data.dataset
    t.equal(row.status, 'validating', 'still waiting for its files')
    t.equal(row.recipe.counts, null, 'not done')
    t.equal(row.file_size, 0)
  }
  const jobs = await app.db.$client`select count(*)::int as n from graphile_worker._private_jobs where key in (${`dataset__validate:${train.id}`}, ${`dataset__validate:${validation.id}`})`
  t.equal(jobs[0].n, 0, 'nothing handed to validation')

  const task = createDeriveDatasetTask(deps)
  await task({ datasetId: train.id }, helpers)
  const done = (await app.inject({ url: `/api/datasets/${train.id}`, headers: owner.headers })).json().data.dataset
  t.equal(done.recipe.counts.kept, 30)
  t.ok(done.file_size > 0)
  const queued = await app.db.$client`select count(*)::int as n from graphile_worker._private_jobs where key in (${`dataset__validate:${train.id}`}, ${`dataset__validate:${validation.id}`})`
  t.equal(queued[0].n, 2, 'both outputs handed to validation once both files are complete')
  await task({ datasetId: train.id }, helpers)
  const twice = (await app.inject({ url: `/api/datasets/${train.id}`, headers: owner.headers })).json().data.dataset
  t.same(twice.recipe, done.recipe, 'running it again changes nothing')
  t.equal(twice.updated_at, done.updated_at)
})
