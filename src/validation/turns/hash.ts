/**
 * A 64-bit hash (two independent 32-bit lanes) of UTF-16 code units, fed in pieces: duplicates
 * are found by comparing these, never the texts. Plain JavaScript: a crypto hash object per
 * line and its calls into C++ cost more than the hashing (the birthday bound for a million
 * conversations is about 3 in 10^8, the same as any 64 bits).
 */
export class Hash64 {
  private a = 0x811c9dc5
  private b = 0x2545f491

  number (value: number): this {
    this.a = Math.imul(this.a ^ value, 0x01000193)
    this.b = Math.imul((this.b ^ value) + 0x7f4a7c15, 0x5bd1e995)
    this.b ^= this.b >>> 13
    return this
  }

  text (value: string): this {
    let a = this.a
    let b = this.b
    for (let i = 0; i < value.length; i++) {
      const unit = value.charCodeAt(i)
      a = Math.imul(a ^ unit, 0x01000193)
      b = Math.imul((b ^ unit) + 0x7f4a7c15, 0x5bd1e995)
      b ^= b >>> 13
    }
    this.a = a
    this.b = b
    return this
  }

  /** Both lanes through murmur3's finaliser, as unsigned 32-bit numbers. */
  digest (): [number, number] {
    const mix = (h: number) => {
      h ^= h >>> 16
      h = Math.imul(h, 0x85ebca6b)
      h ^= h >>> 13
      h = Math.imul(h, 0xc2b2ae35)
      return (h ^ (h >>> 16)) >>> 0
    }
    return [mix(this.a ^ Math.imul(this.b, 0x27d4eb2d)), mix(this.b + Math.imul(this.a, 0x165667b1))]
  }
}

/** The conversation id with its type (the string "1" and the number 1 differ). */
export function hashId (id: string | number): [number, number] {
  return new Hash64().number(typeof id === 'string' ? 1 : 2).text(String(id)).digest()
}

/**
 * The (role, content) sequence: each turn as its role's index and content's length, then the
 * content's code units (a lone surrogate stays itself), so no two different sequences share
 * an input.
 */
export function turnsHash (turns: Array<{ role: string, content: string }>, roleIndex: (role: string) => number): [number, number] {
  const hash = new Hash64()
  for (const turn of turns) hash.number(roleIndex(turn.role)).number(turn.content.length).text(turn.content)
  return hash.digest()
}
