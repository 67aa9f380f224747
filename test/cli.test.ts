import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { createReadStream } from 'node:fs'
import { validate } from '../src/validation/index.js'

const dir = mkdtempSync(join(tmpdir(), 'datasets-cli-'))
const FIXTURE = new URL('./fixtures/multilingual.jsonl', import.meta.url).pathname

function cli (...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { encoding: 'utf8', timeout: 60_000 })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

t.test('--json prints exactly one JSON object: the engine\'s report', async t => {
  const run = cli('validate', FIXTURE, '--json')
  t.equal(run.code, 0, 'exit 0 when ready')
  const lines = run.stdout.trim().split('\n')
  t.equal(lines.length, 1, 'one line of JSON')
  const report = JSON.parse(lines[0])
  t.same(Object.keys(report), ['outcome', 'stats', 'counts', 'errors', 'warnings'])
  t.equal(report.outcome, 'ready')
  t.same(report, JSON.parse(JSON.stringify(await validate(createReadStream(FIXTURE)))), 'the same engine the server uses')
})

t.test('an invalid file: exit 1 and line-numbered issues', async t => {
  const file = join(dir, 'bad.jsonl')
  writeFileSync(file, '{"conversation_id":"a","turns":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}\nnot json\n\n{"conversation_id":"b","turns":[]}\n')
  const json = cli('validate', file, '--json')
  t.equal(json.code, 1)
  const report = JSON.parse(json.stdout)
  t.equal(report.outcome, 'error')
  t.same(report.errors.map((e: { line: number, code: string, path: string }) => [e.line, e.code, e.path]), [[2, 'invalid_json', ''], [4, 'invalid_turns', 'turns']])
  t.same(report.counts, { invalid_json: 1, blank_line: 1, invalid_turns: 1 })
  const human = cli('validate', file)
  t.equal(human.code, 1)
  t.match(human.stdout, /bad\.jsonl: ERROR \(2 errors, 1 warnings\)/)
  t.match(human.stdout, /line 2: invalid_json: The line is not valid JSON/)
  t.match(human.stdout, /line 4 turns: invalid_turns/)
})

t.test('options: tokenizer, context limit, gzip', async t => {
  const o200 = JSON.parse(cli('validate', FIXTURE, '--json').stdout)
  const cl100 = JSON.parse(cli('validate', FIXTURE, '--json', '--tokenizer', 'cl100k_base').stdout)
  t.not(cl100.stats.tokens, o200.stats.tokens, 'another tokenizer, another count')
  const limited = cli('validate', FIXTURE, '--json', '--context-limit', '20')
  t.equal(limited.code, 0, 'too_many_tokens is a warning')
  t.ok(JSON.parse(limited.stdout).counts.too_many_tokens > 0)
  const gz = join(dir, 'fixture.jsonl.gz')
  writeFileSync(gz, gzipSync(readFileSync(FIXTURE)))
  const zipped = JSON.parse(cli('validate', gz, '--json').stdout)
  t.same({ ...zipped.stats, bytes: 0 }, { ...o200.stats, bytes: 0 }, 'gzip gives the same statistics')
})

t.test('the human report names the format and counts tool calls', async t => {
  const run = cli('validate', new URL('./fixtures/formats/openai-tools.jsonl', import.meta.url).pathname)
  t.equal(run.code, 0)
  t.match(run.stdout, /format openai, 3 tool calls; 1 packed sequences, 0 conversations over the context limit/)
})

t.test('a UTF-16 file: its lines, and a note in words', async t => {
  const file = join(dir, 'utf16.jsonl')
  writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(readFileSync(FIXTURE, 'utf8'), 'utf16le')]))
  const human = cli('validate', file)
  t.equal(human.code, 1)
  t.match(human.stdout, /utf16\.jsonl: ERROR .*\n {2}note: The file is UTF-16 text \(little-endian\), not UTF-8.*save it as UTF-8/)
  const json = JSON.parse(cli('validate', file, '--json').stdout)
  t.match(json.notes, [{ code: 'utf16', message: /UTF-16/ }])
})


t.test('usage and I/O problems: exit 2', async t => {
  for (const args of [[], ['validate'], ['frobnicate', FIXTURE], ['validate', FIXTURE, '--tokenizer', 'gpt2'], ['validate', FIXTURE, '--tokenizer', 'constructor'], ['validate', FIXTURE, '--context-limit', 'ten'], ['validate', FIXTURE, 'extra']]) {
    const run = cli(...args)
    t.equal(run.code, 2, args.join(' ') || '(no arguments)')
    t.match(run.stderr, /Usage: validate FILE/)
    t.equal(run.stdout, '')
  }
  const missing = cli('validate', join(dir, 'missing.jsonl'), '--json')
  t.equal(missing.code, 2)
  t.match(missing.stderr, /Cannot read .*missing\.jsonl: ENOENT/)
  const directory = cli('validate', dir)
  t.equal(directory.code, 2)
  t.equal(cli('--help').code, 0)
})

t.test('--models --json: GET /api/models\' object with each tokenizer.json\'s absolute path; --tokenizer takes a model id', async t => {
  const run = cli('validate', '--models', '--json')
  t.equal(run.code, 0)
  const { models } = JSON.parse(run.stdout)
  const { modelList } = await import('../src/validation/index.js')
  const api = await modelList()
  t.same(models.map((m: { tokenizer: { path?: string } }) => ({ ...m, tokenizer: { ...m.tokenizer, path: undefined } })), api.map(m => ({ ...m, tokenizer: { ...m.tokenizer, path: undefined } })), 'the API\'s list, plus the path')
  for (const model of models) {
    t.ok(model.tokenizer.path.startsWith('/'), `${model.id}: an absolute path`)
    if (model.kind === 'model') {
      const { createHash } = await import('node:crypto')
      t.equal(createHash('sha256').update(readFileSync(model.tokenizer.path)).digest('hex'), model.tokenizer.sha256, `${model.id}: the file is the one listed`)
    }
  }
  const text = join(dir, 'text.jsonl')
  writeFileSync(text, '{"text": "hello hello hello"}\n')
  const counted = cli('validate', text, '--tokenizer', 'llama-3.2', '--json')
  t.equal(counted.code, 0)
  t.equal(JSON.parse(counted.stdout).stats.tokens, 3)
  const unknown = cli('validate', text, '--tokenizer', 'llama-9')
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /Unknown tokenizer "llama-9": use o200k_base, cl100k_base, llama-3\.2, qwen3, gemma-3/)
})

t.test('a JSON array and a Parquet file from disk: read by their kind, the summary names it', async t => {
  const array = join(dir, 'train.json')
  writeFileSync(array, JSON.stringify([{ messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }] }, { messages: [] }], null, 2))
  const run = cli('validate', array, '--json')
  t.equal(run.code, 1)
  const report = JSON.parse(run.stdout)
  t.same(report.errors.map((e: { line: number, code: string }) => [e.line, e.code]), [[14, 'invalid_turns']], 'the second element, on its first line')
  t.same(Object.keys(report), ['outcome', 'stats', 'counts', 'errors', 'warnings'], 'the report keeps its shape')
  t.match(cli('validate', array).stdout, /JSON array: [\d,]+ bytes, 17 lines/)

  const { makeFiles } = await import('./fixtures/parquet/data.js')
  makeFiles(dir)
  const text = cli('validate', join(dir, 'codec-GZIP.parquet'))
  t.equal(text.code, 1)
  t.match(text.stdout, /Parquet: [\d,]+ bytes, 25 rows/)
  t.match(text.stdout, /line 3 messages: invalid_turns/)
  const cut = join(dir, 'cut.parquet')
  writeFileSync(cut, readFileSync(join(dir, 'codec-GZIP.parquet')).subarray(0, 200))
  t.match(cli('validate', cut, '--json').stdout, /"code":"invalid_parquet"/, 'a truncated file is invalid_parquet, not an I/O failure')
})
