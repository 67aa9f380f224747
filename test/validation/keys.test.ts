// Strings from the data that name properties every object has are just strings (dataset-format.md,
// "Keys are looked up as the record's own keys only").
import t from 'tap'
import fc from 'fast-check'
import { isIssueCode, isTokenizerName, severityOf } from '../../src/validation/index.js'
import { check, issues, record, turn } from './support.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 150)

/** Names of built-in object properties, and a few more that are properties of functions and arrays. */
const BUILT_IN = [...new Set([
  ...Object.getOwnPropertyNames(Object.prototype), '__proto__', 'prototype', 'constructor',
  ...Object.getOwnPropertyNames(Function.prototype), ...Object.getOwnPropertyNames(Array.prototype)
])]
const builtIn = fc.constantFrom(...BUILT_IN)

t.test('roles that name object properties are unknown_role', async t => {
  await fc.assert(fc.asyncProperty(builtIn, async role => {
    const report = await check(record('a', [turn(role, 'x'), turn('assistant', 'y')]) + '\n')
    t.same(issues(report), [[1, 'unknown_role', 'turns[0].role']], role)
    t.equal(report.stats.conversations, 0, `${role}: not counted`)
  }), { numRuns: Math.min(RUNS, BUILT_IN.length * 2) })
  // Every one of them, not only those fast-check drew.
  const lines = BUILT_IN.map((role, i) => record(`r${i}`, [turn(role, 'x'), turn('assistant', 'y')]))
  const report = await check(lines.join('\n') + '\n')
  t.equal(report.counts.unknown_role, BUILT_IN.length, `all ${BUILT_IN.length} roles refused`)
  t.equal(report.stats.conversations, 0)
})

t.test('keys that name object properties are not the record\'s keys', async t => {
  const turns = [turn('user', 'q'), turn('assistant', 'a')]
  for (const key of ['__proto__', 'constructor', 'prototype', 'toString']) {
    const nested = await check(`{${JSON.stringify(key)}: ${JSON.stringify({ conversation_id: 'x', turns })}}\n`)
    t.same(issues(nested), [[1, 'missing_conversation_id', 'conversation_id'], [1, 'missing_turns', 'turns']], `turns under ${key}`)
  }
  const inTurn = await check(`{"conversation_id":"x","turns":[{"__proto__":{"role":"user","content":"q"}},{"role":"assistant","content":"a"}]}\n`)
  t.same(issues(inTurn), [[1, 'missing_role', 'turns[0].role'], [1, 'missing_content', 'turns[0].content']], 'role and content under __proto__ are not the turn\'s')
  await fc.assert(fc.asyncProperty(builtIn, fc.jsonValue(), async (key, value) => {
    const line = `{"conversation_id":"k",${JSON.stringify(key)}:${JSON.stringify(value)},"turns":${JSON.stringify(turns)}}\n`
    const report = await check(line)
    t.equal(report.outcome, 'ready', `an extra key ${key} is ignored`)
  }), { numRuns: RUNS })
})

t.test('tokenizer names and issue codes that name object properties are refused', async t => {
  fc.assert(fc.property(builtIn, name => {
    t.equal(isTokenizerName(name), false, `tokenizer ${name}`)
    t.equal(isIssueCode(name), false, `code ${name}`)
    t.equal(severityOf(name), undefined)
  }), { numRuns: Math.min(RUNS, BUILT_IN.length * 2) })
  t.equal(isTokenizerName('o200k_base'), true)
  t.equal(severityOf('invalid_json'), 'error')
})
