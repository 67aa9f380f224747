import t from 'tap'
import { check, issues, ok, record, turn } from './support.js'

const valid = [turn('user', 'Hi'), turn('assistant', 'Hello!')]

t.test('JSON is strict RFC 8259', async t => {
  for (const bad of ['{"conversation_id": NaN}', '{"a": Infinity}', '{"a": 1,}', '// c\n', "{'a': 1}", '{"a": 1} {"b": 2}', '{"a": 01}', '{"a": "\\x"}', '[1,]']) {
    const report = await check(bad.endsWith('\n') ? bad : bad + '\n')
    t.same(issues(report), [[1, 'invalid_json', '']], bad)
    t.match(report.errors[0].message, /^The line is not valid JSON: /)
  }
})

t.test('a duplicate key keeps the last value', async t => {
  const report = await check(`{"conversation_id":"a","turns":"not yet","turns":${JSON.stringify(valid)}}\n`)
  t.equal(report.outcome, 'ready')
  const reversed = await check(`{"conversation_id":"a","turns":${JSON.stringify(valid)},"turns":null}\n`)
  t.same(issues(reversed), [[1, 'invalid_turns', 'turns']])
})

t.test('invalid UTF-8 is invalid_utf8, never invalid_json', async t => {
  const line = Buffer.concat([Buffer.from('{"conversation_id":"a","turns":[{"role":"user","content":"caf'), Buffer.from([0xe9]), Buffer.from('"}]}\n')])
  t.same(issues(await check(line)), [[1, 'invalid_utf8', '']])
  const broken = Buffer.concat([Buffer.from('{"a": '), Buffer.from([0xff, 0xfe]), Buffer.from('\n')])
  t.same(issues(await check(broken)), [[1, 'invalid_utf8', '']], 'even when the JSON is broken too')
  const surrogate = Buffer.concat([Buffer.from(record('s', [turn('user', 'x'), turn('assistant', 'y')]).slice(0, -3)), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}]}\n')])
  t.same(issues(await check(surrogate)), [[1, 'invalid_utf8', '']], 'UTF-8-encoded surrogates are invalid')
  const report = await check(Buffer.concat([line, Buffer.from(ok('b') + '\n')]))
  t.equal(report.stats.conversations, 1, 'the next line is checked normally')
})

t.test('escaped lone surrogate "\\ud800" is valid JSON text', async t => {
  const report = await check(`{"conversation_id":"s","turns":[{"role":"user","content":"a\\ud800b"},{"role":"assistant","content":"ok"}]}\n`)
  t.equal(report.outcome, 'ready')
  t.ok(report.stats.tokens > 0)
})

t.test('a record must be a JSON object', async t => {
  for (const [value, kind] of [['[1,2]', 'an array'], ['42', 'the number 42'], ['"text"', 'a string'], ['null', 'null'], ['true', 'the boolean true']]) {
    const report = await check(value + '\n')
    t.same(issues(report), [[1, 'not_an_object', '']], value)
    t.match(report.errors[0].message, kind)
  }
})

t.test('conversation_id: missing, null, wrong types', async t => {
  const cases: Array<[string, string]> = [
    ['{"turns":TURNS}', 'missing_conversation_id'],
    ['{"conversation_id":null,"turns":TURNS}', 'missing_conversation_id'],
    ['{"conversation_id":"","turns":TURNS}', 'invalid_conversation_id'],
    ['{"conversation_id":true,"turns":TURNS}', 'invalid_conversation_id'],
    ['{"conversation_id":1.5,"turns":TURNS}', 'invalid_conversation_id'],
    ['{"conversation_id":{},"turns":TURNS}', 'invalid_conversation_id'],
    ['{"conversation_id":["a"],"turns":TURNS}', 'invalid_conversation_id']
  ]
  for (const [template, code] of cases) {
    const report = await check(template.replace('TURNS', JSON.stringify(valid)) + '\n')
    t.same(issues(report), [[1, code, 'conversation_id']], template)
    t.equal(report.stats.conversations, 0, 'a line with an error is not counted')
  }
  for (const id of ['"x"', '7', '-3', '0', '"  "']) {
    const report = await check(`{"conversation_id":${id},"turns":${JSON.stringify(valid)}}\n`)
    t.equal(report.outcome, 'ready', `id ${id} is valid`)
  }
})

t.test('duplicate conversation ids compare by type and value, exactly as written', async t => {
  const report = await check([ok('a'), ok(1), ok('1'), ok('a'), ok(1), ok('é'), ok('e\u0301'), ok('A')].join('\n') + '\n')
  t.same(issues(report), [
    [4, 'duplicate_conversation_id', 'conversation_id'], [4, 'duplicate_conversation', 'turns'],
    [5, 'duplicate_conversation_id', 'conversation_id'], [5, 'duplicate_conversation', 'turns']
  ], 'the same turns are a duplicate conversation too')
  t.match(report.warnings[0].message, /"a" already appeared on line 1/)
  t.match(report.warnings[2].message, /1 already appeared on line 2/)
  t.equal(report.outcome, 'ready', 'a warning only')
  t.equal(report.stats.conversations, 8, 'duplicates still count')
})

t.test('turns: missing, null, not an array, empty', async t => {
  const cases: Array<[string, string]> = [
    ['{"conversation_id":"a"}', 'missing_turns'],
    ['{"conversation_id":"a","turns":null}', 'invalid_turns'],
    ['{"conversation_id":"a","turns":"hi"}', 'invalid_turns'],
    ['{"conversation_id":"a","turns":{}}', 'invalid_turns'],
    ['{"conversation_id":"a","turns":[]}', 'invalid_turns']
  ]
  for (const [line, code] of cases) t.same(issues(await check(line + '\n')), [[1, code, 'turns']], line)
})

t.test('each turn: object, role, content', async t => {
  const cases: Array<[unknown[], Array<[string, string]>]> = [
    [[1, turn('assistant', 'x')], [['invalid_turn', 'turns[0]']]],
    [[null, [], 'x'], [['invalid_turn', 'turns[0]'], ['invalid_turn', 'turns[1]'], ['invalid_turn', 'turns[2]']]],
    [[{ content: 'x' }, turn('assistant', 'y')], [['missing_role', 'turns[0].role']]],
    [[{ role: 5, content: 'x' }, turn('assistant', 'y')], [['missing_role', 'turns[0].role']]],
    [[turn('bot', 'x'), turn('assistant', 'y')], [['unknown_role', 'turns[0].role']]],
    [[turn('User', 'x'), turn('assistant', 'y')], [['unknown_role', 'turns[0].role']]],
    [[{ role: 'user' }, turn('assistant', 'y')], [['missing_content', 'turns[0].content']]],
    [[{ role: 'user', content: ['x'] }, turn('assistant', 'y')], [['missing_content', 'turns[0].content']]],
    [[{ role: 'user', content: null }, turn('assistant', 'y')], [['missing_content', 'turns[0].content']]]
  ]
  for (const [turns, expected] of cases) {
    const report = await check(record('a', turns) + '\n')
    t.same(issues(report), expected.map(([code, path]) => [1, code, path]), JSON.stringify(turns))
  }
  for (const role of ['system', 'user', 'assistant', 'tool']) {
    t.equal((await check(record('a', [turn(role, 'x'), turn('assistant', 'y')]) + '\n')).outcome, 'ready', role)
  }
})

t.test('empty or white-space-only content is a warning', async t => {
  for (const content of ['', ' ', '\n\t', '\u3000\u00a0\u2028', '\u0085']) {
    const report = await check(record('a', [turn('user', content), turn('assistant', 'y')]) + '\n')
    const name = [...content].map(c => 'U+' + c.codePointAt(0)!.toString(16).padStart(4, '0')).join(' ') || 'empty'
    t.same(issues(report), [[1, 'empty_content', 'turns[0].content']], name)
    t.equal(report.outcome, 'ready')
  }
  const bomChar = await check(record('a', [turn('user', '\ufeff'), turn('assistant', 'y')]) + '\n')
  t.same(issues(bomChar), [], 'U+FEFF is not Unicode White_Space')
})

t.test('conversation-level warnings', async t => {
  const noAssistant = await check(record('a', [turn('system', 's'), turn('user', 'u')]) + '\n')
  t.same(issues(noAssistant), [[1, 'no_assistant_turn', 'turns']])
  t.equal(noAssistant.outcome, 'ready')

  const base = [turn('user', 'Same question'), turn('assistant', 'Same answer')]
  const dup = await check([
    record('a', base),
    record('b', base, { metadata: { other: 'keys do not matter' } }),
    record('c', [{ ...base[0], name: 'extra' }, base[1]]),
    record('d', [base[1], base[0]]),
    record('e', [turn('user', 'Same question '), base[1]])
  ].join('\n') + '\n')
  t.same(issues(dup), [[2, 'duplicate_conversation', 'turns'], [3, 'duplicate_conversation', 'turns']])
  t.match(dup.warnings[0].message, /already appeared on line 1/)

  const long = await check(record('a', [turn('user', 'one two three'), turn('assistant', 'four five six')]) + '\n', { contextLimit: 5 })
  t.same(issues(long), [[1, 'too_many_tokens', 'turns']])
  t.match(long.warnings[0].message, /6 tokens, more than the context limit of 5/)
  const exact = await check(record('a', [turn('user', 'one two three'), turn('assistant', 'four five six')]) + '\n', { contextLimit: 6 })
  t.same(issues(exact), [], 'exactly the limit is fine')
  const defaultLimit = await check(record('a', [turn('user', 'word '.repeat(8200)), turn('assistant', 'x')]) + '\n')
  t.same(issues(defaultLimit), [[1, 'too_many_tokens', 'turns']], 'the default limit is 8,192')
})

t.test('special-token strings: a warning, counted as plain text', async t => {
  const report = await check(record('a', [turn('user', 'before <|endoftext|> after'), turn('assistant', 'fine <|im_start|>')]) + '\n')
  t.same(issues(report), [[1, 'special_token_in_content', 'turns[0].content'], [1, 'special_token_in_content', 'turns[1].content']])
  t.equal(report.outcome, 'ready')
  const plain = await check(record('a', [turn('user', 'before <|endoftext|> after'), turn('assistant', 'x')]) + '\n')
  t.ok(plain.stats.tokens > 4, 'the special string is several ordinary tokens, not one special token')
  const fim = await check(record('a', [turn('user', '<|fim_prefix|>'), turn('assistant', 'x')]) + '\n', { tokenizer: 'cl100k_base' })
  t.same(issues(fim), [[1, 'special_token_in_content', 'turns[0].content']], 'each tokenizer has its own list')
  const fimO200 = await check(record('a', [turn('user', '<|fim_prefix|>'), turn('assistant', 'x')]) + '\n', { tokenizer: 'o200k_base' })
  t.same(issues(fimO200), [])
  const first = await check(record('a', [turn('user', 'a <|im_start|> b <|endoftext|> c <|'), turn('assistant', '<|<|endofprompt|>')]) + '\n')
  t.match(first.warnings[0].message, /string <\|endoftext\|>;/, 'several in one content: the first of the list is named, wherever it stands')
  t.match(first.warnings[1].message, /string <\|endofprompt\|>;/, 'found right after a lone "<|"')
})

t.test('duplicate conversations: same roles and contents, however they are split or escaped', async t => {
  const report = await check([
    record('a', [turn('user', 'ab'), turn('assistant', 'c')]),
    record('b', [turn('user', 'a'), turn('assistant', 'bc')]),
    record('c', [turn('user', 'a:b'), turn('assistant', 'c')]),
    record('d', [turn('user', '\ud800'), turn('assistant', 'x')]),
    record('e', [turn('user', '\ufffd'), turn('assistant', 'x')]),
    JSON.stringify({ conversation_id: 'f', turns: [turn('user', 'ab'), turn('assistant', 'c')] }).replace('ab', '\\u0061b')
  ].join('\n') + '\n')
  t.same(issues(report).filter(([, code]) => code === 'duplicate_conversation'), [[6, 'duplicate_conversation', 'turns']],
    'moved boundaries, a lone surrogate and U+FFFD differ; an escaped letter is the same letter')
})

t.test('issue order within a line, and warnings on lines with errors', async t => {
  const line = JSON.stringify({
    conversation_id: 1.5,
    turns: [{ role: 'bot' }, turn('user', ' '), { content: 3 }]
  })
  t.same(issues(await check(line + '\n')), [
    [1, 'invalid_conversation_id', 'conversation_id'],
    [1, 'unknown_role', 'turns[0].role'],
    [1, 'missing_content', 'turns[0].content'],
    [1, 'missing_role', 'turns[2].role'],
    [1, 'missing_content', 'turns[2].content'],
    [1, 'empty_content', 'turns[1].content']
  ])
  const warningsOnError = await check([
    record('x', null),
    record('x', [turn('user', 'q')]),
    record(false, [turn('user', 'q')])
  ].join('\n') + '\n', { contextLimit: 0 })
  t.same(issues(warningsOnError), [
    [1, 'invalid_turns', 'turns'],
    [3, 'invalid_conversation_id', 'conversation_id'],
    [2, 'duplicate_conversation_id', 'conversation_id'],
    [2, 'no_assistant_turn', 'turns'],
    [2, 'too_many_tokens', 'turns'],
    [3, 'no_assistant_turn', 'turns'],
    [3, 'duplicate_conversation', 'turns'],
    [3, 'too_many_tokens', 'turns']
  ], 'a valid id on an error line still counts; a valid turns array on an error line still gets conversation warnings')
  t.equal(warningsOnError.stats.conversations, 1, 'only line 2 has no error')
})

t.test('nesting depth does not crash the validator', async t => {
  const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)
  const report = await check(`{"conversation_id":"d","turns":${JSON.stringify(valid)},"metadata":${deep(10_000)}}\n`)
  t.equal(report.outcome, 'ready', '10,000-deep metadata is fine')
  const whole = await check(deep(100_000) + '\n')
  t.same(issues(whole), [[1, 'not_an_object', '']])
  const content = await check(`{"conversation_id":"d","turns":[{"role":"user","content":${deep(10_000)}}]}\n`)
  t.same(issues(content), [[1, 'missing_content', 'turns[0].content']])
  const unclosed = await check('['.repeat(1_000_000) + '\n')
  t.same(issues(unclosed), [[1, 'invalid_json', '']])
})

t.test('random bytes never crash the validator', async t => {
  let seed = 42
  const bytes = Buffer.alloc(256 * 1024)
  for (let i = 0; i < bytes.length; i++) { seed = (seed * 1103515245 + 12345) & 0x7fffffff; bytes[i] = seed >> 16 }
  const report = await check(bytes, { chunkSize: 4096 })
  t.equal(report.outcome, 'error')
  const kept = [...report.errors, ...report.warnings]
  t.ok(kept.every(issue => issue.line >= 0 && issue.line <= report.stats.lines), 'line numbers stay within the file')
  t.ok(kept.length > 0)
})

t.test('the report keeps the first 100 issues of each severity, and exact totals', async t => {
  const lines: string[] = []
  for (let i = 0; i < 250; i++) lines.push('not json', '')
  lines.push(ok('last'))
  const report = await check(lines.join('\n') + '\n')
  t.equal(report.errors.length, 100)
  t.equal(report.warnings.length, 100)
  t.same(report.counts, { invalid_json: 250, blank_line: 250 })
  t.same(report.errors.slice(0, 3).map(i => i.line), [1, 3, 5], 'first ones, in file order')
  t.equal(report.errors[99].line, 199)
  t.equal(report.warnings[99].line, 200)
  t.equal(report.stats.conversations, 1)
  const custom = await check(lines.join('\n') + '\n', { maxIssuesPerSeverity: 5 })
  t.equal(custom.errors.length, 5)
})

t.test('100,000 different conversations and ids: no duplicate reported (the 64-bit hashes keep them apart)', async t => {
  const lines: string[] = []
  for (let i = 0; i < 100_000; i++) {
    // Near neighbours on purpose: one code unit apart, numbers and their strings, swapped halves.
    lines.push(JSON.stringify({ conversation_id: i % 2 ? i : String(i), turns: [turn('user', `q${i % 1000}`), turn('assistant', String.fromCharCode(0x20 + (i % 5000)) + (i >> 3))] }))
  }
  const report = await check(lines.join('\n') + '\n')
  t.equal(report.stats.conversations, 100_000)
  t.same(report.counts, {}, 'no duplicate_conversation, no duplicate_conversation_id')
})
