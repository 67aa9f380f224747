import { tableCounter } from './counter.js'
import { encodingEntry, isTokenizerName, type TokenizerName } from './registry.js'
import { rankTable, type LoadedTable } from './table-files.js'

export { ENCODINGS, TOKENIZERS, isTokenizerName, type TokenizerName } from './registry.js'
export { rankTable, adoptRankTable } from './table-files.js'

export interface Tokenizer {
  name: TokenizerName
  /** Exact token count of text encoded as ordinary text (tiktoken's encode_ordinary). */
  count: (text: string) => number
  /** Special-token strings of this encoding: plain text in content, but worth a warning. */
  specialTokens: readonly string[]
  /** Where the ranks came from: the table file the build writes, or gpt-tokenizer's module (running from source). */
  ranks: LoadedTable['ranks']
}

export interface TokenizerSettings {
  /** Directory of the rank-table files; default: where `npm run build` writes them. */
  ranksDir?: string | null
  /** Counts of merged pieces cached per thread (default 20,000). */
  cacheSize?: number
}

export const DEFAULT_TOKENIZER_CACHE_SIZE = 20_000

const loaded = new Map<string, Promise<Tokenizer>>()

export async function loadTokenizer (name: TokenizerName, settings: TokenizerSettings = {}): Promise<Tokenizer> {
  if (!isTokenizerName(name)) throw new Error(`Unknown tokenizer "${String(name)}"`)
  const cacheSize = settings.cacheSize ?? DEFAULT_TOKENIZER_CACHE_SIZE
  const key = `${name}\0${settings.ranksDir ?? ''}\0${cacheSize}`
  let tokenizer = loaded.get(key)
  if (!tokenizer) {
    const entry = encodingEntry(name)
    tokenizer = rankTable(name, settings.ranksDir).then(({ table, ranks }) =>
      ({ name, count: tableCounter(table, entry.split, cacheSize), specialTokens: entry.specialTokens, ranks }))
    loaded.set(key, tokenizer)
    tokenizer.catch(() => loaded.delete(key))
  }
  return await tokenizer
}
