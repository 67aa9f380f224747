/**
 * Exact token counts of a model's tokenizer (tokenizer.json read by tables.ts), as Hugging Face
 * `tokenizers` encodes text without adding special tokens: added tokens are found first
 * (leftmost-longest), each gap is normalised, split into words, and each word merged.
 * - byte-level BPE (Llama 3, Qwen 3): words are the matches of the pre-tokenising pattern, their
 *   symbols the UTF-8 bytes;
 * - SentencePiece-style BPE (Gemma 3): spaces become U+2581 and there is no pattern: the whole
 *   gap is one word for the reference. A merge never joins a character to the space after it
 *   unless some token holds that pair (tables.ts lists those characters), so the gap is cut
 *   before each such space into words that merge alone, and cached.
 * The special tokens are not matched in text given as content: the callers find the ones a
 * template emitted (see chat.ts).
 */

import { hashBytes } from '../rank-table.js'
import { AddedTokenMatcher } from './added-tokens.js'
import { mergeCount } from './merge.js'
import { wordScanner } from './pretokenize.js'
import type { ModelSpec, ModelTables } from './tables.js'
import { Utf8Scratch } from '../utf8.js'
import { DEFAULT_TOKENIZER_CACHE_SIZE } from '../registry.js'

// The encodings' default cache size; a setting of its own when models join the pipeline.
const CACHE_SIZE = DEFAULT_TOKENIZER_CACHE_SIZE
// Words longer than this are merged every time rather than cached.
const CACHED_WORD = 64

export class ModelCounter {
  readonly spec: ModelSpec
  readonly specials: AddedTokenMatcher
  private readonly added: AddedTokenMatcher
  /** The added tokens, then the special ones (matchSecond): one search for a rendered template. */
  readonly allAdded: AddedTokenMatcher
  private readonly tables: ModelTables
  private readonly scratch = new Utf8Scratch()
  private ids = new Int32Array(1024)
  private readonly cache = new Map<string, number>()
  private readonly sticky: RegExp | null
  private readonly search: RegExp | null
  /** The pattern's hand-written scanner (Llama 3, Qwen 2/3), else null: the RegExp splits. */
  private readonly scan: ((text: string, at: number, end: number) => number) | null
  private readonly joinsSpace: Set<number>
  private readonly char = new Uint8Array(4)

  constructor (spec: ModelSpec, tables: ModelTables) {
    this.spec = spec
    this.tables = tables
    this.specials = new AddedTokenMatcher(spec.specialTokens)
    this.added = new AddedTokenMatcher(spec.addedTokens)
    this.allAdded = new AddedTokenMatcher(spec.addedTokens, spec.specialTokens)
    this.sticky = spec.pattern === null ? null : new RegExp(spec.pattern, 'uy')
    this.search = spec.pattern === null ? null : new RegExp(spec.pattern, 'ug')
    this.scan = spec.pattern === null ? null : wordScanner(spec.pattern)
    this.joinsSpace = new Set(Array.from(spec.joinsSpace, c => c.charCodeAt(0)))
  }

  /** Tokens of text[from, to) as ordinary text: special-token strings are plain text. */
  countText (text: string, from = 0, to = text.length): number {
    let count = 0
    let at = from
    for (;;) {
      const start = this.added.find(text, at, to)
      if (start === -1) break
      if (start > at) count += this.countGap(text, at, start)
      count++
      at = this.added.matchEnd
    }
    if (at < to) count += this.countGap(text, at, to)
    this.scratch.shrink()
    return count
  }

  /** Tokens of text[from, to), which holds no added token. */
  countGap (text: string, from: number, to: number): number {
    const scan = this.scan
    if (scan !== null) {
      // No copy of the gap unless NFC changes it: the scanner takes its bounds.
      if (this.spec.nfc && needsNfc(text, from, to)) {
        const gap = text.slice(from, to).normalize('NFC')
        return this.countScanned(gap, 0, gap.length, scan)
      }
      return this.countScanned(text, from, to, scan)
    }
    const gap = from === 0 && to === text.length ? text : text.slice(from, to)
    return this.spec.family === 'byte-level' ? this.countByteLevel(gap) : this.countSentencePiece(gap)
  }

  private countScanned (text: string, from: number, to: number, scan: (text: string, at: number, end: number) => number): number {
    let count = 0
    for (let at = from; at < to;) {
      const end = scan(text, at, to)
      count += this.countWord(text, at, end)
      at = end
    }
    return count
  }

  private countByteLevel (gap: string): number {
    if (this.spec.nfc && needsNfc(gap, 0, gap.length)) gap = gap.normalize('NFC')
    const sticky = this.sticky!
    const search = this.search!
    let count = 0
    let at = 0
    while (at < gap.length) {
      sticky.lastIndex = at
      if (sticky.test(gap) && sticky.lastIndex > at) {
        count += this.countWord(gap, at, sticky.lastIndex)
        at = sticky.lastIndex
        continue
      }
      // Text no match starts at is a piece of its own, as the reference's Isolated split keeps it.
      search.lastIndex = at
      const match = search.exec(gap)
      const end = match === null ? gap.length : match.index > at ? match.index : at + 1
      count += this.countWord(gap, at, end)
      at = end
    }
    return count
  }

  private countSentencePiece (gap: string): number {
    let count = 0
    let start = 0
    for (let i = 1; i < gap.length; i++) {
      const c = gap.charCodeAt(i)
      if (c !== 0x20 && c !== 0x2581) continue
      const before = gap.charCodeAt(i - 1)
      if (before === 0x20 || before === 0x2581 || this.joinsSpace.has(before)) continue
      count += this.countWord(gap, start, i)
      start = i
    }
    return count + this.countWord(gap, start, gap.length)
  }

  /** Tokens of one word (a pre-tokenised piece) of text[start, end). */
  private countWord (text: string, start: number, end: number): number {
    const sentencePiece = this.spec.family === 'sentencepiece'
    const n = this.scratch.encode(text, start, end, sentencePiece)
    if (this.tables.words.find(this.scratch.bytes, 0, n, this.scratch.hash) !== -1) return 1
    if (end - start > CACHED_WORD) return this.mergeWord(text, start, end, n)
    const word = text.slice(start, end)
    let count = this.cache.get(word)
    if (count === undefined) {
      count = this.mergeWord(text, start, end, n)
      if (this.cache.size >= CACHE_SIZE) this.cache.clear()
      this.cache.set(word, count)
    }
    return count
  }

  /** Merges a word whose UTF-8 bytes (n of them) are in the scratch buffer. */
  private mergeWord (text: string, start: number, end: number, n: number): number {
    if (this.ids.length < n) this.ids = new Int32Array(Math.max(n, 2 * this.ids.length))
    const ids = this.ids
    const symbols = this.tables.symbols
    if (this.spec.family === 'byte-level') {
      const bytes = this.scratch.bytes
      for (let i = 0; i < n; i++) ids[i] = symbols[bytes[i]]
      return mergeCount(this.tables.pairs, ids, n)
    }
    let count = 0
    for (let i = start; i < end; i++) {
      let c = text.charCodeAt(i)
      let id = -1
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < end && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        id = this.astralId(0x10000 + ((c - 0xd800) << 10) + (text.charCodeAt(++i) - 0xdc00))
        c = text.codePointAt(i - 1)!
      } else {
        if (c === 0x20) c = 0x2581
        else if (c >= 0xd800 && c < 0xe000) c = 0xfffd
        id = symbols[256 + c]
      }
      if (id !== -1) {
        ids[count++] = id
        continue
      }
      // Byte fallback: the character's UTF-8 bytes as <0xXX> tokens.
      const bytes = this.char
      const length = utf8(c, bytes)
      for (let b = 0; b < length; b++) ids[count++] = symbols[bytes[b]]
    }
    return mergeCount(this.tables.pairs, ids, count)
  }

  /** The id of a character beyond the BMP, or -1 when it is no token. */
  private astralId (point: number): number {
    const length = utf8(point, this.char)
    const id = this.tables.words.find(this.char, 0, length, hashBytes(this.char, 0, length))
    return id >= this.spec.vocabSize ? -1 : id
  }
}

function utf8 (point: number, out: Uint8Array): number {
  if (point < 0x80) {
    out[0] = point
    return 1
  }
  if (point < 0x800) {
    out[0] = 0xc0 | (point >> 6)
    out[1] = 0x80 | (point & 0x3f)
    return 2
  }
  if (point < 0x10000) {
    out[0] = 0xe0 | (point >> 12)
    out[1] = 0x80 | ((point >> 6) & 0x3f)
    out[2] = 0x80 | (point & 0x3f)
    return 3
  }
  out[0] = 0xf0 | (point >> 18)
  out[1] = 0x80 | ((point >> 12) & 0x3f)
  out[2] = 0x80 | ((point >> 6) & 0x3f)
  out[3] = 0x80 | (point & 0x3f)
  return 4
}

let nfcFlags: Uint8Array | null = null
const MARK = /\p{M}/u

/**
 * The characters NFC may change or compose with what precedes them (NFC_Quick_Check No or Maybe):
 * those NFC maps to something else, the marks, and the Hangul jamo. Text without any is already
 * NFC, and most text has none: normalising every gap would cost a copy of it.
 */
function flags (): Uint8Array {
  if (nfcFlags) return nfcFlags
  nfcFlags = new Uint8Array(65536)
  for (let c = 0x300; c < 65536; c++) {
    if (c >= 0xd800 && c < 0xe000) {
      nfcFlags[c] = 2 // beyond the BMP: the character is checked whole
      continue
    }
    const char = String.fromCharCode(c)
    if ((c >= 0x1100 && c < 0x1200) || MARK.test(char) || char.normalize('NFC') !== char) nfcFlags[c] = 1
  }
  return nfcFlags
}

const astral = new Map<number, boolean>()

/** Whether NFC could change text[from, to). */
function needsNfc (text: string, from: number, to: number): boolean {
  const table = flags()
  for (let i = from; i < to; i++) {
    const flag = table[text.charCodeAt(i)]
    if (flag === 0) continue
    if (flag === 1) return true
    const point = i + 1 < to ? text.codePointAt(i)! : 0
    if (point < 0x10000) return true // a lone surrogate
    let changes = astral.get(point)
    if (changes === undefined) {
      const char = String.fromCodePoint(point)
      changes = MARK.test(char) || char.normalize('NFC') !== char
      astral.set(point, changes)
    }
    if (changes) return true
    i++
  }
  return false
}
