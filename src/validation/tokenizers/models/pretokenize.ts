/**
 * A tokenizer.json's pre-tokenising pattern (Oniguruma, as the reference compiles it) as a
 * JavaScript RegExp that splits text the same way. Two differences matter for these patterns:
 * - `\s` is Unicode White_Space in Oniguruma (U+0085 included, U+FEFF not); JavaScript's `\s`
 *   leaves out U+0085 and adds U+FEFF.
 * - `(?i:...)` groups: JavaScript has no inline flags before V8 12.5; each letter becomes a
 *   class of its case variants, Unicode's simple case folds included (`s` also matches `ſ`,
 *   `k` also matches U+212A KELVIN SIGN), as Oniguruma's case folding does.
 * Anything else the converter does not know is refused, so a new model's pattern is checked
 * at build time rather than splitting text differently.
 */

export const WHITE_SPACE = '\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'

const FOLDS: Record<string, string> = { s: 'sSſ', k: 'kKK' }

export class PatternError extends Error {}

function caseInsensitive (body: string): string {
  let out = ''
  for (let i = 0; i < body.length; i++) {
    const c = body[i]
    if (c === '\\') {
      out += body.slice(i, i + 2)
      i++
    } else if (/[a-z]/i.test(c)) {
      const lower = c.toLowerCase()
      out += `[${FOLDS[lower] ?? lower + lower.toUpperCase()}]`
    } else if ("|'()?: ".includes(c)) {
      out += c
    } else {
      throw new PatternError(`unsupported character "${c}" in a case-insensitive group`)
    }
  }
  return out
}

/** Converts an Oniguruma pre-tokenising pattern to a JavaScript source (flags "u"). */
export function convertPattern (pattern: string): string {
  let out = ''
  let inClass = false
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '\\') {
      const next = pattern[i + 1]
      i++
      if (next === 's') out += inClass ? WHITE_SPACE : `[${WHITE_SPACE}]`
      else if (next === 'S') {
        if (inClass) throw new PatternError('\\S inside a character class is not supported')
        out += `[^${WHITE_SPACE}]`
      } else if (next === 'p' || next === 'P') {
        const close = pattern.indexOf('}', i)
        out += '\\' + pattern.slice(i, close + 1)
        i = close
      } else if ('rntfv'.includes(next) || /[\\[\]().|?*+{}^$'-]/.test(next)) out += '\\' + next
      else throw new PatternError(`unsupported escape \\${next}`)
    } else if (c === '[') {
      if (inClass) throw new PatternError('nested character classes are not supported')
      inClass = true
      out += c
    } else if (c === ']') {
      inClass = false
      out += c
    } else if (!inClass && pattern.startsWith('(?i:', i)) {
      let depth = 1
      let j = i + 4
      for (; j < pattern.length && depth > 0; j++) {
        if (pattern[j] === '\\') j++
        else if (pattern[j] === '(') depth++
        else if (pattern[j] === ')') depth--
      }
      out += '(?:' + caseInsensitive(pattern.slice(i + 4, j - 1)) + ')'
      i = j - 1
    } else if (!inClass && c === '(' && pattern[i + 1] === '?' && !/[:=!]/.test(pattern[i + 2])) {
      throw new PatternError(`unsupported group "${pattern.slice(i, i + 4)}"`)
    } else {
      out += c
    }
  }
  return out
}

// The pre-tokenising patterns of Llama 3 and Qwen 2/3 (tokenizer.json), as the reference compiles
// them; their splits are scanned by hand (scanWord) rather than by the converted RegExp.
const LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
const QWEN2_PATTERN = LLAMA3_PATTERN.replace('\\p{N}{1,3}', '\\p{N}')

// Character classes of the scanner: the converted pattern's own classes, so they cannot differ.
const LETTER = 1
const NUMBER = 2
const SPACE = 4 // the pattern's \s (WHITE_SPACE)
const NEWLINE = 8 // \r or \n (also SPACE)
const OTHER = 16 // none of the above: [^\s\p{L}\p{N}]

const LETTER_RE = /\p{L}/u
const NUMBER_RE = /\p{N}/u
const SPACE_RE = new RegExp(`[${WHITE_SPACE}]`, 'u')

function classOf (char: string): number {
  if (LETTER_RE.test(char)) return LETTER
  if (NUMBER_RE.test(char)) return NUMBER
  if (char === '\r' || char === '\n') return SPACE | NEWLINE
  if (SPACE_RE.test(char)) return SPACE
  return OTHER
}

let bmpClasses: Uint8Array | null = null
const astralClasses = new Map<number, number>()

/** The classes of the BMP's code units (a lone surrogate is OTHER, as the "u" RegExp sees it). */
function bmp (): Uint8Array {
  if (bmpClasses !== null) return bmpClasses
  const table = new Uint8Array(65536)
  for (let c = 0; c < 65536; c++) table[c] = c >= 0xd800 && c < 0xe000 ? OTHER : classOf(String.fromCharCode(c))
  bmpClasses = table
  return table
}

/**
 * A hand-written scanner equal to the converted Llama 3 or Qwen 2 pattern (tested on random
 * strings against the RegExp): scan(text, at, end) is where the piece starting at `at` ends,
 * with text[at, end) taken as the whole text (the lookahead of `\s+(?!\S)` sees `end` as the
 * end). Null for any other pattern: the RegExp is used.
 */
export function wordScanner (source: string): ((text: string, at: number, end: number) => number) | null {
  const digits = source === convertPattern(LLAMA3_PATTERN) ? 3 : source === convertPattern(QWEN2_PATTERN) ? 1 : 0
  if (digits === 0) return null
  const table = bmp()
  // The class of the code point at i, and its width in code units in `width`.
  let width = 1
  const classAt = (text: string, i: number, end: number): number => {
    const c = text.charCodeAt(i)
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < end) {
      const low = text.charCodeAt(i + 1)
      if (low >= 0xdc00 && low < 0xe000) {
        width = 2
        const point = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00)
        let found = astralClasses.get(point)
        if (found === undefined) {
          found = classOf(String.fromCodePoint(point))
          astralClasses.set(point, found)
        }
        return found
      }
    }
    width = 1
    return table[c]
  }
  const letters = (text: string, i: number, end: number): number => {
    while (i < end) {
      const c = text.charCodeAt(i)
      if (c < 0xd800 || c >= 0xe000) {
        if (table[c] !== LETTER) return i
        i++
      } else {
        if (classAt(text, i, end) !== LETTER) return i
        i += width
      }
    }
    return i
  }
  return (text, at, end) => {
    const c = text.charCodeAt(at)
    // (?i:'s|'t|'re|'ve|'m|'ll|'d), with the case folds the conversion adds (ſ).
    if (c === 0x27 && at + 1 < end) {
      const d = text.charCodeAt(at + 1) | 0x20
      if (d === 0x73 || d === 0x74 || d === 0x6d || d === 0x64 || text.charCodeAt(at + 1) === 0x17f) return at + 2
      if (at + 2 < end) {
        const e = text.charCodeAt(at + 2) | 0x20
        if ((d === 0x72 && e === 0x65) || (d === 0x76 && e === 0x65) || (d === 0x6c && e === 0x6c)) return at + 3
      }
    }
    // The commonest pieces first: a word, or a space and a word, in the BMP.
    if (c < 0xd800 && table[c] === LETTER) return letters(text, at + 1, end)
    if (c === 0x20 && at + 1 < end) {
      const d = text.charCodeAt(at + 1)
      if (d < 0xd800 && table[d] === LETTER) return letters(text, at + 2, end)
    }
    const kind = classAt(text, at, end)
    const first = width
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (kind === LETTER) return letters(text, at + first, end)
    if ((kind & (NEWLINE | NUMBER)) === 0 && at + first < end && classAt(text, at + first, end) === LETTER) return letters(text, at + first + width, end)
    // \p{N}{1,3} (Llama 3) or \p{N} (Qwen 2)
    if (kind === NUMBER) {
      let i = at + first
      for (let n = 1; n < digits && i < end && classAt(text, i, end) === NUMBER; n++) i += width
      return i
    }
    //  ?[^\s\p{L}\p{N}]+[\r\n]*
    let i = at
    if (c === 0x20 && at + 1 < end && classAt(text, at + 1, end) === OTHER) i = at + 1
    else if (kind === OTHER) i = at
    else i = -1
    if (i !== -1) {
      while (i < end && classAt(text, i, end) === OTHER) i += width
      while (i < end && (text.charCodeAt(i) === 0x0a || text.charCodeAt(i) === 0x0d)) i++
      return i
    }
    // \s*[\r\n]+ | \s+(?!\S) | \s+ (every white space is in the BMP)
    let last = -1
    let j = at
    for (; j < end; j++) {
      const k = table[text.charCodeAt(j)]
      if ((k & SPACE) === 0) break
      if (k & NEWLINE) last = j
    }
    if (last !== -1) return last + 1
    if (j === end || j - 1 === at) return j
    return j - 1
  }
}
