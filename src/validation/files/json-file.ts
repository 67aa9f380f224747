import { LineReader, type LineSink } from './lines.js'
import { JsonArrayReader, type JsonArraySink } from './json-array.js'

export type JsonFileSink = LineSink & JsonArraySink

const BOM = [0xef, 0xbb, 0xbf]

/**
 * A `.json` file: a JSON array when its first byte that is not JSON whitespace (after a BOM)
 * is `[`, else JSON Lines (the contract's rule). The first bytes are held until that byte
 * shows, at most `maxLineBytes` of them (a file that opens with more whitespace than that is
 * read as JSON Lines: its first line is too long or blank anyway), then handed to the chosen reader.
 */
export class JsonFileReader {
  /** null until the first byte that decides has been read. */
  kind: 'lines' | 'array' | null = null
  private reader: LineReader | JsonArrayReader | null = null
  private held: Buffer[] = []
  private heldLength = 0
  private seen = 0 // bytes looked at
  private bomBytes = 0 // bytes of a BOM at the very start

  constructor (private readonly sink: JsonFileSink, private readonly maxLineBytes: number) {}

  /** Physical lines of the file, once end() has run. */
  get lines (): number {
    return this.reader?.lines ?? 0
  }

  /** True when the array was not well formed (the sink had its fault). */
  get failed (): boolean {
    return this.reader instanceof JsonArrayReader && this.reader.failed
  }

  push (chunk: Buffer): void {
    if (this.reader !== null) {
      this.reader.push(chunk)
      return
    }
    this.held.push(chunk)
    this.heldLength += chunk.length
    const kind = this.sniff(chunk)
    if (kind !== null) this.choose(kind)
  }

  end (): void {
    // Only whitespace (or nothing, or part of a BOM): JSON Lines says what such a file is.
    if (this.reader === null) this.choose('lines')
    this.reader!.end()
  }

  /** Looks at the new chunk's bytes: the kind once a byte decides, else null. */
  private sniff (chunk: Buffer): 'lines' | 'array' | null {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]
      if (this.seen < 3 && this.bomBytes === this.seen) {
        if (byte === BOM[this.seen]) {
          this.bomBytes++
          this.seen++
          continue
        }
        // Part of a BOM and then something else: those bytes are content, not whitespace.
        if (this.seen > 0) return 'lines'
      }
      this.seen++
      if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue
      return byte === 0x5b ? 'array' : 'lines'
    }
    return this.heldLength > this.maxLineBytes ? 'lines' : null
  }

  private choose (kind: 'lines' | 'array'): void {
    this.kind = kind
    this.reader = kind === 'array' ? new JsonArrayReader(this.sink, this.maxLineBytes) : new LineReader(this.sink, this.maxLineBytes)
    const held = this.held
    this.held = []
    for (const chunk of held) this.reader.push(chunk)
  }
}
