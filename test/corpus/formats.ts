// The verbatim public files of ../shared/corpus/public/original (run with corpus.ts when the
// corpus is present; never copied into the repository): each record, in JSON Lines form, read
// by the format it is in, with token counts equal to tiktoken's.
import t from 'tap'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { get_encoding } from 'tiktoken'
import { validate } from '../../src/validation/index.js'
import { expectedCounts } from '../validation/formats/expected.js'

const ORIGINAL = join(process.env.CORPUS_DIR ?? join(import.meta.dirname, '..', '..', '..', 'shared', 'corpus', 'public'), 'original')
// self-instruct's seed tasks have an instruction and no output: every record is missing_content.
const NOT_TRAINING_DATA = /self-instruct/

if (existsSync(ORIGINAL)) {
  for (const file of readdirSync(ORIGINAL).filter(name => /\.jsonl?$/.test(name))) {
    t.test(`original ${file}`, async t => {
      const text = readFileSync(join(ORIGINAL, file), 'utf8')
      // JSON-array files (LLaMA-Factory, FastChat) as JSON Lines: one record a line, nothing else changed.
      const records: unknown[] = file.endsWith('.json') ? JSON.parse(text) : text.split('\n').filter(line => line.trim()).map(line => JSON.parse(line))
      const jsonl = Buffer.from(records.map(record => JSON.stringify(record)).join('\n') + '\n')
      for (const name of ['o200k_base', 'cl100k_base'] as const) {
        const report = await validate(Readable.from([jsonl]), { tokenizer: name, contextLimit: 1_000_000 })
        if (NOT_TRAINING_DATA.test(file)) {
          t.same(report.counts, { missing_content: records.length }, `${name}: every record lacks its output`)
          continue
        }
        const enc = get_encoding(name)
        const want = expectedCounts(records, text => enc.encode_ordinary(text).length)
        enc.free()
        t.equal(report.outcome, 'ready', `${name}: ready (${report.stats.format})`)
        t.equal(report.stats.conversations, records.length)
        t.equal(report.stats.tokens, want.tokens, `${name}: tokens equal tiktoken`)
        t.equal(report.stats.assistant_tokens, want.assistant, `${name}: assistant tokens equal tiktoken`)
        t.equal(report.stats.tool_calls, want.toolCalls, `${name}: tool calls`)
      }
    })
  }
}
