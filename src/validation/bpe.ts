/**
 * Byte-pair merging in O(n log n) for long pieces.
 *
 * tiktoken's merge (and gpt-tokenizer's copy of it) rescans every pair after each merge:
 * O(n²) in the length of one pre-tokenised piece. A 100 KB run of letters takes 9 s and an
 * 8 MiB line would never finish. This merge makes the same choices, always the lowest rank
 * and the leftmost on ties, with a heap of (rank, start) pairs and lazy invalidation, so the
 * tokens are identical and the time is bounded.
 */

/** Rank of a byte sequence, keyed by its latin1 string (one char per byte): a plain Map lookup. */
export type LatinRanks = Map<string, number>

class PairHeap {
  private ranks = new Float64Array(64)
  private starts = new Int32Array(64)
  private versions = new Int32Array(64)
  size = 0

  private less (a: number, b: number): boolean {
    return this.ranks[a] < this.ranks[b] || (this.ranks[a] === this.ranks[b] && this.starts[a] < this.starts[b])
  }

  private swap (a: number, b: number): void {
    const r = this.ranks[a]; this.ranks[a] = this.ranks[b]; this.ranks[b] = r
    const s = this.starts[a]; this.starts[a] = this.starts[b]; this.starts[b] = s
    const v = this.versions[a]; this.versions[a] = this.versions[b]; this.versions[b] = v
  }

  push (rank: number, start: number, version: number): void {
    if (this.size === this.ranks.length) {
      const grow = <T extends Float64Array | Int32Array>(old: T, make: (n: number) => T): T => { const next = make(old.length * 2); next.set(old); return next }
      this.ranks = grow(this.ranks, n => new Float64Array(n))
      this.starts = grow(this.starts, n => new Int32Array(n))
      this.versions = grow(this.versions, n => new Int32Array(n))
    }
    let i = this.size++
    this.ranks[i] = rank
    this.starts[i] = start
    this.versions[i] = version
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.less(i, parent)) break
      this.swap(i, parent)
      i = parent
    }
  }

  /** Removes the top; returns [rank, start, version]. */
  pop (): [number, number, number] {
    const top: [number, number, number] = [this.ranks[0], this.starts[0], this.versions[0]]
    this.size--
    if (this.size > 0) {
      this.swap(0, this.size)
      let i = 0
      for (;;) {
        const left = 2 * i + 1
        const right = left + 1
        let smallest = i
        if (left < this.size && this.less(left, smallest)) smallest = left
        if (right < this.size && this.less(right, smallest)) smallest = right
        if (smallest === i) break
        this.swap(i, smallest)
        i = smallest
      }
    }
    return top
  }
}

export function heapBytePairMerge (ranks: LatinRanks, piece: Uint8Array): number[] {
  const n = piece.length
  const bytes = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength)
  const next = new Int32Array(n + 1)
  const prev = new Int32Array(n + 1)
  const version = new Int32Array(n + 1)
  const rank = new Float64Array(n + 1)
  for (let i = 0; i <= n; i++) {
    next[i] = i + 1
    prev[i] = i - 1
  }
  const heap = new PairHeap()
  const rankAt = (start: number): number => {
    const middle = next[start]
    if (middle >= n) return Infinity
    return ranks.get(bytes.toString('latin1', start, next[middle])) ?? Infinity
  }
  const update = (start: number) => {
    version[start]++
    rank[start] = rankAt(start)
    if (rank[start] !== Infinity) heap.push(rank[start], start, version[start])
  }
  for (let i = 0; i < n; i++) update(i)
  while (heap.size > 0) {
    const [r, start, v] = heap.pop()
    if (version[start] !== v || rank[start] !== r) continue // stale: the pair changed since
    const removed = next[start]
    next[start] = next[removed]
    if (next[removed] <= n) prev[next[removed]] = start
    version[removed]++ // the removed start's pair entries are stale now
    rank[removed] = Infinity
    update(start)
    if (prev[start] >= 0) update(prev[start])
  }
  const tokens: number[] = []
  for (let start = 0; start < n; start = next[start]) {
    const token = ranks.get(bytes.toString('latin1', start, next[start]))
    if (token === undefined) throw new Error('byte-pair merge left a piece outside the vocabulary')
    tokens.push(token)
  }
  return tokens
}

/** Pieces longer than this (in UTF-16 units) take the heap merge and skip the merge cache. */
export const LONG_PIECE = 256

interface EncodingCore {
  bytePairEncode: (input: string) => number[]
  /** rank → its text, or its bytes when they are not valid UTF-8 (may have holes). */
  bytePairRankDecoder: Array<string | number[] | Uint8Array | undefined>
}

function latinRanks (core: EncodingCore): LatinRanks {
  const ranks: LatinRanks = new Map()
  core.bytePairRankDecoder.forEach((value, rank) => {
    if (value === undefined) return
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value)
    ranks.set(bytes.toString('latin1', 0, bytes.length), rank)
  })
  return ranks
}

/** Patches a gpt-tokenizer encoding so long pieces are merged in O(n log n) and never cached. */
export function withFastLongPieces (encoding: unknown): void {
  const core = (encoding as { bytePairEncodingCoreProcessor: EncodingCore }).bytePairEncodingCoreProcessor
  const original = core.bytePairEncode.bind(core)
  let ranks: LatinRanks | null = null // built on the first long piece: most files never need it
  core.bytePairEncode = (input: string) => {
    if (input.length <= LONG_PIECE) return original(input)
    ranks ??= latinRanks(core)
    return heapBytePairMerge(ranks, Buffer.from(input, 'utf8'))
  }
}
