// Files in each format, shaped like the public data people bring (the OpenAI cookbook's chat
// file, FastChat and LLaMA-Factory's ShareGPT and Alpaca files), validate ready, with token
// counts equal to tiktoken's on the text the contract names: content, reasoning_content, and
// each tool call's name and arguments text. The expected counts are worked out here from the
// raw JSON, independently of the engine's readers.
import t from 'tap'
import { createReadStream, readFileSync } from 'node:fs'
import { get_encoding } from 'tiktoken'
import { validate } from '../../../src/validation/index.js'
import { expectedCounts } from './expected.js'

const fixture = (name: string) => new URL(`../../fixtures/formats/${name}`, import.meta.url)
const records = (name: string): unknown[] => readFileSync(fixture(name), 'utf8').trim().split('\n').map(line => JSON.parse(line))

const FILES: Array<[string, string]> = [
  ['openai-chat.jsonl', 'openai'], ['openai-tools.jsonl', 'openai'], ['sharegpt-fastchat.jsonl', 'sharegpt'],
  ['sharegpt-tools.jsonl', 'sharegpt'], ['alpaca.jsonl', 'alpaca'], ['prompt-completion.jsonl', 'prompt_completion'], ['text.jsonl', 'text']
]

for (const name of ['o200k_base', 'cl100k_base'] as const) {
  t.test(`every format's fixture is ready, with tiktoken's counts (${name})`, async t => {
    const enc = get_encoding(name)
    const count = (text: string) => enc.encode_ordinary(text).length
    for (const [file, format] of FILES) {
      const report = await validate(createReadStream(fixture(file)), { tokenizer: name })
      const want = expectedCounts(records(file), count)
      t.equal(report.outcome, 'ready', file)
      t.same(report.counts, {}, `${file}: no issue`)
      t.equal(report.stats.format, format, `${file}: ${format}`)
      t.equal(report.stats.conversations, records(file).length)
      t.equal(report.stats.turns, want.turns, `${file}: turns`)
      t.equal(report.stats.tokens, want.tokens, `${file}: tokens equal tiktoken`)
      t.equal(report.stats.assistant_tokens, want.assistant, `${file}: assistant tokens (weight 1) equal tiktoken`)
      t.equal(report.stats.tool_calls, want.toolCalls, `${file}: tool calls`)
      const threaded = await validate(createReadStream(fixture(file)), { tokenizer: name, threads: 2 })
      t.same(threaded, report, `${file}: worker threads give the same report`)
    }
    enc.free()
  })
}

t.test('the fixtures\' statistics, by hand', async t => {
  const tools = await validate(createReadStream(fixture('openai-tools.jsonl')))
  t.same(tools.stats.role_counts, { system: 2, user: 5, assistant: 7, tool: 3 }, 'developer is system, function is tool')
  t.equal(tools.stats.tool_calls, 3, 'two parallel calls and one legacy function_call')
  t.equal(tools.stats.training_pairs, 6, 'the tool-calling turns count; the weight-0 answer does not (2 + 1 + 1 + 2)')
  const text = await validate(createReadStream(fixture('text.jsonl')))
  t.equal(text.stats.turns, 0)
  t.equal(text.stats.training_pairs, 0)
  t.equal(text.stats.assistant_tokens, text.stats.tokens, 'every token of text is trained')
  t.same(text.stats.role_counts, { system: 0, user: 0, assistant: 0, tool: 0 })
  const alpaca = await validate(createReadStream(fixture('alpaca.jsonl')))
  t.equal(alpaca.stats.training_pairs, 6, 'each history pair is a training pair')
})
