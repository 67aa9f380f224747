/**
 * A BPE model's merges as one flat table over a SharedArrayBuffer: (left id, right id) →
 * (merge rank, merged id), open addressing with the four numbers of a slot side by side (one
 * cache line a probe). Like the encodings' rank tables (rank-table.ts), it is written by the
 * build and shared by every analysis thread.
 *
 * Layout (little-endian int32): a header of HEADER_INTS (magic, version, capacity, count),
 * then capacity slots of [left, right, rank, merged] (left -1: empty).
 */

const MAGIC = 0x5250454d
const VERSION = 1
const HEADER_INTS = 4
const SLOT = 4

export class PairTableError extends Error {}

function pairHash (left: number, right: number): number {
  let h = Math.imul(left, 0x9e3779b1) ^ Math.imul(right + 0x7f4a7c15, 0x85ebca77)
  h ^= h >>> 15
  h = Math.imul(h, 0x2c1b3c6d)
  h ^= h >>> 12
  return h >>> 0
}

export class PairTable {
  readonly buffer: SharedArrayBuffer
  readonly capacity: number
  readonly count: number
  private readonly slots: Int32Array
  private readonly mask: number

  constructor (buffer: SharedArrayBuffer) {
    if (buffer.byteLength < HEADER_INTS * 4) throw new PairTableError('the merge table is truncated')
    const [magic, version, capacity, count] = new Int32Array(buffer, 0, HEADER_INTS)
    if (magic !== MAGIC) throw new PairTableError('the file is not a merge table')
    if (version !== VERSION) throw new PairTableError(`the merge table has version ${version}, this build reads version ${VERSION}`)
    if (capacity <= 0 || (capacity & (capacity - 1)) !== 0 || count < 0 || count >= capacity) throw new PairTableError('the merge table header is damaged')
    if (buffer.byteLength !== (HEADER_INTS + capacity * SLOT) * 4) throw new PairTableError('the merge table\'s size does not match its header')
    this.buffer = buffer
    this.capacity = capacity
    this.count = count
    this.slots = new Int32Array(buffer, HEADER_INTS * 4, capacity * SLOT)
    this.mask = capacity - 1
  }

  /** Builds the table from the merges in rank order: merges[r] = [left id, right id, merged id]. */
  static fromMerges (merges: ReadonlyArray<readonly [number, number, number]>): PairTable {
    let capacity = 1024
    while (capacity < merges.length * 2) capacity *= 2 // load factor at most 0.5
    const buffer = new SharedArrayBuffer((HEADER_INTS + capacity * SLOT) * 4)
    new Int32Array(buffer, 0, HEADER_INTS).set([MAGIC, VERSION, capacity, 0])
    const slots = new Int32Array(buffer, HEADER_INTS * 4, capacity * SLOT)
    for (let i = 0; i < capacity; i++) slots[i * SLOT] = -1
    const mask = capacity - 1
    let count = 0
    merges.forEach(([left, right, merged], rank) => {
      let slot = pairHash(left, right) & mask
      for (; slots[slot * SLOT] !== -1; slot = (slot + 1) & mask) {
        // A pair listed twice keeps its last rank, as the reference's map (collected in rank order) does.
        if (slots[slot * SLOT] === left && slots[slot * SLOT + 1] === right) {
          slots[slot * SLOT + 2] = rank
          slots[slot * SLOT + 3] = merged
          return
        }
      }
      slots.set([left, right, rank, merged], slot * SLOT)
      count++
    })
    new Int32Array(buffer, 0, HEADER_INTS)[3] = count
    return new PairTable(buffer)
  }

  /** The slot of the pair, or -1 when the pair is no merge. */
  find (left: number, right: number): number {
    const slots = this.slots
    for (let slot = pairHash(left, right) & this.mask; ; slot = (slot + 1) & this.mask) {
      const at = slot * SLOT
      const l = slots[at]
      if (l === -1) return -1
      if (l === left && slots[at + 1] === right) return at
    }
  }

  /** The rank of merging left and right, or -1. */
  rank (left: number, right: number): number {
    const at = this.find(left, right)
    return at === -1 ? -1 : this.slots[at + 2]
  }

  /** The id the merge of left and right makes (the pair must be a merge). */
  merged (left: number, right: number): number {
    return this.slots[this.find(left, right) + 3]
  }
}
