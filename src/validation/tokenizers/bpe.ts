/**
 * Byte-pair merging, counting the tokens a piece that is not itself a token merges into.
 *
 * tiktoken's merge rescans every pair after each merge: O(n²) in the length of one
 * pre-tokenised piece. That is the fastest for short pieces, but a 100 KB run of letters
 * would take 9 s and an 8 MiB line would never finish. Long pieces take a heap of
 * (rank, start) pairs with lazy invalidation instead: O(n log n). Both make tiktoken's
 * choices, always the lowest rank and the leftmost on ties, so the tokens are identical.
 */

import { KeyHeap } from './key-heap.js'
import type { RankTable } from './rank-table.js'

// A pair as one number: rank * 2^32 + start. Ordering these orders by rank, then by start
// (tiktoken's choice: the lowest rank, the leftmost on ties); exact up to 2^53.
const START_SPAN = 2 ** 32

/** Pieces of more bytes than this take the heap merge. */
export const SHORT_PIECE_BYTES = 96

const bounds = new Int32Array(SHORT_PIECE_BYTES + 1)
const pairRanks = new Int32Array(SHORT_PIECE_BYTES)

/** How many tokens bytes[0, n) merge into. */
export function mergeCount (table: RankTable, bytes: Uint8Array, n: number): number {
  return n > SHORT_PIECE_BYTES ? heapMergeCount(table, bytes, n) : shortMergeCount(table, bytes, n)
}

/** tiktoken's loop: the pair ranks are kept, each merge looks up only its two new pairs. */
export function shortMergeCount (table: RankTable, bytes: Uint8Array, n: number): number {
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

/**
 * The parts form a linked list over the bytes; each part's pair with its right neighbour is
 * in the heap under its rank. An entry is stale when its part's pair has another rank now
 * (or none): equal ranks mean equal bytes, so an entry whose rank still matches is the
 * current pair. About 20 bytes of memory per byte of the piece.
 */
export function heapMergeCount (table: RankTable, bytes: Uint8Array, n: number): number {
  const next = new Int32Array(n + 1)
  const prev = new Int32Array(n + 1)
  const rank = new Int32Array(n + 1).fill(-1) // the rank of the pair starting here, -1: none
  const heap = new KeyHeap(n)
  for (let i = 0; i <= n; i++) {
    next[i] = i + 1
    prev[i] = i - 1
  }
  for (let i = 0; i + 1 < n; i++) {
    const found = table.rank(bytes, i, i + 2)
    rank[i] = found
    if (found !== -1) heap.add(found * START_SPAN + i)
  }
  heap.heapify()
  const update = (start: number) => {
    const middle = next[start]
    const found = middle >= n ? -1 : table.rank(bytes, start, next[middle])
    rank[start] = found
    if (found !== -1) heap.push(found * START_SPAN + start)
  }
  let parts = n
  while (heap.size > 0) {
    const key = heap.pop()
    const start = key % START_SPAN
    if (rank[start] !== (key - start) / START_SPAN) continue // stale
    const removed = next[start]
    next[start] = next[removed]
    prev[next[removed]] = start
    rank[removed] = -1
    parts--
    update(start)
    if (prev[start] >= 0) update(prev[start])
  }
  return parts
}
