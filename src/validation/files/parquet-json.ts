/**
 * A text cell, kept as its UTF-8 bytes: they are written into the record's JSON as they are
 * (escaped where JSON needs it), never decoded into a JavaScript string, so a row group's text
 * costs its bytes once, and text that is not valid UTF-8 stays so: the record analysis reports
 * `invalid_utf8` on the row as it does on a JSON Lines line.
 */
export class Utf8Text {
  constructor (readonly bytes: Uint8Array) {}
}

/** hyparquet's parser for text cells. */
export function textFromBytes (bytes: Uint8Array | undefined): Utf8Text | undefined {
  return bytes === undefined ? undefined : new Utf8Text(bytes)
}

/** hyparquet's parser for DATE cells: the day as ISO text (`2024-05-31`). */
export function dateFromDays (days: number): string | null {
  const date = new Date(days * 86_400_000)
  return Number.isNaN(date.getTime()) ? null : date.toISOString().slice(0, 10)
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const SHORT_ESCAPES = new Map([[0x08, 'b'], [0x0c, 'f'], [0x0a, 'n'], [0x0d, 'r'], [0x09, 't']])
const HEX = '0123456789abcdef'
const INITIAL = 64 * 1024
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER)
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/**
 * Cells → the row's JSON text as UTF-8 bytes. Nested lists and structs become arrays and
 * objects, null cells `null`; int64 becomes a number when it is a safe integer and its decimal
 * text (a JSON string) otherwise, so large ids stay exact; timestamps become ISO text; binary
 * cells become `{"$binary": length}`, a value of the wrong type wherever text is expected;
 * NaN and infinities, which JSON lacks, become `null`.
 */
export class RowWriter {
  private readonly keys: string[]
  private out = Buffer.allocUnsafe(INITIAL)
  private length = 0

  constructor (columns: string[]) {
    this.keys = columns.map((name, i) => (i === 0 ? '{' : ',') + JSON.stringify(name) + ':')
  }

  /** One row, its cells in the order of the columns. The bytes are valid until the next call. */
  row (cells: unknown[]): Buffer {
    if (this.out.length > 16 * INITIAL) this.out = Buffer.allocUnsafe(INITIAL) // after a huge row
    this.length = 0
    if (cells.length === 0) this.ascii('{')
    for (let i = 0; i < cells.length; i++) {
      this.string(this.keys[i])
      this.value(cells[i])
    }
    this.ascii('}')
    return this.out.subarray(0, this.length)
  }

  private ensure (bytes: number): void {
    if (this.length + bytes <= this.out.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.out.length * 2, this.length + bytes))
    this.out.copy(grown, 0, 0, this.length)
    this.out = grown
  }

  private ascii (text: string): void {
    this.ensure(text.length)
    this.length += this.out.write(text, this.length, 'latin1')
  }

  /** JavaScript text written as UTF-8 (already JSON: keys, numbers, quoted ISO dates). */
  private string (text: string): void {
    this.ensure(text.length * 3)
    this.length += this.out.write(text, this.length, 'utf8')
  }

  private value (value: unknown): void {
    switch (typeof value) {
      case 'string': return this.string(JSON.stringify(value))
      case 'number': return this.ascii(Number.isFinite(value) ? String(value) : 'null')
      case 'boolean': return this.ascii(value ? 'true' : 'false')
      case 'bigint': return this.ascii(value >= MIN_SAFE && value <= MAX_SAFE ? String(value) : `"${value}"`)
      case 'object': break
      default: return this.ascii('null')
    }
    if (value === null) return this.ascii('null')
    if (value instanceof Utf8Text) return this.text(value.bytes)
    if (Array.isArray(value)) {
      this.ascii('[')
      for (let i = 0; i < value.length; i++) {
        if (i) this.ascii(',')
        this.value(value[i])
      }
      return this.ascii(']')
    }
    if (value instanceof Uint8Array) return this.ascii(`{"$binary":${value.length}}`)
    if (ArrayBuffer.isView(value)) {
      // A typed array of numbers (a list column hyparquet decoded in one piece).
      const items = value as unknown as ArrayLike<number | bigint>
      this.ascii('[')
      for (let i = 0; i < items.length; i++) {
        if (i) this.ascii(',')
        this.value(items[i])
      }
      return this.ascii(']')
    }
    if (value instanceof Date) return this.ascii(Number.isNaN(value.getTime()) ? 'null' : `"${value.toISOString()}"`)
    this.ascii('{')
    let first = true
    for (const key of Object.keys(value)) {
      this.string((first ? '' : ',') + JSON.stringify(key) + ':')
      this.value((value as Record<string, unknown>)[key])
      first = false
    }
    this.ascii('}')
  }

  /** UTF-8 bytes as a JSON string: the quote, the backslash and control bytes escaped, every other byte as it is. */
  private text (bytes: Uint8Array): void {
    this.ensure(bytes.length + 2)
    this.out[this.length++] = QUOTE
    let run = 0
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]
      if (b >= 0x20 && b !== QUOTE && b !== BACKSLASH) continue
      this.copy(bytes, run, i)
      const short = b === QUOTE ? '"' : b === BACKSLASH ? '\\' : SHORT_ESCAPES.get(b)
      this.ascii(short !== undefined ? `\\${short}` : `\\u00${HEX[b >> 4]}${HEX[b & 15]}`)
      this.ensure(bytes.length - i + 1)
      run = i + 1
    }
    this.copy(bytes, run, bytes.length)
    this.out[this.length++] = QUOTE
  }

  private copy (bytes: Uint8Array, start: number, end: number): void {
    if (end <= start) return
    this.ensure(end - start + 1)
    this.out.set(bytes.subarray(start, end), this.length)
    this.length += end - start
  }
}
