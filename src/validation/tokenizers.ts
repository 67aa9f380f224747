import o200kBase from 'gpt-tokenizer/encoding/o200k_base'
import cl100kBase from 'gpt-tokenizer/encoding/cl100k_base'
import type { TokenizerName } from './types.js'
import { withFastLongPieces } from './bpe.js'

withFastLongPieces(o200kBase)
withFastLongPieces(cl100kBase)

export interface Tokenizer {
  name: TokenizerName
  /** Exact token count of text encoded as ordinary text (tiktoken's encode_ordinary). */
  count: (text: string) => number
  /** Special-token strings of this encoding: plain text in content, but worth a warning. */
  specialTokens: readonly string[]
}

// Special-token strings count as ordinary text: no token is allowed as special, none refused.
const ORDINARY = { allowedSpecial: new Set<string>(), disallowedSpecial: new Set<string>() }
// The chat-markup tokens that gpt-tokenizer registers for both encodings.
const CHAT_MARKUP = ['<|im_start|>', '<|im_end|>', '<|im_sep|>']

const TOKENIZERS: Record<TokenizerName, Tokenizer> = {
  o200k_base: {
    name: 'o200k_base',
    count: text => text.length === 0 ? 0 : o200kBase.countTokens(text, ORDINARY),
    specialTokens: ['<|endoftext|>', '<|endofprompt|>', ...CHAT_MARKUP]
  },
  cl100k_base: {
    name: 'cl100k_base',
    count: text => text.length === 0 ? 0 : cl100kBase.countTokens(text, ORDINARY),
    specialTokens: ['<|endoftext|>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|endofprompt|>', ...CHAT_MARKUP]
  }
}

export function getTokenizer (name: TokenizerName): Tokenizer {
  const tokenizer = TOKENIZERS[name]
  if (!tokenizer) throw new Error(`Unknown tokenizer "${name}"`)
  return tokenizer
}

export function isTokenizerName (value: unknown): value is TokenizerName {
  return typeof value === 'string' && Object.hasOwn(TOKENIZERS, value)
}
