import { mergeCount } from './bpe.js'
import { finishHash, HASH_PRIME, HASH_SEED, type RankTable } from './rank-table.js'

/**
 * countTokens(text) as tiktoken's encode_ordinary counts it: the encoding's pre-tokenising
 * regex, then each piece is one token when its UTF-8 bytes are a token, else it is merged
 * byte pair by byte pair. The piece is encoded and hashed in one pass into a scratch buffer,
 * so a piece that is a token (nine in ten) allocates nothing. Tested equal to tiktoken.
 */
export function tableCounter (table: RankTable, split: RegExp, cacheSize: number): (text: string) => number {
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
