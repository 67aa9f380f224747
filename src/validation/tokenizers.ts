import type { TokenizerName } from './types.js'
import { withFastLongPieces } from './bpe.js'

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

const SPECIAL_TOKENS: Record<TokenizerName, readonly string[]> = {
  o200k_base: ['<|endoftext|>', '<|endofprompt|>', ...CHAT_MARKUP],
  cl100k_base: ['<|endoftext|>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|endofprompt|>', ...CHAT_MARKUP]
}

interface Encoding {
  countTokens: (text: string, options: typeof ORDINARY) => number
  setMergeCacheSize: (size: number) => void
}

// Each encoding's ranks take about 55 MB: only the one a dataset uses is ever loaded.
const IMPORTS: Record<TokenizerName, () => Promise<{ default: Encoding }>> = {
  o200k_base: () => import('gpt-tokenizer/encoding/o200k_base'),
  cl100k_base: () => import('gpt-tokenizer/encoding/cl100k_base')
}

interface CountingCore {
  tokenSplitRegex: RegExp
  bytePairStringRankEncoder: Map<string, number>
  bytePairEncode: (piece: string) => number[]
}

/**
 * countTokens(text) as ordinary text, without gpt-tokenizer's per-call work that ordinary
 * counting does not need: its search for special tokens (none is allowed, so each is text) and
 * matchAll's iterator. The same pre-tokenising regex, the same rank lookup, the same merge
 * (cached, and O(n log n) for long pieces): the same counts, which the tests check against
 * countTokens and tiktoken.
 */
function ordinaryCounter (encoding: Encoding): (text: string) => number {
  const core = (encoding as unknown as { bytePairEncodingCoreProcessor?: Partial<CountingCore> }).bytePairEncodingCoreProcessor
  if (!(core?.tokenSplitRegex instanceof RegExp) || !(core.bytePairStringRankEncoder instanceof Map) || typeof core.bytePairEncode !== 'function') {
    return (text: string) => text.length === 0 ? 0 : encoding.countTokens(text, ORDINARY)
  }
  const split = new RegExp(core.tokenSplitRegex.source, core.tokenSplitRegex.flags.includes('g') ? core.tokenSplitRegex.flags : core.tokenSplitRegex.flags + 'g')
  const ranks = core.bytePairStringRankEncoder
  const merge = core.bytePairEncode.bind(core)
  return (text: string) => {
    let count = 0
    split.lastIndex = 0
    for (let match = split.exec(text); match !== null; match = split.exec(text)) {
      const piece = match[0]
      count += ranks.has(piece) ? 1 : merge(piece).length
    }
    return count
  }
}

const loaded = new Map<TokenizerName, Promise<Tokenizer>>()

export async function loadTokenizer (name: TokenizerName): Promise<Tokenizer> {
  if (!isTokenizerName(name)) throw new Error(`Unknown tokenizer "${name}"`)
  let tokenizer = loaded.get(name)
  if (!tokenizer) {
    tokenizer = IMPORTS[name]().then(({ default: encoding }) => {
      withFastLongPieces(encoding)
      // The merge cache (100,000 pieces by default) is most of a tokenizer's live memory.
      encoding.setMergeCacheSize(Number(process.env.TOKENIZER_CACHE_SIZE ?? 20_000))
      return { name, count: ordinaryCounter(encoding), specialTokens: SPECIAL_TOKENS[name] }
    })
    loaded.set(name, tokenizer)
  }
  return await tokenizer
}

export function isTokenizerName (value: unknown): value is TokenizerName {
  return typeof value === 'string' && Object.hasOwn(IMPORTS, value)
}
