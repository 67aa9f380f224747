// alpaca, prompt_completion and text records.
import t from 'tap'
import { get_encoding } from 'tiktoken'
import { check, issues } from '../support.js'

const line = (record: unknown) => JSON.stringify(record) + '\n'

async function found (record: unknown): Promise<Array<[string, string]>> {
  return issues(await check(line(record))).map(([, code, path]) => [code as string, path as string])
}

t.test('alpaca: instruction (+ "\\n" + input), output, system, history', async t => {
  const enc = get_encoding('o200k_base')
  const count = (s: string) => enc.encode_ordinary(s).length
  const joined = await check(line({ instruction: 'Translate', input: 'Good morning', output: 'Bonjour' }))
  t.equal(joined.stats.tokens, count('Translate\nGood morning') + count('Bonjour'), 'input joined with "\\n"')
  t.equal(joined.stats.format, 'alpaca')
  const noInput = await check(line({ instruction: 'Name a colour.', input: '', output: 'Red.' }))
  t.same(issues(noInput), [], 'an empty input is the usual case, not a warning')
  t.equal(noInput.stats.tokens, count('Name a colour.') + count('Red.'))
  const full = await check(line({ system: 'Tutor.', history: [['1+1?', '2.'], ['2+2?', '4.']], instruction: '3+3?', output: '6.' }))
  t.same(issues(full), [])
  t.same(full.stats.role_counts, { system: 1, user: 3, assistant: 3, tool: 0 })
  t.equal(full.stats.training_pairs, 3)
  t.equal(full.stats.assistant_tokens, count('2.') + count('4.') + count('6.'))
  enc.free()
  t.same(await found({ instruction: 'x' }), [['missing_content', 'output']])
  t.same(await found({ instruction: 3, output: 'y' }), [['missing_content', 'instruction']])
  t.same(await found({ instruction: ' ', output: '' }), [['empty_content', 'instruction'], ['empty_content', 'output']])
  t.same(await found({ instruction: 'x', input: 4, output: 'y' }), [['invalid_field', 'input']])
  t.same(await found({ system: {}, instruction: 'x', output: 'y' }), [['invalid_field', 'system']])
  t.same(await found({ history: 'x', instruction: 'x', output: 'y' }), [['invalid_field', 'history']])
  t.same(await found({ history: [['q', 'a'], ['q'], ['q', 3], 'qa'], instruction: 'x', output: 'y' }),
    [['invalid_field', 'history[1]'], ['invalid_field', 'history[2]'], ['invalid_field', 'history[3]']])
  t.same(await found({ id: [], system: 5, history: [1], instruction: null, input: 2, output: 3 }),
    [['invalid_conversation_id', 'id'], ['invalid_field', 'system'], ['invalid_field', 'history[0]'], ['missing_content', 'instruction'], ['invalid_field', 'input'], ['missing_content', 'output']], 'path order')
  t.same(await found({ instruction: 'x <|endoftext|>', output: 'y' }), [['special_token_in_content', 'instruction']])
  const long = await check(line({ instruction: 'one two three', output: 'four' }) + line({ instruction: 'one two three', output: 'four' }), { contextLimit: 2 })
  t.same(issues(long), [[1, 'too_many_tokens', ''], [2, 'duplicate_conversation', ''], [2, 'too_many_tokens', '']], 'conversation-level issues of a record with no container: path ""')
  const afterFirst = await check(line({ instruction: 'a', output: 'b' }) + line({ output: 'only' }))
  t.same(issues(afterFirst), [[2, 'missing_content', 'instruction']], 'a record without instruction in an alpaca file')
})

t.test('prompt_completion: both keys recognise it', async t => {
  const enc = get_encoding('o200k_base')
  const report = await check(line({ prompt: 'The capital of Peru is', completion: ' Lima.' }))
  t.same(issues(report), [])
  t.equal(report.stats.format, 'prompt_completion')
  t.equal(report.stats.assistant_tokens, enc.encode_ordinary(' Lima.').length)
  t.equal(report.stats.training_pairs, 1)
  enc.free()
  const file = (second: unknown) => check(line({ prompt: 'p', completion: 'c' }) + line(second))
  t.same(issues(await file({ prompt: 'p' })), [[2, 'missing_content', 'completion']], 'one key alone is no recognising key')
  t.same(issues(await file({ prompt: 'p', completion: 5 })), [[2, 'missing_content', 'completion']])
  t.same(issues(await file({ prompt: '', completion: 'c' })), [[2, 'empty_content', 'prompt']])
  t.same(issues(await file({ prompt: [{ role: 'user', content: 'p' }], completion: 'c' })), [[2, 'missing_content', 'prompt']], 'conversational prompts are not this format')
})

t.test('text: one trained segment', async t => {
  const enc = get_encoding('o200k_base')
  const report = await check(line({ text: 'Plain text for pre-training.' }) + line({ text: 'Plain text for pre-training.' }) + line({ text: 'word '.repeat(30) }), { contextLimit: 20 })
  const n = enc.encode_ordinary('Plain text for pre-training.').length
  t.equal(report.stats.format, 'text')
  t.equal(report.stats.tokens, 2 * n + enc.encode_ordinary('word '.repeat(30)).length)
  t.equal(report.stats.assistant_tokens, report.stats.tokens)
  t.equal(report.stats.turns, 0)
  t.same(issues(report), [[2, 'duplicate_conversation', 'text'], [3, 'too_many_tokens', 'text']], 'duplicates compare the text; no no_assistant_turn')
  enc.free()
  const bad = await check(line({ text: 'a' }) + line({ text: 7 }) + line({ text: ' ' }) + line({ body: 'x' }) + line({ text: 'x <|im_start|>' }))
  t.same(issues(bad), [[2, 'missing_content', 'text'], [4, 'missing_content', 'text'], [3, 'empty_content', 'text'], [5, 'special_token_in_content', 'text']])
})
