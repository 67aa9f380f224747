/**
 * The merges' heap (bpe.ts for the encodings, models/merge.ts for the models): a binary min-heap
 * of numeric keys (rank × 2^32 + position) in one Float64Array, 8 bytes a pair.
 */
export class KeyHeap {
  private keys: Float64Array
  size = 0

  constructor (capacity: number) {
    this.keys = new Float64Array(Math.max(16, capacity))
  }

  /** Adds a key without ordering: call heapify() before the first pop. */
  add (key: number): void {
    this.keys[this.size++] = key
  }

  heapify (): void {
    for (let i = (this.size >> 1) - 1; i >= 0; i--) this.siftDown(i)
  }

  push (key: number): void {
    if (this.size === this.keys.length) {
      const grown = new Float64Array(Math.ceil(this.keys.length * 1.5))
      grown.set(this.keys)
      this.keys = grown
    }
    const keys = this.keys
    let i = this.size++
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (keys[parent] <= key) break
      keys[i] = keys[parent]
      i = parent
    }
    keys[i] = key
  }

  pop (): number {
    const keys = this.keys
    const top = keys[0]
    this.size--
    if (this.size > 0) {
      keys[0] = keys[this.size]
      this.siftDown(0)
    }
    return top
  }

  private siftDown (i: number): void {
    const keys = this.keys
    const size = this.size
    const key = keys[i]
    for (;;) {
      let child = 2 * i + 1
      if (child >= size) break
      if (child + 1 < size && keys[child + 1] < keys[child]) child++
      if (keys[child] >= key) break
      keys[i] = keys[child]
      i = child
    }
    keys[i] = key
  }
}
