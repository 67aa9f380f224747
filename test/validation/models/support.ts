// Shared by the model tests: the models' tables built once into a temporary folder named after
// the source that builds them (so a change of that code builds them again), seeded random text
// and conversations, and the reference tokenizer (Hugging Face `tokenizers`).
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Tokenizer } from 'tokenizers'
import type { Conversation, Turn } from '../../../src/validation/turns/turn.js'

const SOURCE = new URL('../../../src/validation/tokenizers/models/', import.meta.url)
const hash = createHash('sha256')
// The files whose code decides what the build writes.
for (const file of ['added-tokens.ts', 'files.ts', 'merge.ts', 'pair-table.ts', 'pretokenize.ts', 'registry.ts', 'tables.ts']) hash.update(readFileSync(new URL(file, SOURCE)))
hash.update(readFileSync(new URL('../../../src/validation/tokenizers/rank-table.ts', import.meta.url)))
export const TABLES_DIR = join(tmpdir(), `datasets-model-tables-${hash.digest('hex').slice(0, 12)}`)
const models = await import('../../../src/validation/tokenizers/models/index.js')
const files = await import('../../../src/validation/tokenizers/models/files.js')
files.useModelTablesDir(TABLES_DIR)

export const MODEL_IDS = ['llama-3.2', 'qwen3', 'gemma-3'] as const

/** A model from the test folder's tables, built there by the first test that needs them. */
export async function testModel (id: string): Promise<Awaited<ReturnType<typeof models.loadModel>>> {
  if (!existsSync(join(TABLES_DIR, `${id}.tables`))) await files.writeModel(models.modelEntry(id)!)
  return await models.loadModel(id)
}

export { models }

// Loading a reference takes seconds: each is loaded once a process.
const references = new Map<string, Tokenizer>()
const once = (key: string, load: () => Tokenizer): Tokenizer => {
  let tokenizer = references.get(key)
  if (!tokenizer) references.set(key, tokenizer = load())
  return tokenizer
}

/** The reference: the model's tokenizer.json in `tokenizers`, its special tokens removed (they are plain text in content). */
export function referenceTokenizer (id: string): Tokenizer {
  return once(`plain ${id}`, () => {
    const json = JSON.parse(readFileSync(files.packageFile(models.modelEntry(id)!, 'models/tokenizer.json'), 'utf8'))
    json.added_tokens = json.added_tokens.filter((token: { special: boolean }) => !token.special)
    return Tokenizer.fromString(JSON.stringify(json))
  })
}

/** The reference with its special tokens, for text whose special tokens all come from a template. */
export function fullReferenceTokenizer (id: string): Tokenizer {
  return once(`full ${id}`, () => Tokenizer.fromFile(files.packageFile(models.modelEntry(id)!, 'models/tokenizer.json')))
}

export async function referenceCount (tokenizer: Tokenizer, text: string): Promise<number> {
  return (await tokenizer.encode(text, null, { addSpecialTokens: false })).getLength()
}

export function random (seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// The pieces random text is made of: where a pure-JS tokenizer was found to differ from the
// reference (CJK, emoji, whitespace runs, U+0085, zero-width characters), case folding in
// contractions, combining marks (Qwen's NFC), lone surrogates, and every family's special and
// added token strings.
export const PIECES = [
  'a', 'b', 'e', 's', 't', 'Hello', ' world', 'The quick brown fox', ' ', '  ', '   ', '\n', '\n\n', '\n\n\n', '\t', '\t\t', '\r\n', '\r',
  "'", "'s", "'S", "'ll", "'ſ", 'ſ', 'K', "don't", 'IT\'S', '日本語', '中文字符', '한국어', 'ｱｲｳ', '😀', '👍🏽', '🇫🇷', '👨‍👩‍👧', '𝔘𝔫𝔦',
  '\u0085', '\u00a0', '\u1680', '\u2000', '\u2028', '\u3000', '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\x1c', '\x00', '\x7f',
  'é', 'e\u0301', 'A\u030a', '\u1100\u1161', 'ﬆ', 'ǅ', 'Ω', '1', '12', '1234567', '3.14', '-', '...', '!?', '()', '{"a": 1}', '<', '>', '</', '<|', '|>',
  '<|begin_of_text|>', '<|eot_id|>', '<|start_header_id|>', '<|python_tag|>', '<|im_start|>', '<|im_end|>', '<|endoftext|>', '<think>', '</think>',
  '<tool_call>', '</tool_response>', '<|fim_prefix|>', '<bos>', '<eos>', '<start_of_turn>', '<end_of_turn>', '<pad>', '<unused12>', '<mask>',
  '[multimodal]', '<table>', '</td>', '▁', '▁▁', '>▁</', 'x▁y', '\ud800', '\udc00x', 'Ω≈ç√', 'مرحبا', 'שלום', 'Привет', 'γειά', 'ไทย', 'हिन्दी'
]

/** The pieces that are a special token of some model (the others, <think> or <unused12>, are ordinary added tokens). */
const SPECIAL = /<\|(begin_of_text|eot_id|start_header_id|python_tag|im_start|im_end|endoftext)\|>|<(bos|eos|pad|start_of_turn|end_of_turn)>/
const ORDINARY = PIECES.filter(piece => !SPECIAL.test(piece))

export function randomText (next: () => number, pieces = 1 + Math.floor(next() * 24), specials = true): string {
  const from = specials ? PIECES : ORDINARY
  let text = ''
  for (let i = 0; i < pieces; i++) text += from[Math.floor(next() * from.length)]
  return text
}

const TOOLS = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string', description: 'Ville, 都市' }, days: { type: 'integer', minimum: 1 } }, required: ['city'] } } },
  { type: 'function', function: { name: 'search', description: 'Searches "the web"\n<b>fast</b>', parameters: { type: 'object', properties: { q: { type: 'string' } } } } }
]

const randomTextOf = randomText

const turn = (role: Turn['role'], content: string, extra: Partial<Turn> = {}): Turn =>
  ({ role, content, tool_calls: null, reasoning: null, weight: 1, tool_call_id: null, ...extra })

/**
 * A random conversation: an optional system turn, user/assistant exchanges with content from
 * randomText, some assistant turns with reasoning, tool calls (answered by tool turns) or
 * weight 0, and the declared tools when a call is made. `alternate` keeps it to what every
 * template accepts; `specials` lets content hold special-token strings.
 */
export function randomConversation (next: () => number, alternate = false, specials = next() < 0.2): Conversation {
  const randomText = (n: () => number, pieces?: number) => randomTextOf(n, pieces, specials)
  const turns: Turn[] = []
  if (next() < 0.5) turns.push(turn('system', randomText(next)))
  let tools: unknown[] | null = null
  const exchanges = 1 + Math.floor(next() * 3)
  for (let e = 0; e < exchanges; e++) {
    turns.push(turn('user', randomText(next)))
    const reasoning = next() < 0.3 ? randomText(next) : null
    const weight = next() < 0.2 ? 0 : 1
    if (!alternate && next() < 0.3) {
      const id = `call_${e}`
      const args = next() < 0.5 ? JSON.stringify({ city: randomText(next, 2), days: 3 }) : '{"q": "x"}'
      turns.push(turn('assistant', next() < 0.5 ? '' : randomText(next), { tool_calls: [{ id, name: next() < 0.5 ? 'get_weather' : 'search', arguments: args }], reasoning, weight }))
      turns.push(turn('tool', randomText(next), { tool_call_id: id }))
      tools = TOOLS
    }
    turns.push(turn('assistant', randomText(next), { reasoning, weight: next() < 0.2 ? 0 : 1 }))
  }
  if (!alternate && next() < 0.1) turns.push(turn('user', randomText(next)))
  return { turns, tools, text: null }
}
