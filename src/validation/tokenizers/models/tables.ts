/**
 * A model's tokenizer.json turned into what the counters read: the spec (how text is split
 * before BPE) and three shared tables:
 * - `words`: a rank table (rank-table.ts) from a word's UTF-8 bytes to its id, holding only the
 *   words the reference makes one token of (all of the vocabulary with `ignore_merges`; else the
 *   words whose own merges end in one symbol), so a word found there counts 1 and the merge
 *   loop is skipped;
 * - `pairs`: the merges (pair-table.ts);
 * - `symbols`: the initial symbols. Byte-level: the id of each byte's token (256). SentencePiece:
 *   the byte-fallback ids <0xXX> (256), then the id of each BMP character's token, or -1.
 * Only the tokenizer.json features these families use are accepted; anything else is an error
 * naming the field, so a new model is checked when it is added.
 */

import { RankTable } from '../rank-table.js'
import { tokenSetsOverlap } from './added-tokens.js'
import { mergeCount } from './merge.js'
import { PairTable } from './pair-table.js'
import { convertPattern } from './pretokenize.js'

export interface ModelSpec {
  family: 'byte-level' | 'sentencepiece'
  /** Byte-level: the pre-tokenising pattern as a JavaScript source (flags "u"). */
  pattern: string | null
  /** Byte-level: Unicode NFC before splitting (Qwen). */
  nfc: boolean
  /** Added tokens with `"special": true`: matched only where the template emits them. */
  specialTokens: string[]
  /** The other added tokens: matched in all text, as the reference does. */
  addedTokens: string[]
  /** SentencePiece: characters after which a space does not start a new word (a token spans them). */
  joinsSpace: string
  vocabSize: number
}

export interface ModelTables {
  words: RankTable
  pairs: PairTable
  symbols: Int32Array
}

export class UnsupportedTokenizerError extends Error {}

const SPACE_MARK = '\u2581'

/** GPT-2's byte-to-character map of the byte-level models. */
export function byteLevelChars (): string[] {
  const bytes: number[] = []
  for (let b = 0x21; b <= 0x7e; b++) bytes.push(b)
  for (let b = 0xa1; b <= 0xac; b++) bytes.push(b)
  for (let b = 0xae; b <= 0xff; b++) bytes.push(b)
  const chars = new Array<string>(256)
  for (const b of bytes) chars[b] = String.fromCodePoint(b)
  let extra = 0
  for (let b = 0; b < 256; b++) if (chars[b] === undefined) chars[b] = String.fromCodePoint(256 + extra++)
  return chars
}

/* eslint-disable @typescript-eslint/no-explicit-any -- tokenizer.json is checked field by field below */
function fail (field: string, value: unknown): never {
  throw new UnsupportedTokenizerError(`tokenizer.json: unsupported ${field} ${JSON.stringify(value)?.slice(0, 200)}`)
}

function readSpec (json: any): ModelSpec {
  const model = json.model
  if (model?.type !== 'BPE') fail('model.type', model?.type)
  if (model.dropout !== null && model.dropout !== undefined) fail('model.dropout', model.dropout)
  for (const prefix of ['continuing_subword_prefix', 'end_of_word_suffix']) {
    if (model[prefix] !== null && model[prefix] !== undefined && model[prefix] !== '') fail(`model.${prefix}`, model[prefix])
  }
  const added: Array<{ content: string, special: boolean }> = []
  for (const token of json.added_tokens ?? []) {
    if (token.lstrip || token.rstrip || token.single_word || token.normalized) fail('added token options', token)
    added.push({ content: token.content, special: token.special === true })
  }
  const specialTokens = added.filter(t => t.special).map(t => t.content)
  const addedTokens = added.filter(t => !t.special).map(t => t.content)
  const overlap = tokenSetsOverlap(specialTokens, addedTokens)
  if (overlap) fail('overlapping added tokens', overlap)
  const vocabSize = Object.values(model.vocab as Record<string, number>).reduce((a, b) => Math.max(a, b), -1) + 1
  const pre = json.pre_tokenizer
  if (model.byte_fallback !== true) {
    const parts = pre?.type === 'Sequence' ? pre.pretokenizers : [pre]
    const [split, byteLevel] = parts
    if (parts.length !== 2 || split?.type !== 'Split' || typeof split.pattern?.Regex !== 'string' || split.behavior !== 'Isolated' || split.invert) fail('pre_tokenizer', pre)
    if (byteLevel?.type !== 'ByteLevel' || byteLevel.add_prefix_space || byteLevel.use_regex) fail('pre_tokenizer', pre)
    const normalizer = json.normalizer
    if (normalizer !== null && normalizer?.type !== 'NFC') fail('normalizer', normalizer)
    if (model.ignore_merges !== true && model.ignore_merges !== false) fail('model.ignore_merges', model.ignore_merges)
    return { family: 'byte-level', pattern: convertPattern(split.pattern.Regex), nfc: normalizer !== null, specialTokens, addedTokens, joinsSpace: '', vocabSize }
  }
  const normalizer = json.normalizer
  if (normalizer?.type !== 'Replace' || normalizer.pattern?.String !== ' ' || normalizer.content !== SPACE_MARK) fail('normalizer', normalizer)
  // Splitting at " " after the normaliser has replaced every space finds nothing to split.
  if (pre !== null && !(pre?.type === 'Split' && pre.pattern?.String === ' ')) fail('pre_tokenizer', pre)
  if (model.ignore_merges) fail('model.ignore_merges', model.ignore_merges)
  let joinsSpace = ''
  for (const token of Object.keys(model.vocab)) {
    for (let i = token.indexOf(SPACE_MARK, 1); i > 0; i = token.indexOf(SPACE_MARK, i + 1)) {
      const before = token[i - 1]
      if (before !== SPACE_MARK && !joinsSpace.includes(before)) joinsSpace += before
    }
  }
  return { family: 'sentencepiece', pattern: null, nfc: false, specialTokens, addedTokens, joinsSpace, vocabSize }
}

function mergePairs (json: any): Array<[string, string]> {
  return (json.model.merges as unknown[]).map(merge => {
    if (Array.isArray(merge) && merge.length === 2) return [String(merge[0]), String(merge[1])]
    if (typeof merge === 'string') {
      const space = merge.indexOf(' ', 1)
      if (space > 0) return [merge.slice(0, space), merge.slice(space + 1)]
    }
    return fail('merge', merge)
  })
}

/** Builds the spec and tables from a parsed tokenizer.json. */
export function buildTables (json: any): { spec: ModelSpec, tables: ModelTables } {
  const spec = readSpec(json)
  const vocab = new Map<string, number>(Object.entries(json.model.vocab as Record<string, number>))
  const idOf = (token: string) => {
    const id = vocab.get(token)
    if (id === undefined) fail('merge: token not in the vocabulary', token)
    return id
  }
  const merges = mergePairs(json).map(([left, right]) => [idOf(left), idOf(right), idOf(left + right)] as const)
  const pairs = PairTable.fromMerges(merges)
  const encoder = new TextEncoder()
  const byteLevel = spec.family === 'byte-level'
  const symbols = new Int32Array(new SharedArrayBuffer((byteLevel ? 256 : 256 + 65536) * 4)).fill(-1)
  let byteOf: Map<string, number> | null = null
  if (byteLevel) {
    const chars = byteLevelChars()
    byteOf = new Map(chars.map((c, b) => [c, b]))
    chars.forEach((c, b) => { symbols[b] = idOf(c) })
  } else {
    for (let b = 0; b < 256; b++) symbols[b] = idOf(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`)
    for (const [token, id] of vocab) if (token.length === 1) symbols[256 + token.charCodeAt(0)] = id
  }
  // The initial symbols of a word: its bytes (byte-level), or its characters with byte fallback.
  let longest = 0
  for (const token of vocab.keys()) longest = Math.max(longest, token.length)
  const ids = new Int32Array(4 * longest + 4)
  const initialSymbols = (word: string, bytes: Uint8Array): number => {
    if (byteLevel) {
      for (let i = 0; i < bytes.length; i++) ids[i] = symbols[bytes[i]]
      return bytes.length
    }
    let n = 0
    for (const c of word) {
      const id = c.length === 1 ? symbols[256 + c.charCodeAt(0)] : vocab.get(c) ?? -1
      if (id !== -1) ids[n++] = id
      else for (const b of encoder.encode(c)) ids[n++] = symbols[b]
    }
    return n
  }
  // The words table keeps the words that are one token for the reference (see above).
  const ignoreMerges = json.model.ignore_merges === true
  const list: Array<number[] | undefined> = []
  for (const [token, id] of vocab) {
    const bytes = byteOf ? Uint8Array.from(Array.from(token, c => byteOf.get(c) ?? -1)) : encoder.encode(token)
    if (byteOf && Array.from(token).some(c => !byteOf.has(c))) continue
    if (ignoreMerges || mergeCount(pairs, ids, initialSymbols(token, bytes)) === 1) list[id] = Array.from(bytes)
  }
  // A rank table finds every single byte; the bytes that are no token get ids past the vocabulary.
  const single = new Set(list.filter(bytes => bytes?.length === 1).map(bytes => bytes![0]))
  for (let b = 0; b < 256; b++) if (!single.has(b)) list[Math.max(list.length, spec.vocabSize)] = [b]
  const words = RankTable.fromRanks(Array.from(list))
  return { spec, tables: { words, pairs, symbols } }
}
/* eslint-enable @typescript-eslint/no-explicit-any */
