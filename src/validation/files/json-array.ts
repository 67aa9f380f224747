import { LeadingBom } from './bom.js'
/**
 * What the JSON-array reader hands on, in file order: the line reader's sink without blank
 * lines (whitespace between elements is not reported), plus the array's syntax fault.
 */
export interface JsonArraySink {
  bom: () => void
  tooLong: (line: number, bytes: number) => void
  /** One element's exact bytes; they may point into the reader's chunk: copy them to keep them. */
  record: (line: number, bytes: Buffer) => void
  /** The array is not well formed at `line`: called once, and nothing after it is read. */
  fault: (line: number, message: string) => void
}

const LF = 10
const CR = 13
const SPACE = 32
const TAB = 9
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const MINUS = 0x2d
const PLUS = 0x2b
const DOT = 0x2e
const ZERO = 0x30
const NINE = 0x39

// Where the reader stands in the file.
const BEFORE_ARRAY = 0
const ARRAY_OPEN = 1 // after `[`: an element or `]`
const ARRAY_NEXT = 2 // after `,`: an element
const AFTER_ELEMENT = 3 // `,` or `]`
const IN_ELEMENT = 4
const TRAILER = 5 // after the closing `]`: whitespace only
const STOPPED = 6 // after a fault

// Where the reader stands inside an element (RFC 8259 grammar).
const VALUE = 0
const LIST_OPEN = 1 // after `[`: a value or `]`
const OBJECT_OPEN = 2 // after `{`: a key or `}`
const KEY = 3 // after `,` in an object
const AFTER_KEY = 4 // `:`
const AFTER_VALUE = 5 // `,` or the container's closing bracket
const STRING = 6
const ESCAPE = 7
const UNICODE = 8
const NUMBER_SIGN = 9 // after `-`: a digit
const NUMBER_ZERO = 10 // after a leading `0`
const NUMBER_INT = 11
const NUMBER_DOT = 12 // after `.`: a digit
const NUMBER_FRACTION = 13
const NUMBER_E = 14 // after `e`: sign or digit
const NUMBER_E_SIGN = 15 // after the exponent's sign: a digit
const NUMBER_EXPONENT = 16
const LITERAL = 17

const TRUE = Buffer.from('true')
const FALSE = Buffer.from('false')
const NULL = Buffer.from('null')
const NO_WORDS = new Int32Array(0)

const ESCAPES = new Uint8Array(256)
for (const c of '"\\/bfnrtu') ESCAPES[c.charCodeAt(0)] = 1
const HEX = new Uint8Array(256)
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1

function describe (byte: number): string {
  if (byte < 0) return 'the end of the file'
  if (byte > 0x20 && byte < 0x7f) return `'${String.fromCharCode(byte)}'`
  if (byte === LF) return 'a line break'
  return `byte 0x${byte.toString(16).padStart(2, '0').toUpperCase()}`
}

/**
 * Bytes of one JSON array → its elements, following the contract: each element's exact bytes
 * and the physical line of its first byte; the whole array is checked against RFC 8259 as it
 * streams (so an element handed on always parses, unless its strings hold invalid UTF-8, which
 * the record analysis reports), and the first syntax error stops the read with a fault at its
 * line. An element longer than the limit is reported by length and never held: memory stays
 * bounded by the limit (plus one chunk) whatever the file size. Pure and synchronous.
 */
export class JsonArrayReader {
  /** Physical lines of the file so far (all of them once end() has run). */
  lines = 0
  /** Elements handed on (records and too-long ones). */
  elements = 0

  private state = BEFORE_ARRAY
  private readonly bom: LeadingBom
  private newlines = 0
  private lineHasBytes = false
  private lineStart = 0 // file offset of the current line's first byte
  private offset = 0 // file offset of the current chunk's first byte (after the BOM)

  // The element being read.
  private inner = VALUE
  private depth = 0
  private objects: Uint8Array = new Uint8Array(64) // one bit per open container: 1 = object
  private stringIsKey = false
  private hexLeft = 0
  private literal: Buffer = TRUE
  private literalAt = 0
  private elementLine = 0
  private parts: Buffer[] = [] // the element's bytes in earlier chunks
  private length = 0 // their length (counted on past the limit, when they are dropped)
  private startAt = 0 // where the element starts in the current chunk
  private overflow = false

  constructor (private readonly sink: JsonArraySink, private readonly maxElementBytes: number) {
    this.bom = new LeadingBom(() => sink.bom())
  }

  get failed (): boolean {
    return this.state === STOPPED
  }

  /** Bytes of the current element held from earlier chunks: never more than the limit. */
  get heldBytes (): number {
    return this.overflow ? 0 : this.length
  }

  push (chunk: Buffer): void {
    const body = this.bom.take(chunk)
    if (body === null) return
    chunk = body
    if (chunk.length === 0) return
    if (this.state === STOPPED) this.countLines(chunk, 0)
    else this.scan(chunk)
    this.offset += chunk.length
    this.lineHasBytes = chunk[chunk.length - 1] !== LF
  }

  end (): void {
    const rest = this.bom.rest()
    if (rest !== null) this.push(rest)
    this.lines = this.newlines + (this.lineHasBytes ? 1 : 0)
    const state = this.state
    if (state === IN_ELEMENT && this.depth === 0 && this.numberMayEnd()) {
      this.finishElement(null, 0)
      this.fail(-1, null, 0, "expected ',' or ']' after an element")
    } else if (state === ARRAY_OPEN || state === ARRAY_NEXT) {
      this.fail(-1, null, 0, 'expected an element')
    } else if (state === AFTER_ELEMENT) {
      this.fail(-1, null, 0, "expected ',' or ']' after an element")
    } else if (state === IN_ELEMENT) {
      this.fail(-1, null, 0, this.expected())
    }
  }

  private numberMayEnd (): boolean {
    const inner = this.inner
    return inner === NUMBER_ZERO || inner === NUMBER_INT || inner === NUMBER_FRACTION || inner === NUMBER_EXPONENT
  }

  private expected (): string {
    switch (this.inner) {
      case STRING: case ESCAPE: case UNICODE: return 'a string is not closed'
      case AFTER_KEY: return "expected ':' after a key"
      case OBJECT_OPEN: case KEY: return 'expected a key in double quotes'
      case AFTER_VALUE: return this.isObject() ? "expected ',' or '}'" : "expected ',' or ']'"
      case LITERAL: return `expected '${this.literal.toString()}'`
      case NUMBER_SIGN: case NUMBER_DOT: case NUMBER_E: case NUMBER_E_SIGN: return 'expected a digit'
      default: return 'expected a value'
    }
  }

  private isObject (): boolean {
    const level = this.depth - 1
    return (this.objects[level >> 3] & (1 << (level & 7))) !== 0
  }

  private open (isObject: boolean): boolean {
    const level = this.depth
    // Deeper than the limit, the element is too long anyway; the bound keeps `objects` small.
    if (level >= this.maxElementBytes) return false
    if (level >> 3 >= this.objects.length) {
      const grown = new Uint8Array(this.objects.length * 2)
      grown.set(this.objects)
      this.objects = grown
    }
    if (isObject) this.objects[level >> 3] |= 1 << (level & 7)
    else this.objects[level >> 3] &= ~(1 << (level & 7))
    this.depth = level + 1
    return true
  }

  /** After a fault only the lines are counted, so `lines` still counts the whole file. */
  private countLines (chunk: Buffer, from: number): void {
    let newline = from - 1
    while ((newline = chunk.indexOf(LF, newline + 1)) !== -1) this.newlines++
  }

  /** A fault at byte `at` of `chunk` (byte -1: the end of the file). */
  private fail (byte: number, chunk: Buffer | null, at: number, what: string): void {
    this.state = STOPPED
    this.parts = []
    let line = this.newlines + 1
    let where = ''
    if (byte < 0) {
      line = Math.max(1, this.lines)
    } else {
      where = ` (byte ${(this.offset + at - this.lineStart + 1).toLocaleString('en-US')} of the line)`
    }
    this.sink.fault(line, `The file is not a well-formed JSON array: ${what}, found ${describe(byte)}${where}; nothing after it was read.`)
    if (chunk !== null) this.countLines(chunk, at)
  }

  private startElement (at: number): void {
    this.elementLine = this.newlines + 1
    this.parts = []
    this.length = 0
    this.startAt = at
    this.overflow = false
  }

  /** The element ends before byte `end` of `chunk` (null: it ended with the previous chunk). */
  private finishElement (chunk: Buffer | null, end: number): void {
    this.elements++
    const parts = this.parts
    this.parts = []
    const length = this.length + (chunk === null ? 0 : end - this.startAt)
    if (this.overflow || length > this.maxElementBytes) {
      this.sink.tooLong(this.elementLine, length)
      return
    }
    if (chunk !== null) parts.push(chunk.subarray(this.startAt, end))
    this.sink.record(this.elementLine, parts.length === 1 ? parts[0] : Buffer.concat(parts, length))
  }

  private scan (chunk: Buffer): void {
    const n = chunk.length
    // The chunk's whole aligned 32-bit words, for the string scan.
    const wordsFrom = (4 - (chunk.byteOffset & 3)) & 3
    const wordCount = Math.max(0, (n - wordsFrom) >> 2)
    const words = wordCount === 0 ? NO_WORDS : new Int32Array(chunk.buffer, chunk.byteOffset + wordsFrom, wordCount)
    let i = 0
    let state = this.state
    let inner = this.inner
    while (i < n) {
      if (state === IN_ELEMENT) {
        const b = chunk[i]
        switch (inner) {
          case STRING: {
            let c = 0
            for (;;) {
              if (i >= wordsFrom && ((i - wordsFrom) & 3) === 0) {
                // Four bytes at a time while none is a quote, a backslash or a control character.
                let w = (i - wordsFrom) >> 2
                while (w < wordCount) {
                  const v = words[w]
                  const q = v ^ 0x22222222
                  const s = v ^ 0x5c5c5c5c
                  if (((((q - 0x01010101) & ~q) | ((s - 0x01010101) & ~s) | ((v - 0x20202020) & ~v)) & 0x80808080) !== 0) break
                  w++
                }
                i = wordsFrom + (w << 2)
              }
              if (i >= n) break
              c = chunk[i]
              if (c === QUOTE || c === BACKSLASH || c < SPACE) break
              i++
            }
            if (i >= n) continue
            if (c === QUOTE) {
              i++
              inner = this.stringIsKey ? AFTER_KEY : AFTER_VALUE
              if (inner === AFTER_VALUE && this.depth === 0) { this.finishElement(chunk, i); state = AFTER_ELEMENT }
              continue
            }
            if (c === BACKSLASH) { i++; inner = ESCAPE; continue }
            this.fail(c, chunk, i, 'a control character inside a string must be escaped')
            return
          }
          case ESCAPE:
            if (ESCAPES[b] === 0) { this.fail(b, chunk, i, 'invalid escape in a string'); return }
            i++
            if (b === 0x75) { inner = UNICODE; this.hexLeft = 4 } else inner = STRING
            continue
          case UNICODE:
            if (HEX[b] === 0) { this.fail(b, chunk, i, 'expected 4 hexadecimal digits after \\u'); return }
            i++
            if (--this.hexLeft === 0) inner = STRING
            continue
          case LITERAL: {
            if (b !== this.literal[this.literalAt]) { this.fail(b, chunk, i, `expected '${this.literal.toString()}'`); return }
            i++
            if (++this.literalAt === this.literal.length) {
              inner = AFTER_VALUE
              if (this.depth === 0) { this.finishElement(chunk, i); state = AFTER_ELEMENT }
            }
            continue
          }
          case NUMBER_SIGN: case NUMBER_DOT: case NUMBER_E_SIGN:
            if (b < ZERO || b > NINE) { this.fail(b, chunk, i, 'expected a digit'); return }
            i++
            inner = inner === NUMBER_SIGN ? (b === ZERO ? NUMBER_ZERO : NUMBER_INT) : inner === NUMBER_DOT ? NUMBER_FRACTION : NUMBER_EXPONENT
            continue
          case NUMBER_E:
            if (b === PLUS || b === MINUS) { i++; inner = NUMBER_E_SIGN; continue }
            if (b < ZERO || b > NINE) { this.fail(b, chunk, i, 'expected a digit'); return }
            i++
            inner = NUMBER_EXPONENT
            continue
          case NUMBER_ZERO: case NUMBER_INT: case NUMBER_FRACTION: case NUMBER_EXPONENT:
            if (b >= ZERO && b <= NINE) {
              if (inner === NUMBER_ZERO) { this.fail(b, chunk, i, 'a number cannot have a leading zero'); return }
              i++
              continue
            }
            if ((b === DOT) && (inner === NUMBER_ZERO || inner === NUMBER_INT)) { i++; inner = NUMBER_DOT; continue }
            if ((b === 0x65 || b === 0x45) && inner !== NUMBER_EXPONENT) { i++; inner = NUMBER_E; continue }
            // The number ended before this byte, which is read again after it.
            inner = AFTER_VALUE
            if (this.depth === 0) { this.finishElement(chunk, i); state = AFTER_ELEMENT }
            continue
          default:
            break
        }
        // Structural states: whitespace first.
        if (b === SPACE || b === TAB || b === CR) { i++; continue }
        if (b === LF) { i++; this.newlines++; this.lineStart = this.offset + i; continue }
        if (inner === AFTER_KEY) {
          if (b !== COLON) { this.fail(b, chunk, i, "expected ':' after a key"); return }
          i++
          inner = VALUE
          continue
        }
        if (inner === AFTER_VALUE) {
          const inObject = this.isObject()
          if (b === COMMA) { i++; inner = inObject ? KEY : VALUE; continue }
          if (b === (inObject ? CLOSE_OBJECT : CLOSE_ARRAY)) {
            i++
            this.depth--
            if (this.depth === 0) { this.finishElement(chunk, i); state = AFTER_ELEMENT }
            continue
          }
          this.fail(b, chunk, i, inObject ? "expected ',' or '}'" : "expected ',' or ']'")
          return
        }
        if (inner === OBJECT_OPEN || inner === KEY) {
          if (b === QUOTE) { i++; inner = STRING; this.stringIsKey = true; continue }
          if (b === CLOSE_OBJECT && inner === OBJECT_OPEN) {
            i++
            this.depth--
            inner = AFTER_VALUE
            if (this.depth === 0) { this.finishElement(chunk, i); state = AFTER_ELEMENT }
            continue
          }
          this.fail(b, chunk, i, 'expected a key in double quotes')
          return
        }
        // VALUE or LIST_OPEN
        if (b === CLOSE_ARRAY && inner === LIST_OPEN) {
          i++
          this.depth--
          inner = AFTER_VALUE
          if (this.depth === 0) { this.finishElement(chunk, i); state = AFTER_ELEMENT }
          continue
        }
        const next = this.valueStart(b)
        if (next < 0) {
          this.fail(b, chunk, i, next === -2 ? `values nest deeper than ${this.maxElementBytes.toLocaleString('en-US')} levels` : 'expected a value')
          return
        }
        i++
        inner = next
        continue
      }

      const b = chunk[i]
      if (b === SPACE || b === TAB || b === CR) { i++; continue }
      if (b === LF) { i++; this.newlines++; this.lineStart = this.offset + i; continue }
      if (state === BEFORE_ARRAY) {
        if (b !== OPEN_ARRAY) { this.fail(b, chunk, i, 'expected \'[\' at the start of the file'); return }
        i++
        state = ARRAY_OPEN
      } else if (state === AFTER_ELEMENT) {
        if (b === COMMA) { i++; state = ARRAY_NEXT } else if (b === CLOSE_ARRAY) { i++; state = TRAILER } else {
          this.fail(b, chunk, i, "expected ',' or ']' after an element")
          return
        }
      } else if (state === TRAILER) {
        this.fail(b, chunk, i, "nothing but whitespace may follow the array's closing ']'")
        return
      } else if (b === CLOSE_ARRAY && state === ARRAY_OPEN) {
        i++
        state = TRAILER
      } else {
        const next = this.valueStart(b)
        if (next < 0) { this.fail(b, chunk, i, 'expected an element'); return }
        this.startElement(i)
        state = IN_ELEMENT
        i++
        inner = next
      }
    }
    this.state = state
    this.inner = inner
    if (state === IN_ELEMENT) this.keep(chunk)
  }

  /** The state after a value's first byte; -1 when the byte starts no value, -2 when too deep. */
  private valueStart (b: number): number {
    if (b === QUOTE) { this.stringIsKey = false; return STRING }
    if (b === OPEN_OBJECT) return this.open(true) ? OBJECT_OPEN : -2
    if (b === OPEN_ARRAY) return this.open(false) ? LIST_OPEN : -2
    if (b === MINUS) return NUMBER_SIGN
    if (b === ZERO) return NUMBER_ZERO
    if (b > ZERO && b <= NINE) return NUMBER_INT
    const literal = b === 0x74 ? TRUE : b === 0x66 ? FALSE : b === 0x6e ? NULL : null
    if (literal === null) return -1
    this.literal = literal
    this.literalAt = 1
    return LITERAL
  }

  /** The element goes on past this chunk: keep its bytes up to the limit, then only count. */
  private keep (chunk: Buffer): void {
    const segment = this.startAt === 0 ? chunk : chunk.subarray(this.startAt)
    this.startAt = 0
    this.length += segment.length
    if (this.overflow) return
    if (this.length > this.maxElementBytes) {
      this.overflow = true
      this.parts = []
      return
    }
    this.parts.push(segment)
  }
}
