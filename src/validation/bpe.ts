/**
 * Byte-pair merging, counting the tokens a piece that is not itself a token merges into.
 *
 * tiktoken's merge rescans every pair after each merge: O(n²) in the length of one
 * pre-tokenised piece. That is the fastest for short pieces, but a 100 KB run of letters
 * would take 9 s and an 8 MiB line would never finish. Long pieces take a heap of
 * (rank, start) pairs with lazy invalidation instead: O(n log n). Both make tiktoken's
 * choices, always the lowest rank and the leftmost on ties, so the tokens are identical.
 */

import type { RankTable } from './rank-table.js'

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

/** Pieces of more bytes than this take the heap merge. */
export const SHORT_PIECE_BYTES = 96

const bounds = new Int32Array(SHORT_PIECE_BYTES + 1)
const pairRanks = new Int32Array(SHORT_PIECE_BYTES)

/** How many tokens bytes[0, n) merge into. */
export function mergeCount (table: RankTable, bytes: Uint8Array, n: number): number {
  return n > SHORT_PIECE_BYTES ? heapMergeCount(table, bytes, n) : shortMergeCount(table, bytes, n)
}

/** tiktoken's loop: the pair ranks are kept, each merge looks up only its two new pairs. */
function shortMergeCount (table: RankTable, bytes: Uint8Array, n: number): number {
  let parts = n
  for (let i = 0; i <= n; i++) bounds[i] = i
  for (let i = 0; i + 1 < n; i++) pairRanks[i] = table.rank(bytes, i, i + 2)
  for (;;) {
    let best = -1
    let at = -1
    for (let i = 0; i + 1 < parts; i++) {
      const rank = pairRanks[i]
      if (rank !== -1 && (best === -1 || rank < best)) {
        best = rank
        at = i
      }
    }
    if (at === -1) return parts
    // Parts `at` and `at + 1` become one: drop the boundary between them.
    for (let j = at + 1; j < parts; j++) bounds[j] = bounds[j + 1]
    for (let j = at + 1; j + 1 < parts - 1; j++) pairRanks[j] = pairRanks[j + 1]
    parts--
    if (at + 1 < parts) pairRanks[at] = table.rank(bytes, bounds[at], bounds[at + 2])
    if (at > 0) pairRanks[at - 1] = table.rank(bytes, bounds[at - 1], bounds[at + 1])
  }
}

function heapMergeCount (table: RankTable, bytes: Uint8Array, n: number): number {
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
    const found = table.rank(bytes, start, next[middle])
    return found === -1 ? Infinity : found
  }
  const update = (start: number) => {
    version[start]++
    rank[start] = rankAt(start)
    if (rank[start] !== Infinity) heap.push(rank[start], start, version[start])
  }
  for (let i = 0; i < n; i++) update(i)
  let parts = n
  while (heap.size > 0) {
    const [r, start, v] = heap.pop()
    if (version[start] !== v || rank[start] !== r) continue // stale: the pair changed since
    const removed = next[start]
    next[start] = next[removed]
    if (next[removed] <= n) prev[next[removed]] = start
    version[removed]++ // the removed start's pair entries are stale now
    rank[removed] = Infinity
    parts--
    update(start)
    if (prev[start] >= 0) update(prev[start])
  }
  return parts
}
