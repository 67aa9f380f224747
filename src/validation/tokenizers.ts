import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import type { TokenizerName } from './types.js'
import { withFastLongPieces } from './bpe.js'

export interface Tokenizer {
  name: TokenizerName
  /** Exact token count of text encoded as ordinary text (tiktoken's encode_ordinary). */
  count: (text: string) => number
  /** Special-token strings of this encoding: plain text in content, but worth a warning. */
  specialTokens: readonly string[]
  /** Where the ranks came from: the build's JSON, or gpt-tokenizer's module (running from source). */
  ranks: 'json' | 'module'
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

/** The ranks as gpt-tokenizer ships them (a JavaScript array), for the build to turn into JSON. */
export const RANK_MODULES: Record<TokenizerName, () => Promise<{ default: Array<string | number[]> }>> = {
  o200k_base: () => import('gpt-tokenizer/bpeRanks/o200k_base'),
  cl100k_base: () => import('gpt-tokenizer/bpeRanks/cl100k_base')
}

/** Where `npm run build` writes the ranks as JSON (dist/validation/ranks/; TOKENIZER_RANKS_DIR for tests). */
export const RANKS_DIR = process.env.TOKENIZER_RANKS_DIR ? pathToFileURL(process.env.TOKENIZER_RANKS_DIR + '/') : new URL('./ranks/', import.meta.url)

/** Writes every encoding's ranks as JSON into RANKS_DIR (see build-ranks.ts). */
export async function writeRanks (): Promise<void> {
  await mkdir(RANKS_DIR, { recursive: true })
  for (const [name, load] of Object.entries(RANK_MODULES)) {
    const { default: ranks } = await load()
    await writeFile(new URL(`${name}.json`, RANKS_DIR), JSON.stringify(ranks))
  }
}

/**
 * The encoding, built from the JSON ranks when the build wrote them (the same construction as
 * gpt-tokenizer's own module: GptEncoding.getEncodingApi(name, () => ranks)), else from the
 * package's module (running from source).
 */
async function loadEncoding (name: TokenizerName): Promise<{ encoding: Encoding, ranks: Tokenizer['ranks'] }> {
  let text: string | null = null
  try {
    text = await readFile(new URL(`${name}.json`, RANKS_DIR), 'utf8')
  } catch {
    return { encoding: (await IMPORTS[name]()).default, ranks: 'module' }
  }
  const { GptEncoding } = await import('gpt-tokenizer/GptEncoding')
  let ranks: Array<string | number[]> | null = JSON.parse(text) as Array<string | number[]>
  text = null
  const encoding = GptEncoding.getEncodingApi(name, () => ranks!)
  ranks = null
  return { encoding: encoding as unknown as Encoding, ranks: 'json' }
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
  const cacheSize = Number(process.env.TOKENIZER_CACHE_SIZE ?? 20_000)
  if (!(core?.tokenSplitRegex instanceof RegExp) || !(core.bytePairStringRankEncoder instanceof Map) || typeof core.bytePairEncode !== 'function') {
    // gpt-tokenizer's merge cache (100,000 pieces by default) is most of a tokenizer's live memory.
    encoding.setMergeCacheSize(cacheSize)
    return (text: string) => text.length === 0 ? 0 : encoding.countTokens(text, ORDINARY)
  }
  encoding.setMergeCacheSize(0) // the counts cache below takes its place
  const flags = core.tokenSplitRegex.flags.replace(/[gy]/g, '')
  // The pieces tile the text, so each one is tried where the last one ended with a sticky
  // test(), which allocates no match array (tens of millions in a large file); the search
  // (exec) is only the fallback for text no piece starts at, which it skips as tiktoken does.
  const sticky = new RegExp(core.tokenSplitRegex.source, flags + 'y')
  const search = new RegExp(core.tokenSplitRegex.source, flags + 'g')
  const ranks = core.bytePairStringRankEncoder
  const merge = core.bytePairEncode.bind(core)
  // Counts of pieces that are not one token, read without changing anything: gpt-tokenizer's
  // own merge cache (switched off here) moves every hit to the end of its LRU order, which
  // writes each new piece string into a long-lived map (promoting it, and the garbage
  // collector's work with it). Bounded by TOKENIZER_CACHE_SIZE: when full it starts again.
  const merged = new Map<string, number>()
  const countMerged = (piece: string): number => {
    let count = merged.get(piece)
    if (count === undefined) {
      count = merge(piece).length
      if (piece.length <= 64) {
        if (merged.size >= cacheSize) merged.clear()
        merged.set(piece, count)
      }
    }
    return count
  }
  return (text: string) => {
    let count = 0
    let at = 0
    while (at < text.length) {
      let start = at
      let end: number
      sticky.lastIndex = at
      if (sticky.test(text)) {
        end = sticky.lastIndex
      } else {
        search.lastIndex = at
        const match = search.exec(text)
        if (match === null) break
        start = match.index
        end = start + match[0].length
      }
      if (end <= start) { // an empty match (none of the encodings' patterns has one): step over it
        at = start + 1
        continue
      }
      const piece = text.slice(start, end)
      count += ranks.has(piece) ? 1 : countMerged(piece)
      at = end
    }
    return count
  }
}

const loaded = new Map<TokenizerName, Promise<Tokenizer>>()

export async function loadTokenizer (name: TokenizerName): Promise<Tokenizer> {
  if (!isTokenizerName(name)) throw new Error(`Unknown tokenizer "${name}"`)
  let tokenizer = loaded.get(name)
  if (!tokenizer) {
    tokenizer = loadEncoding(name).then(({ encoding, ranks }) => {
      withFastLongPieces(encoding)
      return { name, count: ordinaryCounter(encoding), specialTokens: SPECIAL_TOKENS[name], ranks }
    })
    loaded.set(name, tokenizer)
  }
  return await tokenizer
}

export function isTokenizerName (value: unknown): value is TokenizerName {
  return typeof value === 'string' && Object.hasOwn(IMPORTS, value)
}
