/**
 * An encoding's byte-pair ranks as one flat, read-only table keyed by the tokens' UTF-8 bytes:
 * open addressing over a SharedArrayBuffer. `npm run build` writes it to a file, so a thread
 * has its tokenizer as soon as the file is read (no JSON to parse, no 200,000-entry Map to
 * build, nothing for the garbage collector to mark), and the analysis threads of a process
 * share one copy.
 *
 * Layout (little-endian, 4-byte aligned): a header of HEADER_INTS int32 (magic, version,
 * capacity, rank count, pool bytes), then int32 slotRank[capacity] (-1: empty),
 * uint32 slotHash[capacity], int32 offsets[rankCount + 1] (token r is pool[offsets[r],
 * offsets[r + 1])), uint8 pool[poolBytes].
 */

const MAGIC = 0x4b4e5254
// Bumped whenever the layout or hashBytes changes: a table of another version is refused.
const VERSION = 1
const HEADER_INTS = 8

export const HASH_SEED = 0x811c9dc5
export const HASH_PRIME = 0x01000193

/** The hash of bytes[from, to): FNV-1a over the bytes, then a finaliser for the low bits. */
export function hashBytes (bytes: Uint8Array, from: number, to: number): number {
  let h = HASH_SEED
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i], HASH_PRIME)
  return finishHash(h)
}

/** The last step of hashBytes, for callers that feed the bytes themselves. */
export function finishHash (h: number): number {
  h ^= h >>> 15
  h = Math.imul(h, 0x2c1b3c6d)
  h ^= h >>> 12
  return h >>> 0
}

export class RankTableError extends Error {}

/** One of gpt-tokenizer's rank lists: rank → the token's text, or its bytes when not UTF-8. */
export type RankList = ReadonlyArray<string | readonly number[] | undefined>

export class RankTable {
  readonly buffer: SharedArrayBuffer
  readonly capacity: number
  readonly rankCount: number
  readonly slotRank: Int32Array
  readonly slotHash: Uint32Array
  readonly offsets: Int32Array
  readonly pool: Uint8Array

  /**
   * `check`: whether to check the slots and that the hashes match (a few ms): false for a
   * buffer another thread has checked, and while fromRanks is still filling the slots.
   */
  constructor (buffer: SharedArrayBuffer, check = true) {
    if (buffer.byteLength < HEADER_INTS * 4) throw new RankTableError('the rank table is truncated')
    const header = new Int32Array(buffer, 0, HEADER_INTS)
    const [magic, version, capacity, rankCount, poolBytes] = header
    if (magic !== MAGIC) throw new RankTableError('the file is not a rank table')
    if (version !== VERSION) throw new RankTableError(`the rank table has version ${version}, this build reads version ${VERSION}`)
    if (capacity <= 0 || (capacity & (capacity - 1)) !== 0 || rankCount <= 0 || rankCount >= capacity || poolBytes < 0) {
      throw new RankTableError('the rank table header is damaged')
    }
    const expected = (HEADER_INTS + 2 * capacity + rankCount + 1) * 4 + poolBytes
    if (buffer.byteLength !== expected) throw new RankTableError(`the rank table holds ${buffer.byteLength} bytes, its header says ${expected}`)
    this.buffer = buffer
    this.capacity = capacity
    this.rankCount = rankCount
    let at = HEADER_INTS * 4
    this.slotRank = new Int32Array(buffer, at, capacity)
    at += capacity * 4
    this.slotHash = new Uint32Array(buffer, at, capacity)
    at += capacity * 4
    this.offsets = new Int32Array(buffer, at, rankCount + 1)
    at += (rankCount + 1) * 4
    this.pool = new Uint8Array(buffer, at, poolBytes)
    if (!check) return
    if (this.offsets[rankCount] !== poolBytes) throw new RankTableError('the rank table\'s offsets are damaged')
    // Every slot holds no rank or a rank in range, and some are empty (a lookup stops at one).
    let empty = 0
    for (let slot = 0; slot < capacity; slot++) {
      const rank = this.slotRank[slot]
      if (rank === -1) empty++
      else if (rank < 0 || rank >= rankCount) throw new RankTableError('the rank table\'s slots are damaged')
    }
    if (empty === 0) throw new RankTableError('the rank table has no empty slot')
    this.checkBytes()
  }

  /**
   * Every single byte is a token of every encoding: a table whose hashes were laid out by
   * another hashBytes finds none of them, and would count every piece wrong.
   */
  private checkBytes (): void {
    const byte = new Uint8Array(1)
    for (let value = 0; value < 256; value++) {
      byte[0] = value
      if (this.rank(byte, 0, 1) === -1) throw new RankTableError(`the rank table does not find the byte ${value}: it was written with another hash`)
    }
  }

  /** Builds the table from a rank list (at build time, or when running from source). */
  static fromRanks (ranks: RankList): RankTable {
    const encoder = new TextEncoder()
    const tokens = Array.from(ranks, value => value === undefined ? null : typeof value === 'string' ? encoder.encode(value) : Uint8Array.from(value))
    const rankCount = tokens.length
    let poolBytes = 0
    for (const token of tokens) poolBytes += token?.length ?? 0
    let capacity = 1024
    while (capacity < rankCount * 2.5) capacity *= 2 // load factor under 0.4: short probes
    const buffer = new SharedArrayBuffer((HEADER_INTS + 2 * capacity + rankCount + 1) * 4 + poolBytes)
    new Int32Array(buffer, 0, HEADER_INTS).set([MAGIC, VERSION, capacity, rankCount, poolBytes])
    let at = (HEADER_INTS + 2 * capacity) * 4
    const offsets = new Int32Array(buffer, at, rankCount + 1)
    at += (rankCount + 1) * 4
    const pool = new Uint8Array(buffer, at, poolBytes)
    let end = 0
    for (let rank = 0; rank < rankCount; rank++) {
      offsets[rank] = end
      const token = tokens[rank]
      if (token) {
        pool.set(token, end)
        end += token.length
      }
    }
    offsets[rankCount] = end
    new Int32Array(buffer, HEADER_INTS * 4, capacity).fill(-1)
    const table = new RankTable(buffer, false)
    const mask = capacity - 1
    for (let rank = 0; rank < rankCount; rank++) {
      const token = tokens[rank]
      if (!token || token.length === 0) continue
      const hash = hashBytes(token, 0, token.length)
      if (table.find(token, 0, token.length, hash) !== -1) continue // the same bytes twice: the lower rank stands
      let slot = hash & mask
      while (table.slotRank[slot] !== -1) slot = (slot + 1) & mask
      table.slotRank[slot] = rank
      table.slotHash[slot] = hash
    }
    return new RankTable(buffer)
  }

  /** The rank of bytes[from, to), whose hashBytes is `hash`; -1 when no token has these bytes. */
  find (bytes: Uint8Array, from: number, to: number, hash: number): number {
    const { slotRank, slotHash, offsets, pool } = this
    const mask = this.capacity - 1
    const length = to - from
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const rank = slotRank[slot]
      if (rank === -1) return -1
      if (slotHash[slot] !== hash) continue
      const start = offsets[rank]
      if (offsets[rank + 1] - start !== length) continue
      let i = 0
      while (i < length && pool[start + i] === bytes[from + i]) i++
      if (i === length) return rank
    }
  }

  /** The rank of bytes[from, to), or -1. */
  rank (bytes: Uint8Array, from: number, to: number): number {
    return this.find(bytes, from, to, hashBytes(bytes, from, to))
  }
}
