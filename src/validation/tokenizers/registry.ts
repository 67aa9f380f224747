import { CL100K_TOKEN_SPLIT_REGEX, O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants'
import type { RankList } from './rank-table.js'

/** One encoding: everything the engine and the build need to know about it. */
export interface EncodingEntry<Name extends string = string> {
  name: Name
  /** tiktoken's pre-tokenising pattern, as gpt-tokenizer ships it. */
  split: RegExp
  /** Special-token strings: plain text in content, but worth a warning. */
  specialTokens: readonly string[]
  /** The ranks as gpt-tokenizer ships them (a JavaScript array): the build turns them into a table file. */
  ranks: () => Promise<{ default: RankList }>
}

// The chat-markup tokens that gpt-tokenizer registers for both encodings.
const CHAT_MARKUP = ['<|im_start|>', '<|im_end|>', '<|im_sep|>']

/** The encodings, as one table (the first is the default). */
export const ENCODINGS = [
  {
    name: 'o200k_base',
    split: O200K_TOKEN_SPLIT_REGEX,
    specialTokens: ['<|endoftext|>', '<|endofprompt|>', ...CHAT_MARKUP],
    ranks: async () => await import('gpt-tokenizer/bpeRanks/o200k_base')
  },
  {
    name: 'cl100k_base',
    split: CL100K_TOKEN_SPLIT_REGEX,
    specialTokens: ['<|endoftext|>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|endofprompt|>', ...CHAT_MARKUP],
    ranks: async () => await import('gpt-tokenizer/bpeRanks/cl100k_base')
  }
] as const satisfies ReadonlyArray<EncodingEntry>

export type TokenizerName = typeof ENCODINGS[number]['name']

/** Counts of merged pieces cached per thread, per tokenizer (default 20,000). */
export const DEFAULT_TOKENIZER_CACHE_SIZE = 20_000

export const TOKENIZERS: readonly TokenizerName[] = ENCODINGS.map(entry => entry.name)

const BY_NAME = new Map<string, EncodingEntry<TokenizerName>>(ENCODINGS.map(entry => [entry.name, entry]))

/** A name from outside (a form, the CLI, a stored row) is looked up in the Map, never as an object key. */
export function isTokenizerName (value: unknown): value is TokenizerName {
  return typeof value === 'string' && BY_NAME.has(value)
}

export function encodingEntry (name: TokenizerName): EncodingEntry<TokenizerName> {
  const entry = BY_NAME.get(name)
  if (!entry) throw new Error(`Unknown tokenizer "${String(name)}"`)
  return entry
}
