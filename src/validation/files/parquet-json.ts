import { isUtf8 } from 'node:buffer'

/**
 * A text cell whose bytes are not valid UTF-8: written into the record's JSON as those very
 * bytes, so the record analysis reports `invalid_utf8` on the row as it does on a JSON Lines line.
 */
export class InvalidText {
  constructor (readonly bytes: Uint8Array) {}
}

const decoder = new TextDecoder()

/** hyparquet's parser for text cells. */
export function textFromBytes (bytes: Uint8Array | undefined): string | InvalidText | undefined {
  if (bytes === undefined) return undefined
  return isUtf8(bytes) ? decoder.decode(bytes) : new InvalidText(bytes)
}

/** hyparquet's parser for DATE cells: the day as ISO text (`2024-05-31`). */
export function dateFromDays (days: number): string | null {
  const date = new Date(days * 86_400_000)
  return Number.isNaN(date.getTime()) ? null : date.toISOString().slice(0, 10)
}

/**
 * Cells → the row's JSON text. Nested lists and structs become arrays and objects, null cells
 * `null`; int64 becomes a number when it is a safe integer and its decimal text (a JSON string)
 * otherwise, so large ids are kept exact; timestamps become ISO text; binary cells become
 * `{"$binary": length}`, a value of the wrong type wherever text is expected; NaN and
 * infinities (which JSON lacks) become `null`.
 */
export class RowWriter {
  private readonly keys: string[]
  private raw: Buffer[] | null = null

  constructor (columns: string[]) {
    this.keys = columns.map((name, i) => (i === 0 ? '{' : ',') + JSON.stringify(name) + ':')
  }

  /** One row, its cells in the order of the columns. */
  row (cells: unknown[]): Buffer {
    this.raw = null
    let text = cells.length === 0 ? '{' : ''
    for (let i = 0; i < cells.length; i++) text += this.keys[i] + this.value(cells[i])
    text += '}'
    if (this.raw === null) return Buffer.from(text)
    const raw = this.raw
    this.raw = null
    const pieces = text.split('\u0000')
    const parts: Buffer[] = [Buffer.from(pieces[0])]
    for (let i = 1; i < pieces.length; i++) parts.push(raw[i - 1], Buffer.from(pieces[i]))
    return Buffer.concat(parts)
  }

  private value (value: unknown): string {
    switch (typeof value) {
      case 'string': return JSON.stringify(value)
      case 'number': return Number.isFinite(value) ? String(value) : 'null'
      case 'boolean': return value ? 'true' : 'false'
      case 'bigint': return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? String(value) : `"${value}"`
      case 'undefined': return 'null'
      case 'object': break
      default: return 'null'
    }
    if (value === null) return 'null'
    if (Array.isArray(value)) {
      let text = '['
      for (let i = 0; i < value.length; i++) text += (i ? ',' : '') + this.value(value[i])
      return text + ']'
    }
    if (value instanceof Uint8Array) return `{"$binary":${value.length}}`
    if (ArrayBuffer.isView(value)) {
      // A typed array of numbers (a list column hyparquet decoded in one piece).
      let text = '['
      const items = value as unknown as ArrayLike<number | bigint>
      for (let i = 0; i < items.length; i++) text += (i ? ',' : '') + this.value(items[i])
      return text + ']'
    }
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'null' : `"${value.toISOString()}"`
    if (value instanceof InvalidText) return this.rawText(value.bytes)
    let text = '{'
    let first = true
    for (const key of Object.keys(value)) {
      text += (first ? '' : ',') + JSON.stringify(key) + ':' + this.value((value as Record<string, unknown>)[key])
      first = false
    }
    return text + '}'
  }

  /**
   * The bytes inside a JSON string, kept as they are: escaping the latin1 reading of the bytes
   * escapes exactly the quote, the backslash and the control bytes, and writing it back as
   * latin1 gives every other byte unchanged. The text so far is set aside, to be joined as bytes.
   */
  private rawText (bytes: Uint8Array): string {
    const literal = Buffer.from(JSON.stringify(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1')), 'latin1')
    // The caller's text is not finished yet: mark the place with a NUL, which JSON text never
    // holds raw, and split there when the row is joined.
    this.raw ??= []
    this.raw.push(literal)
    return '\u0000'
  }
}
