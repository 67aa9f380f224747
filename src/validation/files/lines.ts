import { LeadingBom } from './bom.js'
/** What the line reader hands on, in file order. Line numbers are 1-based physical lines. */
export interface LineSink {
  bom: () => void
  /** `count` blank lines from `line` on. */
  blank: (line: number, count: number) => void
  tooLong: (line: number, bytes: number) => void
  /** bytes may point into the reader's chunk: copy it to keep it past the call. */
  record: (line: number, bytes: Buffer) => void
}

const LF = 10
const CR = 13
const SPACE = 32
const TAB = 9

function isBlank (bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]
    if (byte !== SPACE && byte !== TAB) return false
  }
  return true
}

/**
 * Bytes → lines, following the contract: only `\n` ends a line and a `\r` right before it is
 * dropped; a BOM is skipped only at byte 0; a line longer than maxLineBytes is reported by
 * length and never buffered past the limit, so memory stays bounded whatever the input.
 */
export class LineReader {
  lines = 0
  private parts: Buffer[] = []
  private length = 0
  private lastByte = -1
  private overflow = false
  private readonly bom: LeadingBom

  constructor (private readonly sink: LineSink, private readonly maxLineBytes: number) {
    this.bom = new LeadingBom(() => sink.bom())
  }

  push (chunk: Buffer): void {
    const body = this.bom.take(chunk)
    if (body === null) return
    chunk = body
    let start = 0
    for (;;) {
      if (this.length === 0 && chunk[start] === LF) {
        // A run of empty lines (a gzip bomb of newlines, say): counted in one step.
        let end = start + 1
        while (end < chunk.length && chunk[end] === LF) end++
        this.sink.blank(this.lines + 1, end - start)
        this.lines += end - start
        start = end
        continue
      }
      const newline = chunk.indexOf(LF, start)
      if (newline === -1) {
        this.append(chunk.subarray(start))
        return
      }
      this.append(chunk.subarray(start, newline))
      this.finishLine(true)
      start = newline + 1
    }
  }

  end (): void {
    const rest = this.bom.rest()
    if (rest !== null) this.push(rest)
    if (this.length > 0) this.finishLine(false)
  }

  private append (segment: Buffer): void {
    if (segment.length === 0) return
    this.length += segment.length
    this.lastByte = segment[segment.length - 1]
    if (this.overflow) return
    // One byte of slack: a `\r` before the `\n` is not part of the line.
    if (this.length > this.maxLineBytes + 1) {
      this.overflow = true
      this.parts = []
      return
    }
    this.parts.push(segment)
  }

  private finishLine (endedByNewline: boolean): void {
    this.lines++
    const line = this.lines
    const droppedCr = endedByNewline && this.lastByte === CR ? 1 : 0
    const contentLength = this.length - droppedCr
    const parts = this.parts
    this.parts = []
    this.length = 0
    this.lastByte = -1
    const overflow = this.overflow
    this.overflow = false
    if (overflow || contentLength > this.maxLineBytes) {
      this.sink.tooLong(line, contentLength)
      return
    }
    const whole = parts.length === 1 ? parts[0] : Buffer.concat(parts)
    const bytes = droppedCr ? whole.subarray(0, contentLength) : whole
    if (isBlank(bytes)) this.sink.blank(line, 1)
    else this.sink.record(line, bytes)
  }
}
