/**
 * A piece of text as UTF-8 bytes in a reused scratch buffer, hashed in the same pass (the hash
 * of rank-table.ts), so that looking a piece up in a table allocates nothing: the encodings'
 * pieces (counter.ts) and the models' words (models/counter.ts).
 */

import { finishHash, HASH_PRIME, HASH_SEED } from './rank-table.js'

/** U+2581, SentencePiece's space, as UTF-8. */
const SPACE_MARK = [0xe2, 0x96, 0x81]

export class Utf8Scratch {
  bytes = new Uint8Array(1024)
  /** The hash of the bytes the last encode wrote. */
  hash = 0

  /**
   * Writes text[start, end) as UTF-8 (a lone surrogate as U+FFFD) and returns its length;
   * `spaceMark` writes each space as U+2581 (Gemma's normaliser).
   */
  encode (text: string, start: number, end: number, spaceMark = false): number {
    if ((end - start) * 3 > this.bytes.length) this.bytes = new Uint8Array(Math.max(2 * this.bytes.length, (end - start) * 3))
    const bytes = this.bytes
    let h = HASH_SEED
    let n = 0
    for (let i = start; i < end; i++) {
      let c = text.charCodeAt(i)
      if (c < 0x80 && !(spaceMark && c === 0x20)) {
        bytes[n++] = c
        h = Math.imul(h ^ c, HASH_PRIME)
        continue
      }
      if (c < 0x800 && c !== 0x20) {
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
      let b1, b2, b3
      if (c === 0x20) {
        [b1, b2, b3] = SPACE_MARK
      } else {
        if (c >= 0xd800 && c < 0xe000) c = 0xfffd
        b1 = 0xe0 | (c >> 12)
        b2 = 0x80 | ((c >> 6) & 0x3f)
        b3 = 0x80 | (c & 0x3f)
      }
      bytes[n++] = b1
      bytes[n++] = b2
      bytes[n++] = b3
      h = Math.imul(Math.imul(Math.imul(h ^ b1, HASH_PRIME) ^ b2, HASH_PRIME) ^ b3, HASH_PRIME)
    }
    this.hash = finishHash(h)
    return n
  }

  /** Drops a huge piece's buffer rather than keeping it. */
  shrink (): void {
    if (this.bytes.length > 1 << 20) this.bytes = new Uint8Array(1024)
  }
}
