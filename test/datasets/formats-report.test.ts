// The CLI, the API report and the worker give the same report for the same file, in every format.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { createReadStream, readFileSync } from 'node:fs'
import { validate } from '../../src/validation/index.js'
import { apiUser, buildTestApp, uploadDataset, waitForFinal } from '../helper.js'

const FILES = ['openai-tools.jsonl', 'sharegpt-tools.jsonl', 'alpaca.jsonl', 'text.jsonl']
const path = (name: string) => new URL(`../fixtures/formats/${name}`, import.meta.url).pathname
// A file with issues of the new codes too: an openai file with a mixed line and a weight 1.0.
const withIssues = readFileSync(path('openai-chat.jsonl'), 'utf8') +
  '{"conversations": [{"from": "human", "value": "x"}]}\n{"messages": [{"role": "user", "content": "q", "weight": 1.0}, {"role": "assistant", "content": "a"}]}\n'

t.test('CLI, API report and worker agree', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  const inputs = FILES.map(name => ({ name, content: readFileSync(path(name)) }))
  inputs.push({ name: 'with-issues.jsonl', content: Buffer.from(withIssues) })
  for (const { name, content } of inputs) {
    const { dataset } = (await uploadDataset(app, user.headers, content, { name }, name)).json().data
    const final = await waitForFinal(app, user.headers, dataset.id)
    const api = (await app.inject({ url: `/api/datasets/${dataset.id}/report`, headers: user.headers })).json().data
    const engine = JSON.parse(JSON.stringify(await validate((async function * () { yield content })())))
    t.same(api, engine, `${name}: the API report is the engine's`)
    t.same(final.stats, engine.stats, `${name}: the dataset's stats`)
    t.equal(final.stats.format, name === 'with-issues.jsonl' ? 'openai' : engine.stats.format)
    if (name === 'with-issues.jsonl') {
      t.equal(final.status, 'error')
      t.equal(final.error_message, '2 errors: mixed_formats ×1 (first on line 5), invalid_weight ×1 (first on line 6)')
    }
  }
  for (const name of FILES) {
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'validate', path(name), '--json'], { encoding: 'utf8', timeout: 120_000 })
    t.equal(cli.status, 0, `${name}: the CLI says ready`)
    t.same(JSON.parse(cli.stdout), JSON.parse(JSON.stringify(await validate(createReadStream(path(name))))), `${name}: the CLI prints the engine's report`)
  }
})
