/**
 * Token counts of a rendered chat template. The special tokens the template emitted are found
 * (leftmost-longest, as the reference matches added tokens), except inside the `plain` ranges,
 * where content put special-token strings that count as text. Everything between them counts as
 * ordinary text (counter.ts). Tokenisation never crosses a special token, so the count of any
 * prefix of the text is the counts of the pieces before it plus its last partial piece: that is
 * how trained tokens are counted without tokenizing each prefix again.
 */

import type { ModelCounter } from './counter.js'

export interface Range { start: number, end: number }

export class RenderedCount {
  readonly text: string
  /** Start and end of each special token the template emitted, in order. */
  readonly specialStarts: number[] = []
  readonly specialEnds: number[] = []
  /** Tokens of text[0, specialStarts[k]) for each k. */
  private readonly before: number[] = []
  readonly tokens: number
  private readonly counter: ModelCounter

  constructor (counter: ModelCounter, text: string, plain: readonly Range[] = []) {
    this.counter = counter
    this.text = text
    let count = 0
    let at = 0
    let from = 0
    if (plain.length === 0) {
      // One search finds the special and the other added tokens (they cannot overlap: tables.ts).
      const all = counter.allAdded
      for (let start = all.find(text, 0, text.length); start !== -1; start = all.find(text, at, text.length)) {
        if (start > at) count += counter.countGap(text, at, start)
        if (all.matchSecond) {
          this.specialStarts.push(start)
          this.specialEnds.push(all.matchEnd)
          this.before.push(count)
        }
        count++
        at = all.matchEnd
      }
      this.tokens = count + (at < text.length ? counter.countGap(text, at, text.length) : 0)
      return
    }
    for (;;) {
      const start = counter.specials.find(text, from, text.length)
      if (start === -1) break
      const end = counter.specials.matchEnd
      if (plain.some(range => start < range.end && end > range.start)) {
        from = start + 1
        continue
      }
      count += counter.countText(text, at, start)
      this.specialStarts.push(start)
      this.specialEnds.push(end)
      this.before.push(count)
      count++
      at = from = end
    }
    this.tokens = count + counter.countText(text, at, text.length)
  }

  /** The first special token the template emitted at or after `position`, or -1. */
  specialFrom (position: number): number {
    for (let k = 0; k < this.specialStarts.length; k++) if (this.specialStarts[k] >= position) return k
    return -1
  }

  /** Tokens of text[0, position), as the reference counts that prefix on its own. */
  tokensBefore (position: number): number {
    let k = 0
    while (k < this.specialEnds.length && this.specialEnds[k] <= position) k++
    const base = k === 0 ? 0 : this.before[k - 1] + 1
    const from = k === 0 ? 0 : this.specialEnds[k - 1]
    return base + this.counter.countText(this.text, from, position)
  }

  /** Tokens through the end of special token k. */
  tokensThrough (k: number): number {
    return this.before[k] + 1
  }
}
