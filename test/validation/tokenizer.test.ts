import t from 'tap'
import { get_encoding } from 'tiktoken'
import { loadTokenizer, rankTable } from '../../src/validation/tokenizers/index.js'
import { SHORT_PIECE_BYTES } from '../../src/validation/tokenizers/bpe.js'

// Seeded, so a failure names a string that fails again.
function prng (seed: number) {
  let state = seed
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    return state / 2 ** 32
  }
}

// Pieces chosen to hit every branch of the counter: one- to four-byte UTF-8, lone surrogates,
// contractions, digits, CR/LF and other white space, special-token strings, long words.
const ALPHABET = ['a', 'Z', 'q', 'é', 'ß', 'Ω', 'ж', 'Я', 'ي', 'ह', '中', '文', '語', '한', 'ー', 'ア', '🚀', '👩‍👩‍👧', '🇫🇷',
  '\ud800', '\udfff', '\ufffd', "'s", "'LL", '0', '7', '.', ',', '!', '/', '<|', '|>', '<|endoftext|>', ' ', '  ', '\t', '\r', '\n', '\r\n', '\u00a0', '\u3000']

t.test('the counter equals tiktoken on random strings of every kind of piece', async t => {
  for (const name of ['o200k_base', 'cl100k_base'] as const) {
    const enc = get_encoding(name)
    const tokenizer = await loadTokenizer(name)
    const random = prng(name === 'o200k_base' ? 1 : 2)
    const failures: string[] = []
    for (let i = 0; i < 3000; i++) {
      let text = ''
      const pieces = Math.floor(random() * 60)
      for (let p = 0; p < pieces; p++) text += ALPHABET[Math.floor(random() * ALPHABET.length)]
      if (tokenizer.count(text) !== enc.encode_ordinary(text).length) failures.push(JSON.stringify(text))
    }
    enc.free()
    t.same(failures.slice(0, 5), [], `${name}: 3,000 strings`)
  }
})

t.test('pieces on both sides of the short-merge limit count as tiktoken does', async t => {
  const enc = get_encoding('o200k_base')
  const tokenizer = await loadTokenizer('o200k_base')
  const random = prng(3)
  const letters = ['中', '文', '語', '한', '國', 'ア', 'ж', 'é', 'x', 'k']
  for (const bytes of [SHORT_PIECE_BYTES - 3, SHORT_PIECE_BYTES - 1, SHORT_PIECE_BYTES, SHORT_PIECE_BYTES + 1, SHORT_PIECE_BYTES + 3, 300, 2000]) {
    for (let i = 0; i < 20; i++) {
      // One word (one piece) of about `bytes` UTF-8 bytes.
      let word = ''
      while (Buffer.byteLength(word) < bytes) word += letters[Math.floor(random() * letters.length)]
      t.equal(tokenizer.count(word), enc.encode_ordinary(word).length, `${Buffer.byteLength(word)} bytes: ${word.slice(0, 12)}…`)
    }
  }
  enc.free()
})

t.test('the heap merge and tiktoken\'s loop agree on random bytes, letters and runs', async t => {
  const { heapMergeCount, shortMergeCount } = await import('../../src/validation/tokenizers/bpe.js')
  const random = prng(4)
  for (const name of ['o200k_base', 'cl100k_base'] as const) {
    const { table } = await rankTable(name)
    let differ = 0
    for (let i = 0; i < 3000; i++) {
      const n = 2 + Math.floor(random() * (SHORT_PIECE_BYTES - 1))
      const bytes = new Uint8Array(n)
      const kind = i % 3
      for (let b = 0; b < n; b++) {
        // any byte; lowercase letters (long merges); a few letters repeated (many equal ranks)
        bytes[b] = kind === 0 ? Math.floor(random() * 256) : kind === 1 ? 97 + Math.floor(random() * 26) : 97 + Math.floor(random() * 3)
      }
      if (heapMergeCount(table, bytes, n) !== shortMergeCount(table, bytes, n)) differ++
    }
    t.equal(differ, 0, `${name}: 3,000 pieces of 2 to ${SHORT_PIECE_BYTES} bytes`)
  }
})
