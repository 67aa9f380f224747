import t from 'tap'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { get_encoding } from 'tiktoken'

import { writeRanks } from '../../src/validation/build-ranks.js'
import { loadTokenizer, rankTable } from '../../src/validation/tokenizers/index.js'
import { RankTable, hashBytes } from '../../src/validation/tokenizers/rank-table.js'

// The built app loads the rank tables the build writes; here that path runs from a temporary
// directory, given as the engine's option.
const dir = mkdtempSync(join(tmpdir(), 'ranks-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

t.test('tokenizers built from the rank table files count exactly as tiktoken', async t => {
  await writeRanks(dir)
  const turns = readFileSync(new URL('../fixtures/multilingual.jsonl', import.meta.url), 'utf8').trim().split('\n')
    .flatMap(line => (JSON.parse(line).turns as Array<{ content: string }>).map(turn => turn.content))
  for (const name of ['o200k_base', 'cl100k_base'] as const) {
    t.ok(statSync(join(dir, `${name}.ranks`)).size > 1_000_000, `${name}.ranks written`)
    const tokenizer = await loadTokenizer(name, { ranksDir: dir })
    t.equal(tokenizer.ranks, 'file', `${name}: read from the file`)
    const enc = get_encoding(name)
    let expected = 0
    let counted = 0
    for (const content of turns) {
      expected += enc.encode_ordinary(content).length
      counted += tokenizer.count(content)
    }
    t.equal(counted, expected, `${name}: ${expected} tokens over the fixture`)
    // Every token's bytes are found at its own rank.
    const { table } = await rankTable(name, dir)
    let wrong = 0
    for (let rank = 0; rank < table.rankCount; rank++) {
      const bytes = enc.decode_single_token_bytes(rank)
      if (bytes.length > 0 && table.rank(bytes, 0, bytes.length) !== rank) wrong++
    }
    t.equal(wrong, 0, `${name}: all ${table.rankCount} ranks found by their bytes`)
    enc.free()
  }
})

t.test('bytes that are no token are not found', async t => {
  const { table } = await rankTable('o200k_base', dir)
  const bytes = Buffer.from('qzxqzxqzxqzx unlikely', 'utf8')
  t.equal(table.rank(bytes, 0, bytes.length), -1)
  t.equal(table.rank(Buffer.from([0xff, 0xfe, 0xfd, 0xfc]), 0, 4), -1)
  t.equal(table.rank(Buffer.from('a'), 0, 1), 64, 'a single byte is a token')
  t.equal(hashBytes(bytes, 0, 3), hashBytes(Buffer.from('qzx'), 0, 3), 'the hash depends on the bytes only')
})

t.test('a damaged or foreign table file is refused with its name', async t => {
  const file = join(dir, 'o200k_base.ranks')
  const good = readFileSync(file)
  const check = (bytes: Uint8Array) => {
    const buffer = new SharedArrayBuffer(bytes.length)
    new Uint8Array(buffer).set(bytes)
    return () => new RankTable(buffer)
  }
  t.throws(check(good.subarray(0, good.length - 1)), /holds \d+ bytes, its header says/)
  t.throws(check(Buffer.from('not a table at all, just text...')), /not a rank table/)
  const versioned = Buffer.from(good)
  versioned.writeInt32LE(99, 4)
  t.throws(check(versioned), /version 99/)
  // Slots laid out by another hash function: no lookup finds its token.
  const capacity = good.readInt32LE(8)
  const rehashed = Buffer.from(good)
  for (let slot = 0; slot < capacity; slot++) {
    const at = 32 + capacity * 4 + slot * 4
    rehashed.writeUInt32LE((rehashed.readUInt32LE(at) ^ 1) >>> 0, at)
  }
  t.throws(check(rehashed), /does not find the byte 0: it was written with another hash/)
  const full = Buffer.from(good)
  for (let slot = 0; slot < capacity; slot++) if (full.readInt32LE(32 + slot * 4) === -1) full.writeInt32LE(0, 32 + slot * 4)
  t.throws(check(full), /no empty slot/, 'a table no lookup could leave is refused')
  const outOfRange = Buffer.from(good)
  let emptySlot = 0
  while (good.readInt32LE(32 + emptySlot * 4) !== -1) emptySlot++
  outOfRange.writeInt32LE(10_000_000, 32 + emptySlot * 4)
  t.throws(check(outOfRange), /slots are damaged/)
  // Through the loader, from a directory no thread has loaded yet (the tables are cached per thread and directory).
  const other = mkdtempSync(join(tmpdir(), 'ranks-damaged-'))
  t.teardown(() => rmSync(other, { recursive: true, force: true }))
  writeFileSync(join(other, 'o200k_base.ranks'), good.subarray(0, 100))
  await t.rejects(loadTokenizer('o200k_base', { ranksDir: other }), { message: /o200k_base\.ranks: .*npm run build/ })
  writeFileSync(join(other, 'o200k_base.ranks'), good)
  t.equal((await loadTokenizer('o200k_base', { ranksDir: other })).count('hello world'), 2, 'a good file loads after a failure')
})
