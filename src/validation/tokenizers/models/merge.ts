/**
 * Hugging Face's BPE merge (tokenizers' Word::merge_all), counting the symbols a word ends as:
 * the symbols are token ids, the pair of lowest merge rank merges first, the leftmost of equal
 * ranks first. A rank names one pair, and the text a position's pair spans only grows, so an
 * entry whose rank still matches its position's pair is current: the reference's check of the
 * merged id accepts the same entries.
 *
 * Short words take a rescanning loop (fastest for a few symbols); long ones a heap of
 * (rank, position) keys: O(n log n), as a word can be a whole paragraph (Gemma 3's words are
 * split at spaces only, and CJK text has none).
 */

import { KeyHeap } from '../key-heap.js'
import type { PairTable } from './pair-table.js'

export const SHORT_WORD = 96

const shortIds = new Int32Array(SHORT_WORD)
const shortRanks = new Int32Array(SHORT_WORD)

/** How many symbols ids[0, n) merge into (ids is overwritten). */
export function mergeCount (pairs: PairTable, ids: Int32Array, n: number): number {
  return n > SHORT_WORD ? heapMergeCount(pairs, ids, n) : shortMergeCount(pairs, ids, n)
}

function shortMergeCount (pairs: PairTable, input: Int32Array, n: number): number {
  const ids = shortIds
  const ranks = shortRanks
  for (let i = 0; i < n; i++) ids[i] = input[i]
  for (let i = 0; i + 1 < n; i++) ranks[i] = pairs.rank(ids[i], ids[i + 1])
  let parts = n
  for (;;) {
    let best = -1
    let at = -1
    for (let i = 0; i + 1 < parts; i++) {
      const rank = ranks[i]
      if (rank !== -1 && (best === -1 || rank < best)) {
        best = rank
        at = i
      }
    }
    if (at === -1) return parts
    ids[at] = pairs.merged(ids[at], ids[at + 1])
    for (let j = at + 1; j + 1 < parts; j++) ids[j] = ids[j + 1]
    for (let j = at + 1; j + 2 < parts; j++) ranks[j] = ranks[j + 1]
    parts--
    if (at + 1 < parts) ranks[at] = pairs.rank(ids[at], ids[at + 1])
    if (at > 0) ranks[at - 1] = pairs.rank(ids[at - 1], ids[at])
  }
}

// A heap key: rank * 2^32 + position, so keys order by rank, then position (exact below 2^53).
const POSITION_SPAN = 2 ** 32

function heapMergeCount (pairs: PairTable, ids: Int32Array, n: number): number {
  const next = new Int32Array(n)
  const prev = new Int32Array(n)
  const rank = new Int32Array(n).fill(-1) // the rank of the pair starting here; -1: none
  const heap = new KeyHeap(n)
  for (let i = 0; i < n; i++) {
    next[i] = i + 1 < n ? i + 1 : -1
    prev[i] = i - 1
  }
  for (let i = 0; i + 1 < n; i++) {
    const found = pairs.rank(ids[i], ids[i + 1])
    rank[i] = found
    if (found !== -1) heap.add(found * POSITION_SPAN + i)
  }
  heap.heapify()
  const update = (at: number) => {
    const right = next[at]
    const found = right === -1 ? -1 : pairs.rank(ids[at], ids[right])
    rank[at] = found
    if (found !== -1) heap.push(found * POSITION_SPAN + at)
  }
  let parts = n
  while (heap.size > 0) {
    const key = heap.pop()
    const at = key % POSITION_SPAN
    if (rank[at] !== (key - at) / POSITION_SPAN) continue // stale
    const right = next[at]
    ids[at] = pairs.merged(ids[at], ids[right])
    next[at] = next[right]
    if (next[right] !== -1) prev[next[right]] = at
    rank[right] = -1
    parts--
    update(at)
    if (prev[at] >= 0) update(prev[at])
  }
  return parts
}
