// The hand-written pre-tokenising scanner (pretokenize.ts, wordScanner) splits text as the
// converted RegExp does, for Llama 3's and Qwen 2/3's patterns: on seeded random strings made of
// the pieces the equality tests use (case folds, U+0085, lone surrogates, astral letters and
// digits, CR/LF runs, white space before an end), cut at random bounds.
import t from 'tap'
import { convertPattern, wordScanner } from '../../../src/validation/tokenizers/models/pretokenize.js'
import { PIECES, random } from './support.js'

const LLAMA3 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
const QWEN2 = LLAMA3.replace('\\p{N}{1,3}', '\\p{N}')
const EXTRA = ['𝟘𝟙𝟚𝟛', '١٢٣٤', 'Ⅻ', '½', "'RE", "'Ve", "'lL", "'D", "'T", "'M", "'x", "' s", '\'\n', ' \n ', ' \t\n\t ', '\u2029\u2028', ' !', ' 1', ' 𝔘', '\ud83d', '\ude00', ' \ud800', '@@', 'a\u0301b']
const ALPHABET = [...PIECES, ...EXTRA]

function regexSplit (source: string, text: string): number[] {
  const sticky = new RegExp(source, 'uy')
  const ends: number[] = []
  for (let at = 0; at < text.length;) {
    sticky.lastIndex = at
    if (!sticky.test(text) || sticky.lastIndex === at) throw new Error(`no piece at ${at} of ${JSON.stringify(text)}`)
    at = sticky.lastIndex
    ends.push(at)
  }
  return ends
}

function scannerSplit (scan: (text: string, at: number, end: number) => number, text: string, from: number, to: number): number[] {
  const ends: number[] = []
  for (let at = from; at < to;) {
    at = scan(text, at, to)
    ends.push(at - from)
  }
  return ends
}

for (const [name, pattern] of [['Llama 3', LLAMA3], ['Qwen 2', QWEN2]] as const) {
  t.test(`${name}: the scanner splits 50,000 random strings as the RegExp does`, async t => {
    const source = convertPattern(pattern)
    const scan = wordScanner(source)
    t.ok(scan, 'the pattern has a scanner')
    const next = random(pattern.length)
    let differ = 0
    for (let n = 0; n < 50_000; n++) {
      let text = ''
      for (let pieces = 1 + Math.floor(next() * 12); pieces > 0; pieces--) text += ALPHABET[Math.floor(next() * ALPHABET.length)]
      // Within a longer string, as the counter scans a gap between added tokens.
      const before = next() < 0.5 ? '' : ALPHABET[Math.floor(next() * ALPHABET.length)]
      const after = next() < 0.5 ? '' : ALPHABET[Math.floor(next() * ALPHABET.length)]
      const expected = regexSplit(source, text)
      const got = scannerSplit(scan!, before + text + after, before.length, before.length + text.length)
      if (expected.join() !== got.join()) {
        if (differ++ < 5) t.same(got, expected, JSON.stringify(text))
      }
    }
    t.equal(differ, 0, 'no string splits differently')
  })
}

t.test('another pattern has no scanner', async t => {
  t.equal(wordScanner(convertPattern("'s|\\p{L}+|\\p{N}+|\\s+")), null)
})
