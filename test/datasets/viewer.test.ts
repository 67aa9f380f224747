// The conversation viewer on every record format: tool calls, tool results, weight 0, reasoning,
// text records, and ShareGPT/Alpaca as the same chat bubbles.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { apiUser, Browser, buildTestApp, uploadDataset, waitForFinal } from '../helper.js'

const fixture = (name: string) => readFileSync(new URL(`../fixtures/formats/${name}`, import.meta.url))
const unescape = (html: string) => html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')

/** Each conversation of a records fragment: its line and its bubbles (classes and inner HTML). */
function conversations (html: string): Map<number, Array<{ classes: string, inner: string }>> {
  const found = new Map<number, Array<{ classes: string, inner: string }>>()
  const parts = html.split(/<li class="conversation[^"]*" id="line-(\d+)">/)
  for (let i = 1; i < parts.length; i += 2) {
    const bubbles: Array<{ classes: string, inner: string }> = []
    const open = /<div class="(bubble [^"]*)">/g
    for (let match = open.exec(parts[i + 1]); match; match = open.exec(parts[i + 1])) {
      let depth = 1
      const tags = /<(\/?)div\b[^>]*>/g
      tags.lastIndex = open.lastIndex
      let tag: RegExpExecArray | null = null
      while (depth > 0 && (tag = tags.exec(parts[i + 1]))) depth += tag[1] ? -1 : 1
      bubbles.push({ classes: match[1], inner: parts[i + 1].slice(open.lastIndex, tag!.index) })
    }
    found.set(Number(parts[i]), bubbles)
  }
  return found
}

t.test('the viewer shows each format as chat bubbles, with tool calls, results, weight 0 and reasoning', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app, 'viewer@example.com')
  const browser = new Browser(app)
  await browser.get('/login')
  t.equal((await browser.post('/login', { email: user.email, password: user.password })).statusCode, 303)
  const page = async (name: string) => {
    const { dataset } = (await uploadDataset(app, user.headers, fixture(name), { name }, name)).json().data
    t.equal((await waitForFinal(app, user.headers, dataset.id)).status, 'ready', `${name} is ready`)
    const response = await browser.get(`/datasets/${dataset.id}/records?offset=0`, { 'hx-request': 'true' })
    t.equal(response.statusCode, 200)
    return { id: dataset.id as string, html: response.body, shown: conversations(response.body) }
  }

  const openai = await page('openai-tools.jsonl')
  const first = openai.shown.get(1)!
  t.same(first.map(b => b.classes), ['bubble bubble-system', 'bubble bubble-user', 'bubble bubble-assistant', 'bubble bubble-tool', 'bubble bubble-tool', 'bubble bubble-assistant'])
  const calls = [...first[2].inner.matchAll(/<details class="tool-call" id="([^"]+)" open><summary>Calls <code>([^<]+)<\/code> <small>([^<]+)<\/small><\/summary><pre class="arguments"><code>([^<]*)<\/code><\/pre><\/details>/g)]
  t.same(calls.map(c => [c[2], c[3], unescape(c[4])]), [['get_weather', 'call_1', '{\n  "city": "Lima"\n}'], ['get_time', 'call_2', '{\n  "city": "Lima"\n}']], 'each call: its name, id and arguments pretty-printed, collapsible')
  t.notMatch(first[2].inner, /class="content"/, 'a turn with only tool calls shows no empty text')
  t.match(first[3].inner, `<small class="role">tool<span class="answers"> · result of <a href="#${calls[0][1]}"><code>get_weather</code></a></span></small><div class="content">{&quot;temp_c&quot;: 19}</div>`, 'a result names and links its call')
  t.match(first[4].inner, `<a href="#${calls[1][1]}"><code>get_time</code></a>`, 'the second result answers the second call, by id')

  const second = openai.shown.get(2)!
  t.equal(second[1].classes, 'bubble bubble-assistant not-trained', 'weight 0: marked')
  t.match(second[1].inner, /^<small class="role">assistant<span class="not-trained-label"[^>]*> · not trained<\/span><\/small><div class="content">Let me think: 391.<\/div>$/)
  t.equal(second[3].classes, 'bubble bubble-assistant', 'weight 1: trained')
  t.match(second[3].inner, /^<small class="role">assistant<\/small><details class="reasoning"><summary>Reasoning<\/summary><div class="content">17 × 20 = 340, 17 × 3 = 51, 340 \+ 51 = 391.<\/div><\/details><div class="content">17 × 23 = 340 \+ 51 = 391.<\/div>$/, 'reasoning collapsible, before the answer')
  t.match(openai.shown.get(4)![2].inner, /result of <a href="#line-4-call-1-0"><code>get_time<\/code><\/a>/, 'a legacy function result answers the call before it')
  t.match(openai.html, /<details class="declared-tools"><summary>Tools declared: <code>get_weather<\/code>, <code>get_time<\/code><\/summary>/)

  // The detected format is named on the dataset page and its card; the form names them all.
  const show = (await browser.get(`/datasets/${openai.id}`)).body
  t.match(show, /<dt>Format<\/dt><dd>OpenAI chat <small>\(<a href="\/formats#openai">/)
  t.match(show, /<small>Tool calls<\/small><strong>3<\/strong>/)
  t.match((await browser.get('/datasets')).body, new RegExp(`id="card-${openai.id}"[\\s\\S]*?<p class="card-stats"><span class="card-format">OpenAI chat</span>`))
  const form = (await browser.get('/datasets/new')).body
  t.match(form, /OpenAI chat, ShareGPT, Alpaca, Prompt \/ completion, Plain text, Native \(v1\)\. <a href="\/formats"/, 'the upload form names every format and links the guide')

  const sharegpt = await page('sharegpt-tools.jsonl')
  const share = sharegpt.shown.get(1)!
  t.same(share.map(b => b.classes), ['bubble bubble-user', 'bubble bubble-assistant', 'bubble bubble-tool', 'bubble bubble-assistant'], 'ShareGPT: the same bubbles')
  t.match(share[0].inner, /^<small class="role">user<\/small><div class="content">How much is 100 euros in yen\?<\/div>$/)
  t.match(share[1].inner, /<summary>Calls <code>convert_currency<\/code><\/summary><pre class="arguments"><code>\{\n {2}&quot;amount&quot;: 100,/, 'a function_call: its name and arguments, no id')
  t.match(share[2].inner, /result of <a href="#line-1-call-1-0"><code>convert_currency<\/code><\/a>/, 'the observation answers it')

  const alpaca = (await page('alpaca.jsonl')).shown
  t.same(alpaca.get(2)!.map(b => [b.classes, b.inner]), [
    ['bubble bubble-user', '<small class="role">user</small><div class="content">Translate into French.\nGood morning</div>'],
    ['bubble bubble-assistant', '<small class="role">assistant</small><div class="content">Bonjour</div>']
  ], 'Alpaca: instruction and input, then the output')
  t.same(alpaca.get(4)!.map(b => b.classes), ['bubble bubble-system', 'bubble bubble-user', 'bubble bubble-assistant', 'bubble bubble-user', 'bubble bubble-assistant', 'bubble bubble-user', 'bubble bubble-assistant'], 'system, history pairs, instruction')

  const text = (await page('text.jsonl')).shown
  t.same(text.get(2), [{ classes: 'bubble bubble-text', inner: '<small class="role">text</small><div class="content">LoRA freezes the base weights and trains low-rank updates.</div>' }], 'a text record: one block')

  // What a tool call shows is escaped.
  const hostile = JSON.stringify({ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: null, tool_calls: [{ id: '"><script>1</script>', type: 'function', function: { name: '<img src=x onerror=alert(1)>', arguments: '{"a": "</code><script>2</script>"}' } }] }, { role: 'tool', tool_call_id: '"><script>1</script>', content: 'r' }, { role: 'assistant', content: 'ok' }] }) + '\n'
  const { dataset } = (await uploadDataset(app, user.headers, hostile)).json().data
  await waitForFinal(app, user.headers, dataset.id)
  const html = (await browser.get(`/datasets/${dataset.id}/records?offset=0`, { 'hx-request': 'true' })).body
  t.notMatch(html, /<script>|<img /, 'no markup from the file')
  t.match(html, /<code>&lt;img src=x onerror=alert\(1\)&gt;<\/code>/)
  t.match(html, /<small>&quot;&gt;&lt;script&gt;1&lt;\/script&gt;<\/small>/)
})
