import type { Role, Turn } from './turn.js'

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

const ROLE_CODE = new Map<Role, number>([['system', 0], ['user', 1], ['assistant', 2], ['tool', 3]])

/**
 * The turns as duplicate_conversation compares them: role, content and tool calls (name and
 * arguments), in order. Each text goes in after its length, so no two different sequences
 * share an input; a lone surrogate stays itself.
 */
export function conversationHash (turns: readonly Turn[]): [number, number] {
  const hash = new Hash64()
  for (const turn of turns) {
    hash.number(ROLE_CODE.get(turn.role)!).number(turn.content.length).text(turn.content)
    const calls = turn.tool_calls
    hash.number(calls === null ? 0 : calls.length)
    if (calls !== null) {
      for (const call of calls) hash.number(call.name.length).text(call.name).number(call.arguments.length).text(call.arguments)
    }
  }
  return hash.digest()
}

/** A `text` record: its text alone (another kind of input than any list of turns). */
export function textHash (text: string): [number, number] {
  return new Hash64().number(7).number(text.length).text(text).digest()
}
