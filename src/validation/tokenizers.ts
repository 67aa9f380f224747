import { mkdir, open, writeFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { CL100K_TOKEN_SPLIT_REGEX, O200K_TOKEN_SPLIT_REGEX } from 'gpt-tokenizer/encodingParams/constants'
import type { TokenizerName } from './types.js'
import { mergeCount } from './bpe.js'
import { finishHash, HASH_PRIME, HASH_SEED, RankTable, RankTableError, type RankList } from './rank-table.js'

export interface Tokenizer {
  name: TokenizerName
  /** Exact token count of text encoded as ordinary text (tiktoken's encode_ordinary). */
  count: (text: string) => number
  /** Special-token strings of this encoding: plain text in content, but worth a warning. */
  specialTokens: readonly string[]
  /** Where the ranks came from: the table file the build writes, or gpt-tokenizer's module (running from source). */
  ranks: 'file' | 'module'
}

// The chat-markup tokens that gpt-tokenizer registers for both encodings.
const CHAT_MARKUP = ['<|im_start|>', '<|im_end|>', '<|im_sep|>']

const SPECIAL_TOKENS: Record<TokenizerName, readonly string[]> = {
  o200k_base: ['<|endoftext|>', '<|endofprompt|>', ...CHAT_MARKUP],
  cl100k_base: ['<|endoftext|>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|endofprompt|>', ...CHAT_MARKUP]
}

// tiktoken's pre-tokenising patterns, as gpt-tokenizer ships them.
const SPLIT: Record<TokenizerName, RegExp> = {
  o200k_base: O200K_TOKEN_SPLIT_REGEX,
  cl100k_base: CL100K_TOKEN_SPLIT_REGEX
}

/** The ranks as gpt-tokenizer ships them (a JavaScript array), for the build to turn into tables. */
export const RANK_MODULES: Record<TokenizerName, () => Promise<{ default: RankList }>> = {
  o200k_base: async () => await import('gpt-tokenizer/bpeRanks/o200k_base'),
  cl100k_base: async () => await import('gpt-tokenizer/bpeRanks/cl100k_base')
}

/** Where `npm run build` writes the rank tables (dist/validation/ranks/; TOKENIZER_RANKS_DIR for tests). */
export const RANKS_DIR = process.env.TOKENIZER_RANKS_DIR ? pathToFileURL(process.env.TOKENIZER_RANKS_DIR + '/') : new URL('./ranks/', import.meta.url)

const tableFile = (name: TokenizerName) => new URL(`${name}.ranks`, RANKS_DIR)

/** Writes every encoding's rank table into RANKS_DIR (see build-ranks.ts). */
export async function writeRanks (): Promise<void> {
  await mkdir(RANKS_DIR, { recursive: true })
  for (const [name, load] of Object.entries(RANK_MODULES)) {
    const table = RankTable.fromRanks((await load()).default)
    await writeFile(tableFile(name as TokenizerName), new Uint8Array(table.buffer))
  }
}

/** Reads a table file straight into shared memory; null when there is no file. */
async function readTableFile (name: TokenizerName): Promise<SharedArrayBuffer | null> {
  let handle
  try {
    handle = await open(tableFile(name), 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  try {
    const { size } = await handle.stat()
    const buffer = new SharedArrayBuffer(size)
    const view = new Uint8Array(buffer)
    for (let at = 0; at < size;) {
      const { bytesRead } = await handle.read(view, at, size - at, at)
      if (bytesRead === 0) throw new RankTableError('the rank table file is shorter than it was')
      at += bytesRead
    }
    return buffer
  } finally {
    await handle.close()
  }
}

interface LoadedTable { table: RankTable, ranks: Tokenizer['ranks'] }

// Per thread: the table each encoding uses, once (a pool hands its threads the caller's).
const tables = new Map<TokenizerName, Promise<LoadedTable>>()

/**
 * An encoding's rank table in shared memory: the build's file, else built from gpt-tokenizer's
 * module (running from source). A damaged or outdated file is an error that names it.
 */
export async function rankTable (name: TokenizerName): Promise<LoadedTable> {
  if (!isTokenizerName(name)) throw new Error(`Unknown tokenizer "${name}"`)
  let table = tables.get(name)
  if (!table) {
    table = (async () => {
      try {
        const buffer = await readTableFile(name)
        if (buffer === null) return { table: RankTable.fromRanks((await RANK_MODULES[name]()).default), ranks: 'module' as const }
        return { table: new RankTable(buffer), ranks: 'file' as const }
      } catch (error) {
        if (error instanceof RankTableError) throw new Error(`${tableFile(name).pathname}: ${error.message}; run \`npm run build\` again`)
        throw error
      }
    })()
    tables.set(name, table)
    table.catch(() => tables.delete(name))
  }
  return await table
}

/** Takes a table another thread loaded and checked (see pool.ts): this thread then reads the same memory. */
export function adoptRankTable (name: TokenizerName, buffer: SharedArrayBuffer, ranks: Tokenizer['ranks']): void {
  if (!tables.has(name)) tables.set(name, Promise.resolve({ table: new RankTable(buffer, false), ranks }))
}

/**
 * countTokens(text) as tiktoken's encode_ordinary counts it: the encoding's pre-tokenising
 * regex, then each piece is one token when its UTF-8 bytes are a token, else it is merged
 * byte pair by byte pair. The piece is encoded and hashed in one pass into a scratch buffer,
 * so a piece that is a token (nine in ten) allocates nothing. Tested equal to tiktoken.
 */
function tableCounter (table: RankTable, split: RegExp): (text: string) => number {
  const cacheSize = Number(process.env.TOKENIZER_CACHE_SIZE ?? 20_000)
  const flags = split.flags.replace(/[gy]/g, '')
  // The pieces tile the text, so each one is tried where the last one ended with a sticky
  // test(), which allocates no match array (tens of millions in a large file); the search
  // (exec) is only the fallback for text no piece starts at, which it skips as tiktoken does.
  const sticky = new RegExp(split.source, flags + 'y')
  const search = new RegExp(split.source, flags + 'g')
  let scratch = new Uint8Array(1024)
  // Counts of pieces that are not one token (merging costs far more than this lookup); when
  // full it starts again.
  const merged = new Map<string, number>()
  let pieceHash = 0 // set by encodePiece

  /** The UTF-8 bytes of text[start, end) into scratch (a lone surrogate as U+FFFD, as tiktoken): returns the length and sets pieceHash. */
  const encodePiece = (text: string, start: number, end: number): number => {
    if ((end - start) * 3 > scratch.length) { // a long piece: grow to what it needs (at least double, so growth is rare)
      scratch = new Uint8Array(Math.max(2 * scratch.length, Buffer.byteLength(text.slice(start, end), 'utf8')))
    }
    const bytes = scratch
    let h = HASH_SEED
    let n = 0
    for (let i = start; i < end; i++) {
      let c = text.charCodeAt(i)
      if (c < 0x80) {
        bytes[n++] = c
        h = Math.imul(h ^ c, HASH_PRIME)
        continue
      }
      if (c < 0x800) {
        const b1 = 0xc0 | (c >> 6)
        const b2 = 0x80 | (c & 0x3f)
        bytes[n++] = b1
        bytes[n++] = b2
        h = Math.imul(Math.imul(h ^ b1, HASH_PRIME) ^ b2, HASH_PRIME)
        continue
      }
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < end) {
        const low = text.charCodeAt(i + 1)
        if (low >= 0xdc00 && low < 0xe000) {
          i++
          const point = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00)
          const b1 = 0xf0 | (point >> 18)
          const b2 = 0x80 | ((point >> 12) & 0x3f)
          const b3 = 0x80 | ((point >> 6) & 0x3f)
          const b4 = 0x80 | (point & 0x3f)
          bytes[n++] = b1
          bytes[n++] = b2
          bytes[n++] = b3
          bytes[n++] = b4
          h = Math.imul(Math.imul(Math.imul(Math.imul(h ^ b1, HASH_PRIME) ^ b2, HASH_PRIME) ^ b3, HASH_PRIME) ^ b4, HASH_PRIME)
          continue
        }
      }
      if (c >= 0xd800 && c < 0xe000) c = 0xfffd
      const b1 = 0xe0 | (c >> 12)
      const b2 = 0x80 | ((c >> 6) & 0x3f)
      const b3 = 0x80 | (c & 0x3f)
      bytes[n++] = b1
      bytes[n++] = b2
      bytes[n++] = b3
      h = Math.imul(Math.imul(Math.imul(h ^ b1, HASH_PRIME) ^ b2, HASH_PRIME) ^ b3, HASH_PRIME)
    }
    pieceHash = finishHash(h)
    return n
  }

  const countPiece = (text: string, start: number, end: number): number => {
    const n = encodePiece(text, start, end)
    if (table.find(scratch, 0, n, pieceHash) !== -1) return 1
    if (end - start > 64) return mergeCount(table, scratch, n)
    const piece = text.slice(start, end)
    let count = merged.get(piece)
    if (count === undefined) {
      count = mergeCount(table, scratch, n)
      if (merged.size >= cacheSize) merged.clear()
      merged.set(piece, count)
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
      count += countPiece(text, start, end)
      at = end
    }
    if (scratch.length > 1 << 20) scratch = new Uint8Array(1024) // a huge piece's buffer is not kept
    return count
  }
}

const loaded = new Map<TokenizerName, Promise<Tokenizer>>()

export async function loadTokenizer (name: TokenizerName): Promise<Tokenizer> {
  if (!isTokenizerName(name)) throw new Error(`Unknown tokenizer "${name}"`)
  let tokenizer = loaded.get(name)
  if (!tokenizer) {
    tokenizer = rankTable(name).then(({ table, ranks }) =>
      ({ name, count: tableCounter(table, SPLIT[name]), specialTokens: SPECIAL_TOKENS[name], ranks }))
    loaded.set(name, tokenizer)
    tokenizer.catch(() => loaded.delete(name))
  }
  return await tokenizer
}

export function isTokenizerName (value: unknown): value is TokenizerName {
  return typeof value === 'string' && Object.hasOwn(SPLIT, value)
}
