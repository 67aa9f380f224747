import t from 'tap'
import { packedSequences } from '../../../src/validation/rules/packing.js'
import { check, issues, record, turn } from '../support.js'

t.test('native keeps v1 and gets the two new warnings', async t => {
  const report = await check(record('a', [turn('user', 'a'), turn('user', 'b'), turn('assistant', 'c'), turn('system', 'd'), turn('tool', 'e'), turn('tool', 'f'), turn('assistant', 'g'), turn('assistant', 'h')]) + '\n')
  t.same(issues(report), [
    [1, 'consecutive_roles', 'turns[1]'], [1, 'consecutive_roles', 'turns[7]'], [1, 'system_not_first', 'turns[3]']
  ], 'two tool turns in a row are fine (parallel results); the rule order: no_assistant_turn, consecutive_roles, system_not_first, duplicates, tokens')
  t.equal(report.outcome, 'ready', 'warnings only')
  t.match(report.warnings[0].message, /turns\[1\] is a second user turn in a row/)
  t.match(report.warnings[2].message, /turns\[3\] is a system turn after the first turn/)
  const all = await check([record('a', [turn('system', 's'), turn('system', 't')]), record('b', [turn('system', 's'), turn('system', 't')])].join('\n') + '\n', { contextLimit: 1 })
  t.same(issues(all), [
    [1, 'no_assistant_turn', 'turns'], [1, 'consecutive_roles', 'turns[1]'], [1, 'system_not_first', 'turns[1]'], [1, 'too_many_tokens', 'turns'],
    [2, 'no_assistant_turn', 'turns'], [2, 'consecutive_roles', 'turns[1]'], [2, 'system_not_first', 'turns[1]'], [2, 'duplicate_conversation', 'turns'], [2, 'too_many_tokens', 'turns']
  ])
  const broken = await check(record('a', [turn('user', 'a'), turn('user', 'b'), { role: 'bot', content: 'x' }]) + '\n')
  t.same(issues(broken), [[1, 'unknown_role', 'turns[2].role']], 'no conversation-level warning on a turn list with an error')
})

t.test('stats: tool_calls, over_limit and packed_sequences (first-fit decreasing)', async t => {
  // Token counts 6, 5, 4, 3, 2, 2 with a limit of 10 (" x" is one token): FFD packs [6, 4] [5, 3, 2] [2].
  const sizes = [2, 6, 3, 5, 2, 4]
  const lines = sizes.map((n, i) => record(`c${i}`, [turn('user', 'q'), turn('assistant', ' x'.repeat(n - 1))]))
  lines.push(record('long', [turn('user', 'q'), turn('assistant', ' x'.repeat(20))]))
  const report = await check(lines.join('\n') + '\n', { contextLimit: 10 })
  t.same(report.stats.tokens_per_conversation, { min: 2, p50: 4, p95: 21, max: 21 })
  t.equal(report.stats.over_limit, 1)
  t.equal(report.stats.packed_sequences, 3)
  t.equal(report.stats.tool_calls, 0)
  t.equal(report.stats.format, 'native')
  t.same(Object.keys(report.stats).slice(-6), ['bytes', 'lines', 'format', 'packed_sequences', 'over_limit', 'tool_calls'], 'the new fields after the v1 ones')
})

t.test('first-fit decreasing, against a plain implementation', async t => {
  let seed = 5
  const random = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff }
  for (let round = 0; round < 200; round++) {
    const limit = 1 + Math.floor(random() * 100)
    const values = Array.from({ length: Math.floor(random() * 60) }, () => Math.floor(random() * 130))
    const bins: number[] = []
    for (const value of values.filter(v => v <= limit).sort((a, b) => b - a)) {
      const at = bins.findIndex(room => room >= value)
      if (at === -1) bins.push(limit - value)
      else bins[at] -= value
    }
    t.equal(packedSequences(Uint32Array.from(values).sort(), limit), bins.length, `round ${round}`)
  }
  t.equal(packedSequences(new Uint32Array([]), 10), 0)
  t.equal(packedSequences(new Uint32Array([11, 12]), 10), 0, 'nothing within the limit')
  t.equal(packedSequences(new Uint32Array([0]), 10), 1)
})
