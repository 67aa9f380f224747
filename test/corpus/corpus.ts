// Token counts against tiktoken on every file of ../shared/corpus/public (run by .ci/run and
// `npm run test:corpus` when the corpus is present; the corpus is never copied into the repo).
import t from 'tap'
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { join } from 'node:path'
import { get_encoding } from 'tiktoken'
import { validate } from '../../src/validation/index.js'

const CORPUS = process.env.CORPUS_DIR ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'corpus', 'public')
if (!existsSync(CORPUS)) throw new Error(`corpus not found at ${CORPUS}`)
const files = readdirSync(CORPUS).filter(f => /\.jsonl(\.gz)?$/.test(f))

for (const name of ['o200k_base', 'cl100k_base'] as const) {
  const enc = get_encoding(name)
  for (const file of files) {
    t.test(`${file} (${name})`, async t => {
      const path = join(CORPUS, file)
      const raw = readFileSync(path)
      const text = (file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8')
      let tokens = 0
      let assistant = 0
      for (const line of text.split('\n')) {
        if (!line.trim()) continue
        for (const { role, content } of JSON.parse(line).turns) {
          const n = enc.encode_ordinary(content).length
          tokens += n
          if (role === 'assistant') assistant += n
        }
      }
      const report = await validate(createReadStream(path), { tokenizer: name })
      t.equal(report.outcome, 'ready')
      t.equal(report.stats.tokens, tokens, 'tokens equal tiktoken')
      t.equal(report.stats.assistant_tokens, assistant, 'assistant tokens equal tiktoken')
      const threaded = await validate(createReadStream(path), { tokenizer: name, threads: 2 })
      t.same(threaded, report, 'worker threads: the same report')
    })
  }
}

// The original files of the corpus, in their own record formats.
await import('./formats.js')
