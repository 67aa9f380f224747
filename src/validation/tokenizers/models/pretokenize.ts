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

const WHITE_SPACE = '\\t\\n\\v\\f\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'

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
