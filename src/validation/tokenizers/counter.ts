import { mergeCount } from './bpe.js'
import type { RankTable } from './rank-table.js'
import { Utf8Scratch } from './utf8.js'

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
  // The piece's UTF-8 bytes and hash, in one pass (utf8.ts).
  const scratch = new Utf8Scratch()
  // Counts of pieces that are not one token (merging costs far more than this lookup); when
  // full it starts again.
  const merged = new Map<string, number>()

  const countPiece = (text: string, start: number, end: number): number => {
    const n = scratch.encode(text, start, end)
    if (table.find(scratch.bytes, 0, n, scratch.hash) !== -1) return 1
    if (end - start > 64) return mergeCount(table, scratch.bytes, n)
    const piece = text.slice(start, end)
    let count = merged.get(piece)
    if (count === undefined) {
      count = mergeCount(table, scratch.bytes, n)
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
    scratch.shrink() // a huge piece's buffer is not kept
    return count
  }
}
