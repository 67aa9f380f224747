/**
 * 64-bit hash → line number, in two typed arrays: about 24 bytes per entry at most, whatever
 * the size of the ids or conversations hashed (a Map of strings would grow with the input).
 */
export class HashLineMap {
  private keys: Uint32Array // pairs (hi, lo); (0, 0) marks an empty slot
  private lines: Uint32Array
  private size = 0

  constructor (capacity = 1024) {
    this.keys = new Uint32Array(capacity * 2)
    this.lines = new Uint32Array(capacity)
  }

  /** The line recorded for this hash, or 0 after recording `line` for it. */
  firstLineOrAdd (hi: number, lo: number, line: number): number {
    if (hi === 0 && lo === 0) lo = 1
    if ((this.size + 1) * 2 > this.lines.length) this.grow()
    const mask = this.lines.length - 1
    let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask
    for (;;) {
      const h = this.keys[slot * 2]
      const l = this.keys[slot * 2 + 1]
      if (h === 0 && l === 0) {
        this.keys[slot * 2] = hi
        this.keys[slot * 2 + 1] = lo
        this.lines[slot] = line
        this.size++
        return 0
      }
      if (h === hi && l === lo) return this.lines[slot]
      slot = (slot + 1) & mask
    }
  }

  private grow (): void {
    const oldKeys = this.keys
    const oldLines = this.lines
    this.keys = new Uint32Array(oldKeys.length * 2)
    this.lines = new Uint32Array(oldLines.length * 2)
    this.size = 0
    for (let i = 0; i < oldLines.length; i++) {
      const hi = oldKeys[i * 2]
      const lo = oldKeys[i * 2 + 1]
      if (hi !== 0 || lo !== 0) this.firstLineOrAdd(hi, lo, oldLines[i])
    }
  }
}
