import t from 'tap'
import type { RecordVerdict } from '../../src/validation/index.js'
import { check, ok, record, turn } from './support.js'

t.test('onRecord tells every non-blank line what the report decided, in file order', async t => {
  const lines = [
    ok('a'), // 1
    '', // 2: blank, not told
    'not json', // 3
    ok('b'), // 4
    record('c', [turn('user', 'q'), turn('assistant', ' x'.repeat(30))]), // 5: over the limit of 20
    JSON.stringify({ messages: [{ role: 'user', content: 'q' }] }), // 6: another format
    ok('a'), // 7: same turns as line 1
    'x'.repeat(400) // 8: too long
  ]
  for (const threads of [1, 2]) {
    const told: Array<[number, boolean, boolean, string | null]> = []
    const report = await check(lines.join('\n') + '\n', {
      contextLimit: 20,
      maxLineBytes: 300,
      threads,
      settings: { batchBytes: 64 },
      onRecord: (line: number, verdict: RecordVerdict) => { told.push([line, verdict.error, verdict.overLimit, verdict.hash ? verdict.hash.join(':') : null]) }
    })
    t.equal(report.counts.too_many_tokens, 1)
    t.same(told.map(([line, error, over]) => [line, error, over]), [
      [1, false, false], [3, true, false], [4, false, false], [5, false, true], [6, true, false], [7, false, false], [8, true, false]
    ], `${threads} thread(s)`)
    t.equal(told[0][3], told[5][3], 'the same conversation, the same hash')
    t.not(told[0][3], told[2][3], 'another conversation, another hash')
  }
})
