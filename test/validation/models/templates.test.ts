// The compiled chat templates render byte-identically to Python's Jinja2 with transformers'
// settings (render_reference.py: transformers itself when installed). Python with jinja2 is
// found as $PYTHON or python3; without it the test is skipped with the reason printed.
import { spawnSync } from 'node:child_process'
import t from 'tap'
import { compileTemplate } from '../../../src/validation/tokenizers/models/jinja/compile.js'
import { MODEL_IDS, random, randomConversation, testModel } from './support.js'
import { templateMessages } from '../../../src/validation/tokenizers/models/chat.js'

const PYTHON = process.env.PYTHON ?? 'python3'
const SCRIPT = new URL('./render_reference.py', import.meta.url).pathname

interface Case { template: string, messages: unknown[], tools: unknown, add_generation_prompt: boolean, special_tokens: Record<string, string> }
type Result = { text: string } | { error: string }

function pythonRender (cases: Case[]): { engine: string, results: Result[] } {
  const run = spawnSync(PYTHON, [SCRIPT], { input: JSON.stringify({ cases }), maxBuffer: 1 << 28, encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`${PYTHON} ${SCRIPT} failed: ${run.stderr}`)
  return JSON.parse(run.stdout)
}

const probe = spawnSync(PYTHON, ['-c', 'import jinja2'], { encoding: 'utf8' })
const skip = probe.error ? `${PYTHON} is not installed` : probe.status !== 0 ? `${PYTHON} has no jinja2 (pip install jinja2)` : false
if (skip) console.log(`# skipping the Python comparison: ${skip}`)

for (const id of MODEL_IDS) {
  t.test(`${id}: the template renders as transformers renders it`, { skip }, async t => {
    const model = await testModel(id)
    const next = random(1000 + id.length)
    const cases: Case[] = []
    const ours: Result[] = []
    for (let i = 0; i < 150; i++) {
      const conversation = randomConversation(next, id === 'gemma-3' && i % 3 !== 0)
      const upTos = [conversation.turns.length, ...conversation.turns.map((turn, k) => turn.role === 'assistant' ? k : -1).filter(k => k >= 0)]
      for (const upTo of upTos) {
        const add = upTo !== conversation.turns.length
        cases.push({ template: model.manifest.chatTemplate, messages: templateMessages(conversation.turns).slice(0, upTo), tools: conversation.tools, add_generation_prompt: add, special_tokens: model.manifest.specialTokensMap })
        try {
          ours.push({ text: model.renderText(conversation, add, upTo) })
        } catch (error) {
          ours.push({ error: (error as Error).message })
        }
      }
    }
    const { engine, results } = pythonRender(cases)
    t.comment(`${cases.length} renders compared with ${engine}`)
    let same = 0
    results.forEach((result, k) => {
      if (JSON.stringify(result) === JSON.stringify(ours[k])) same++
      else if (same + 5 > k) t.same(ours[k], result, `case ${k}: ${JSON.stringify(cases[k].messages).slice(0, 300)}`)
    })
    t.equal(same, cases.length, 'every render equal, errors with the same message')
    t.ok(results.some(result => 'error' in result) || id !== 'gemma-3', 'some conversations make the template raise')
  })
}

t.test('Jinja2 semantics the templates rely on', { skip }, async t => {
  const templates = [
    "{% for i in [1,2,3] %}{% if i == 1 %}{% set x = 'a' %}{% endif %}{{ x }}{% endfor %}",
    "{% set x = 'o' %}{% for i in [1,2] %}{{ x }}{% set x = 'i' %}{{ x }}{% endfor %}{{ x }}",
    '{{ 7 // 2 }} {{ -7 % 3 }} {{ [1, "a", none, true] }} {{ {"a": 1} }} {{ none }} {{ nothing }}|',
    "{{ ' a \x85' | trim }}|{{ ' \ufeffb'.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ '\n\n a\n'.lstrip('\n') }}|{{ 'a b  c'.split() }}|{{ 'a,b'.split(',', 1) }}",
    "{{ x is iterable }} {{ 'a' is iterable }} {{ {} is mapping }} {{ none is none }} {{ 3 is odd }}",
    "{{ [1, 2] | tojson }} {{ {'a': [1, {'b': 'é\u2028\"\\n'}]} | tojson(indent=2) }} {{ {'a': {}} | tojson(indent=4) }}",
    "{% macro f(a, b='z') %}[{{ a }}{{ b }}]{% endmacro %}{{ f(1) }}{{ f(1, b=2) }}",
    "{{ 'x' in {'x': 1} }} {{ 'ab' in 'cabd' }} {{ [1, 2][-1] }} {{ 'abc'[::-1] }} {{ [1, 2, 3][1:] }} {{ [1, 2, 3][:-1] }}",
    '{% for a in [1, 2, 3] if a > 1 %}{{ loop.index }}/{{ loop.length }}{{ loop.first }}{% else %}none{% endfor %}{% for a in [] %}x{% else %}empty{% endfor %}',
    "{{ x | length }} {{ 'abc' | length }} {{ x | default('d') }} {{ [3, 1] | first }} {{ ['a', 'b'] | join('-') }}",
    "{% set ns = namespace(n=0) %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% if i == 2 %}{% break %}{% endif %}{% endfor %}{{ ns.n }}",
    "{{ 'a' + 1 }}",
    '{{ m.content + "x" }}',
    "{{ raise_exception('Roles must alternate') }}",
    "{%- if true %}\n  a\n{%- endif %}\n  {% if true %}\nb\n  {% endif %}\n{# c #}\nd {{ 'e' }}\n",
    "{{ [{'n': 'b'}, {'n': 'a'}] | map(attribute='n') | join(',') }} {{ [1, 0, 2] | select | list }} {{ [{'t': 1}, {}] | selectattr('t', 'defined') | list | length }}"
  ]
  const cases = templates.map(template => ({ template, messages: [], tools: null, add_generation_prompt: false, special_tokens: { m: '' } }))
  const { results } = pythonRender(cases)
  templates.forEach((template, k) => {
    let ours: Result
    try {
      ours = { text: compileTemplate(template)(new Map<string, unknown>([['messages', []], ['tools', null], ['m', {}]])) }
    } catch (error) {
      ours = { error: (error as Error).message }
    }
    const theirs = results[k]
    const name = JSON.stringify(template).replace(/[^\x20-\x7e]/g, '?') // TAP names must stay on one line
    if ('error' in theirs && 'error' in ours) t.pass(`raises: ${name}`)
    else t.same(ours, theirs, name)
  })
})

t.test('a template using what the compiler does not support is refused when compiled', async t => {
  t.throws(() => compileTemplate('{{ x | wordwrap }}'), { message: 'unsupported filter "wordwrap"' })
  t.throws(() => compileTemplate('{{ x is prime }}'), { message: 'unsupported test "prime"' })
  t.throws(() => compileTemplate('{% for %}'), { message: /^the template does not parse/ })
})
