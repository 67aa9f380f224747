/**
 * `packed_sequences` (dataset-format.md, "Statistics"): how many sequences of `limit` tokens the
 * conversations within the limit fill, packed first-fit decreasing (largest first; each goes
 * to the first sequence with room, else a new one). Equal sizes are interchangeable, so the
 * count does not depend on how ties are ordered. A max tree over the sequences' room finds
 * the first sequence with room in O(log n): O(n log n) for n conversations.
 */
export function packedSequences (ascending: Uint32Array, limit: number): number {
  let end = ascending.length
  while (end > 0 && ascending[end - 1] > limit) end--
  if (end === 0) return 0
  let leaves = 1
  while (leaves < end) leaves *= 2
  // Unopened sequences have all their room, so the first with room is always found.
  const room = new Float64Array(2 * leaves).fill(limit)
  let used = 0
  for (let i = end - 1; i >= 0; i--) {
    const size = ascending[i]
    let node = 1
    while (node < leaves) node = room[2 * node] >= size ? 2 * node : 2 * node + 1
    const sequence = node - leaves
    if (sequence >= used) used = sequence + 1
    room[node] -= size
    for (node >>= 1; node >= 1; node >>= 1) room[node] = Math.max(room[2 * node], room[2 * node + 1])
  }
  return used
}
