import t from 'tap'
import { readFileSync } from 'node:fs'
import { Browser, buildTestApp, multipart, sampleDataset } from '../helper.js'

const CODE_TURNS = readFileSync(new URL('../fixtures/code-turns.jsonl', import.meta.url))

const unescape = (html: string) => html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')

/** Each `<div class="bubble …">…</div>` of a page, with its inner HTML (bubbles hold one level of nested divs). */
function bubbles (html: string): Array<{ role: string, inner: string }> {
  const found: Array<{ role: string, inner: string }> = []
  const open = /<div class="bubble bubble-([a-z]+)">/g
  for (let match = open.exec(html); match; match = open.exec(html)) {
    let depth = 1
    const tags = /<(\/?)div\b[^>]*>/g
    tags.lastIndex = open.lastIndex
    let tag: RegExpExecArray | null = null
    while (depth > 0 && (tag = tags.exec(html))) depth += tag[1] ? -1 : 1
    found.push({ role: match[1], inner: html.slice(open.lastIndex, tag!.index) })
  }
  return found
}

async function upload (app: Awaited<ReturnType<typeof buildTestApp>>, browser: Browser, name: string, content: Buffer | string): Promise<string> {
  const body = multipart([{ name: '_csrf', value: browser.csrf }, { name: 'name', value: name }, { name: 'file', filename: 'data.jsonl', content: Buffer.from(content) }])
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const response = await app.inject({ method: 'POST', url: '/datasets', payload: body.payload, headers: { cookie, accept: 'text/html', ...body.headers } })
  if (response.statusCode !== 303) throw new Error(`upload failed: ${response.statusCode} ${response.body.slice(0, 300)}`)
  return (response.headers.location as string).split('/').pop()!
}

async function waitFinal (app: Awaited<ReturnType<typeof buildTestApp>>, id: string) {
  for (let i = 0; i < 600; i++) {
    const [row] = await app.sql`select status from datasets where id = ${id}`
    if (row.status === 'ready' || row.status === 'error') return
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`${id} never became final`)
}

t.test('the status fragment that turns final brings the whole dataset view with it', async t => {
  const app = await buildTestApp(t)
  const browser = new Browser(app)
  await browser.signUp('status@example.com')
  await browser.get('/datasets/new')
  const id = await upload(app, browser, 'Half broken', sampleDataset(5) + 'not json\n{"turns": []}\n')
  await waitFinal(app, id)
  const htmx = { 'hx-request': 'true', 'hx-target': 'dataset-status' }

  // The page as it was while validating: the targets of the final swaps are there, empty.
  const [kept] = await app.sql`select status, stats::text, report::text, issue_counts::text, validated_at from datasets where id = ${id}`
  await app.sql`update datasets set status = 'validating', stats = null, report = null, issue_counts = null, validated_at = null where id = ${id}`
  const validatingPage = await browser.get(`/datasets/${id}`)
  t.match(validatingPage.body, /<dl class="fields" id="dataset-fields">[\s\S]*Training ready<\/dt><dd>no[\s\S]*Validated<\/dt><dd>—/, 'fields, not yet validated')
  t.match(validatingPage.body, /<div id="dataset-results">\s*<\/div>/, 'an empty results region')
  t.match(validatingPage.body, /<div class="actions" id="dataset-actions">/)
  t.notMatch(validatingPage.body, /Download report/)
  const polling = await browser.get(`/datasets/${id}/status`, htmx)
  t.match(polling.body, /hx-trigger="every 2s"/, 'still polling')
  t.notMatch(polling.body, /hx-swap-oob/, 'nothing else swapped while validating')
  t.notOk(polling.headers['hx-trigger'])

  await app.sql`update datasets set status = ${kept.status}, stats = ${kept.stats}::jsonb, report = ${kept.report}::jsonb, issue_counts = ${kept.issue_counts}::jsonb, validated_at = ${kept.validated_at} where id = ${id}`
  const final = await browser.get(`/datasets/${id}/status`, htmx)
  t.equal(final.statusCode, 200)
  t.notMatch(final.body, /hx-trigger="every 2s"/, 'polling stops')
  t.match(final.body, /<section id="dataset-status"[\s\S]*badge-error/, 'the status itself')
  t.match(final.body, /<dl class="fields" id="dataset-fields" hx-swap-oob="true">[\s\S]*Training ready<\/dt><dd>no[\s\S]*Validated<\/dt><dd>(?!—)[^<]+<\/dd>/, 'fields with the validated time')
  t.match(final.body, /<div class="actions" id="dataset-actions" hx-swap-oob="true">[\s\S]*Download report/, 'the report download')
  const results = /<div id="dataset-results" hx-swap-oob="true">([\s\S]*)<\/div>/.exec(final.body)?.[1] ?? ''
  t.match(results, /<svg[^>]*aria-label="Histogram of tokens per conversation"/, 'the histogram')
  t.match(results, /<table class="totals">[\s\S]*<code>invalid_json<\/code><\/td><td>1<\/td>[\s\S]*<code>invalid_turns<\/code><\/td><td>1<\/td>/, 'totals per code')
  t.match(results, /records\?line=6"[^>]*>6<\/a><\/td><td>error<\/td><td><code>invalid_json<\/code>/, 'the issues table, line by line')
  t.equal(final.headers['hx-trigger'], 'dataset-final', 'the conversation viewer is told to reload its page')
  const page = await browser.get(`/datasets/${id}`)
  const pageResults = /<div id="dataset-results">([\s\S]*)<\/div>\s*<section id="handoff"/.exec(page.body)?.[1] ?? ''
  const sameToken = (html: string) => html.trim().replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""') // each render makes a CSRF token
  t.equal(sameToken(results), sameToken(pageResults), 'the swapped region is what a reload shows')

  const plain = await browser.get(`/datasets/${id}/status`)
  t.notMatch(plain.body, /hx-swap-oob/, 'a request that is not htmx gets the fragment alone')
  const records = await browser.get(`/datasets/${id}/records?offset=0`, { 'hx-request': 'true' })
  t.match(records.body, /<div id="records" class="records" hx-get="\/datasets\/[0-9a-f-]+\/records\?offset=0" hx-trigger="dataset-final from:body"/, 'the viewer reloads on that event')

  const readyId = await upload(app, browser, 'Fine', sampleDataset(3))
  await waitFinal(app, readyId)
  const ready = await browser.get(`/datasets/${readyId}/status`, htmx)
  t.match(ready.body, /Training ready<\/dt><dd>yes/)
  t.match(ready.body, /No issues: every line passed/)
})

t.test('chat bubbles hold the turn\'s text exactly, and nothing else', async t => {
  const app = await buildTestApp(t)
  const browser = new Browser(app)
  await browser.signUp('bubbles@example.com')
  await browser.get('/datasets/new')
  const id = await upload(app, browser, 'Code', CODE_TURNS)
  await waitFinal(app, id)
  const page = await browser.get(`/datasets/${id}/records?offset=0`, { 'hx-request': 'true' })
  t.equal(page.statusCode, 200)
  const turns = CODE_TURNS.toString().trim().split('\n').flatMap(line => JSON.parse(line).turns as Array<{ role: string, content: string }>)
  const shown = bubbles(page.body)
  t.equal(shown.length, turns.length, 'one bubble per turn')
  turns.forEach((turn, i) => {
    const bubble = shown[i]
    t.equal(bubble.role, turn.role)
    const short = /^<small class="role">([^<]*)<\/small><div class="content">([^<]*)<\/div>$/.exec(bubble.inner)
    const long = /^<small class="role">([^<]*)<\/small><details><summary>[^<]*<em>[^<]*<\/em><\/summary><div class="content">([^<]*)<\/div><\/details>$/.exec(bubble.inner)
    const parts = short ?? long
    t.ok(parts, `turn ${i}: the role and the content, with no whitespace around them: ${JSON.stringify(bubble.inner.slice(0, 120))}`)
    if (!parts) return
    t.equal(unescape(parts[1]), turn.role)
    t.equal(unescape(parts[2]), turn.content, `turn ${i}: the content exactly as written`)
  })
  t.ok(shown.some(bubble => bubble.inner.includes('<details>')), 'a long turn is collapsed, its content still exact')
  const css = readFileSync(new URL('../../public/app.css', import.meta.url), 'utf8')
  const preWrapped = [...css.matchAll(/([^{}]+)\{[^}]*white-space:\s*pre-wrap/g)].map(m => m[1].replace(/\/\*[\s\S]*?\*\//g, '').trim())
  t.ok(preWrapped.includes('.bubble .content'), 'a turn\'s text keeps its whitespace')
  t.notOk(preWrapped.includes('.bubble'), 'the bubble around it does not')
})
