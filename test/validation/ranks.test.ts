import t from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { get_encoding } from 'tiktoken'

// The built app loads the ranks from the JSON the build writes; here that path runs from a
// temporary directory (the variable is read when the module loads, so it is set first).
const dir = mkdtempSync(join(tmpdir(), 'ranks-'))
process.env.TOKENIZER_RANKS_DIR = dir
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const { writeRanks, loadTokenizer } = await import('../../src/validation/tokenizers.js')

t.test('tokenizers built from the JSON ranks count exactly as tiktoken', async t => {
  await writeRanks()
  const turns = readFileSync(new URL('../fixtures/multilingual.jsonl', import.meta.url), 'utf8').trim().split('\n')
    .flatMap(line => (JSON.parse(line).turns as Array<{ content: string }>).map(turn => turn.content))
  for (const name of ['o200k_base', 'cl100k_base'] as const) {
    t.ok(readFileSync(join(dir, `${name}.json`), 'utf8').startsWith('["!"'), `${name}.json written`)
    const tokenizer = await loadTokenizer(name)
    t.equal(tokenizer.ranks, 'json', `${name}: built from the JSON`)
    const enc = get_encoding(name)
    let expected = 0
    let counted = 0
    for (const content of turns) {
      expected += enc.encode_ordinary(content).length
      counted += tokenizer.count(content)
    }
    enc.free()
    t.equal(counted, expected, `${name}: ${expected} tokens over the fixture`)
  }
})
