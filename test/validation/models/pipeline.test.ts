// The models in the validation pipeline (dataset-format.md v2, "Tokens", "Statistics"): the
// report of validate() with a model equals the reference (Hugging Face `tokenizers` counting
// the text the template renders) on fixtures of every format, tool calls included, in one
// thread and in worker threads; trained tokens by the prefix method; template_error on the
// line with the template's message; special-token strings in content; packing at the limit.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { Readable } from 'node:stream'
import { createAnalysisPool, detectFormat, FORMATS, validate } from '../../../src/validation/index.js'
import { RecordScope } from '../../../src/validation/formats/scope.js'
import type { Conversation } from '../../../src/validation/turns/turn.js'
import { fullReferenceTokenizer, MODEL_IDS, referenceCount, referenceTokenizer, testModel } from './support.js'

t.setTimeout(900_000)

const FIXTURES = ['openai-chat', 'openai-tools', 'sharegpt-fastchat', 'sharegpt-tools', 'alpaca', 'prompt-completion', 'text']
const fixture = (name: string) => readFileSync(new URL(`../../fixtures/formats/${name}.jsonl`, import.meta.url), 'utf8')
const source = (text: string) => Readable.from([Buffer.from(text)])

/** Each line read into the turn model by the format its keys name (the fixtures have no errors but the template's). */
function conversations (text: string): Conversation[] {
  return text.split('\n').filter(line => line.trim() !== '').map(line => {
    const record = JSON.parse(line)
    const scope = new RecordScope([], line)
    FORMATS[detectFormat(record)].read(record, scope)
    return scope.conversation()
  })
}

type Model = Awaited<ReturnType<typeof testModel>>

/**
 * The reference's counts of one conversation: the rendered text tokenized by `tokenizers`, and
 * each trained turn from the end of its prefix (rendered with add_generation_prompt) through the
 * first special token after it. Null when the template raises. Only for conversations whose
 * full text starts with each prefix (the templates here, but Qwen 3 with earlier reasoning).
 */
async function reference (model: Model, id: string, conversation: Conversation): Promise<{ tokens: number, assistantTokens: number } | null> {
  if (conversation.text !== null) {
    const tokens = await referenceCount(referenceTokenizer(id), conversation.text)
    return { tokens, assistantTokens: tokens }
  }
  const full = fullReferenceTokenizer(id)
  let text: string
  try {
    text = model.renderText(conversation, false)
  } catch {
    return null
  }
  const tokens = await referenceCount(full, text)
  const specials = model.manifest.spec.specialTokens
  let assistantTokens = 0
  for (let i = 0; i < conversation.turns.length; i++) {
    const turn = conversation.turns[i]
    if (turn.role !== 'assistant' || turn.weight !== 1) continue
    const prefix = model.renderText(conversation, true, i)
    if (!text.startsWith(prefix)) throw new Error(`${id}: the full text does not start with the prefix of turn ${i}`)
    let end = text.length
    for (const special of specials) {
      const at = text.indexOf(special, prefix.length)
      if (at !== -1 && at + special.length < end) end = at + special.length
    }
    assistantTokens += await referenceCount(full, text.slice(0, end)) - await referenceCount(full, prefix)
  }
  return { tokens, assistantTokens }
}

for (const id of MODEL_IDS) {
  t.test(`${id}: validate() counts every format as the reference does, in one thread and in worker threads`, async t => {
    const model = await testModel(id)
    const pool = createAnalysisPool(2)
    t.teardown(() => pool.close())
    for (const name of FIXTURES) {
      const text = fixture(name)
      let tokens = 0
      let assistantTokens = 0
      let refused = 0
      for (const conversation of conversations(text)) {
        const expected = await reference(model, id, conversation)
        if (expected === null) {
          refused++
          continue
        }
        tokens += expected.tokens
        assistantTokens += expected.assistantTokens
      }
      const report = await validate(source(text), { tokenizer: id })
      t.equal(report.stats.tokens, tokens, `${name}: tokens`)
      t.equal(report.stats.assistant_tokens, assistantTokens, `${name}: trained tokens`)
      t.equal(report.counts.template_error ?? 0, refused, `${name}: template_error where the template raises`)
      const threaded = await validate(source(text), { tokenizer: id, pool })
      t.same(threaded, report, `${name}: the same report from worker threads`)
    }
  })
}

t.test('template_error: on the line, with the template\'s own message; the record counts nothing', async t => {
  await testModel('gemma-3')
  const lines = [
    { messages: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello' }] },
    { messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }, { role: 'assistant', content: 'c' }] }
  ].map(line => JSON.stringify(line)).join('\n')
  const report = await validate(source(lines), { tokenizer: 'gemma-3' })
  t.equal(report.outcome, 'error')
  t.equal(report.counts.template_error, 1)
  t.match(report.errors, [{ line: 2, code: 'template_error', severity: 'error', path: 'messages', message: 'Conversation roles must alternate user/assistant/user/assistant/...' }])
  t.equal(report.stats.conversations, 1, 'the refused record is left out of the statistics')
  const alone = await validate(source(lines.split('\n')[0]), { tokenizer: 'gemma-3' })
  t.equal(report.stats.tokens, alone.stats.tokens)
})

t.test('special-token strings in content: a warning naming the string, counted as plain text', async t => {
  for (const [id, special] of [['llama-3.2', '<|eot_id|>'], ['qwen3', '<|im_end|>'], ['gemma-3', '<end_of_turn>']] as const) {
    const model = await testModel(id)
    const content = `Stop at ${special} here`
    const line = JSON.stringify({ messages: [{ role: 'user', content }, { role: 'assistant', content: 'OK' }] })
    const report = await validate(source(line), { tokenizer: id })
    t.match(report.warnings, [{ code: 'special_token_in_content', path: 'messages[0].content', message: new RegExp(special.replace(/[|]/g, '\\|')) }], id)
    t.equal(report.outcome, 'ready')
    // The same conversation with the string spelt otherwise: the difference is the plain count of the two strings.
    const plain = model.countConversation({ turns: [{ role: 'user', content: 'Stop at X here', tool_calls: null, reasoning: null, weight: 1, tool_call_id: null }, { role: 'assistant', content: 'OK', tool_calls: null, reasoning: null, weight: 1, tool_call_id: null }], tools: null, text: null })
    const ref = referenceTokenizer(id)
    t.equal(report.stats.tokens - plain.tokens, await referenceCount(ref, `Stop at ${special} here`) - await referenceCount(ref, 'Stop at X here'), `${id}: the string counts as text`)
  }
})

t.test('packing and over_limit at the dataset\'s limit, with a model (hand-computed)', async t => {
  const model = await testModel('llama-3.2')
  const ref = referenceTokenizer('llama-3.2')
  // "hello" then " hello" k-1 times: k tokens (checked against the reference).
  const text = (k: number) => ['hello', ...Array(k - 1).fill(' hello')].join('')
  for (const k of [2, 6, 11]) t.equal(await referenceCount(ref, text(k)), k, `${k} tokens`)
  const sizes = [6, 5, 4, 3, 2, 2, 11]
  const lines = sizes.map(k => JSON.stringify({ text: text(k) })).join('\n')
  const report = await validate(source(lines), { tokenizer: 'llama-3.2', contextLimit: 10 })
  t.equal(model.countText(text(6)), 6)
  t.equal(report.stats.tokens, 33)
  t.equal(report.stats.assistant_tokens, 33, 'a text record is all trained')
  // First-fit decreasing at 10: [6 4] [5 3 2] [2]; 11 is over the limit.
  t.equal(report.stats.packed_sequences, 3)
  t.equal(report.stats.over_limit, 1)
  t.equal(report.counts.too_many_tokens, 1)
  const wider = await validate(source(lines), { tokenizer: 'llama-3.2', contextLimit: 11 })
  t.equal(wider.stats.over_limit, 0)
  t.equal(wider.stats.packed_sequences, 3, 'at 11: [11] [6 5] [4 3 2 2]')
})
