// Real-browser end-to-end test: Debian's chromium driven by playwright-core.
// Run with `npm run test:e2e` (.ci/run installs chromium when it is missing).
import t, { type Test } from 'tap'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { chromium } from 'playwright-core'
import { validate } from '../../src/validation/index.js'
import { buildTestApp, sampleDataset, testServers } from '../helper.js'
import { throttledS3 } from '../throttled-s3.js'
import { formatBytes } from '../../src/views/format.js'
import { testModel } from '../validation/models/support.js'
import { makeFiles } from '../fixtures/parquet/data.js'

// Qwen 3's tables built once into the tests' folder, where the app then reads them.
await testModel('qwen3')

const ARTIFACTS = join('test-artifacts', 'e2e')
mkdirSync(ARTIFACTS, { recursive: true })
const CORPUS_FILE = join(import.meta.dirname, '..', '..', '..', 'shared', 'corpus', 'public', 'llamafactory_identity.jsonl')
const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'multilingual.jsonl')
const CODE_FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'code-turns.jsonl')
const TOOLS_FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'formats', 'openai-tools.jsonl')

t.test('a user uploads, watches validation, reads conversations, deletes and restores', async t => {
  const app = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const browser = await launchBrowser(t)
  const page = await browser.newPage()
  const problems: string[] = []
  page.on('console', message => { if (message.type() === 'error') problems.push(`${page.url()}: ${message.text()}`) })
  page.on('pageerror', error => problems.push(`${page.url()}: ${error.message}`))
  let step = 0
  const shot = async (name: string) => { await page.screenshot({ path: join(ARTIFACTS, `${String(++step).padStart(2, '0')}-${name}.png`), fullPage: true }) }
  // Validation's last transaction also writes a notification: holding that table keeps the
  // dataset `validating` (uncommitted) until released, so the page is seen before and after.
  const holdValidation = async () => {
    let release!: () => void
    let locked!: () => void
    const held = new Promise<void>(resolve => { locked = resolve })
    const done = app.sql.begin(async sql => {
      await sql`lock table notifications in exclusive mode`
      locked()
      await new Promise<void>(resolve => { release = resolve })
    })
    await held
    return async () => { release(); await done }
  }

  await page.goto(`${base}/signup`)
  await page.fill('input[name=email]', 'e2e@example.com')
  await page.fill('input[name=password]', 'a long enough password')
  await page.click('main button[type=submit]')
  await page.waitForURL(`${base}/datasets`)
  t.match(await page.textContent('main'), /Upload your first dataset/)
  await shot('empty-list')

  // A real public file when ../shared is there, our own fixture otherwise; padded to 1 MB so
  // the upload reports progress.
  const source = existsSync(CORPUS_FILE) ? readFileSync(CORPUS_FILE, 'utf8') : readFileSync(FIXTURE, 'utf8')
  // A blank line between the two parts: a warning to see on the page.
  const content = source + '\n' + sampleDataset(6000, 'pad')
  const expected = await validate(Readable.from([Buffer.from(content)]))
  // Progress events are reported out of the page as they happen (the page is gone after the redirect).
  const progress: Array<{ loaded: number, total: number, visible: boolean, value: number }> = []
  await page.exposeFunction('reportProgress', (loaded: number, total: number, visible: boolean, value: number) => { progress.push({ loaded, total, visible, value }) })
  await page.goto(`${base}/datasets/new`)
  await page.evaluate(() => {
    document.addEventListener('htmx:xhr:progress', event => {
      const detail = (event as CustomEvent).detail as { loaded: number, total: number }
      // Read after app.js has updated the bar for this event.
      setTimeout(() => {
        const box = document.querySelector('[data-upload-progress]') as HTMLElement
        const bar = box.querySelector('progress') as HTMLProgressElement
        void (window as unknown as { reportProgress: (...args: unknown[]) => void }).reportProgress(detail.loaded, detail.total, !box.hidden, bar.value)
      }, 0)
    })
  })
  await page.fill('input[name=name]', 'Identity set')
  await page.setInputFiles('input[name=file]', { name: 'identity.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(content) })
  await shot('upload-form')
  let releaseValidation = await holdValidation()
  await page.click('[data-upload-submit]')
  await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/)
  const id = page.url().split('/').pop()!
  t.equal(await page.getAttribute('#dataset-status', 'hx-trigger'), 'every 2s', 'the page opens while validating, polling')
  t.match(await page.textContent('#dataset-fields'), /Training ready\s*no[\s\S]*Validated\s*—/)
  t.equal(await page.locator('#dataset-results svg, #issues').count(), 0, 'no histogram nor issues yet')
  await shot('validating')
  t.ok(progress.length > 0, `the upload reported progress (${progress.length} events)`)
  t.ok(progress.some(p => p.visible), 'the progress bar was visible')
  const last = progress[progress.length - 1]
  t.equal(last?.loaded, last?.total, 'it reached the whole file')
  t.equal(last?.value, 100, 'the bar showed 100%')

  let navigations = 0
  page.on('framenavigated', frame => { if (frame === page.mainFrame()) navigations++ })
  await releaseValidation()
  await page.waitForSelector('#dataset-status .badge-ready', { timeout: 60_000 })
  const statusText = await page.textContent('#dataset-status')
  t.match(statusText, new RegExp(expected.stats.tokens.toLocaleString('en-US')), 'the exact token count is shown')
  t.match(statusText, new RegExp(`${expected.stats.conversations.toLocaleString('en-US')}`))
  // The rest of the view turned final with the status, without a reload.
  await page.waitForSelector('#dataset-results svg[aria-label="Histogram of tokens per conversation"]', { timeout: 5_000 })
  t.match(await page.textContent('#dataset-fields'), /Training ready\s*yes[\s\S]*Validated\s*(?!—)\S/, 'training ready and the validated time')
  t.ok(expected.counts.blank_line! >= 1, 'the file has a warning')
  t.match(await page.textContent('#issues table.totals'), /blank_line\s*1/, 'the totals per code')
  t.match(await page.textContent('#issues table:not(.totals) tbody'), /blank_line/, 'the issues table, with the warning\'s line')
  t.equal(await page.locator('#dataset-actions a[href$="report.json"]').count(), 1, 'the report can be downloaded')
  t.equal(navigations, 0, 'the page turned ready without a reload')
  await shot('ready')

  await page.reload()
  await page.waitForSelector('#records .conversation')
  t.equal(await page.locator('#records .conversation').count(), 20, 'the viewer shows 20 conversations')
  t.ok(await page.locator('#records .bubble-assistant').count() > 0, 'chat bubbles per role')
  await page.click('#records a[rel=next]')
  // The swap is done when the viewer's first conversation is no longer line 1.
  await page.waitForFunction(() => document.querySelector('#records .conversation')?.id !== 'line-1')
  const firstIds = await page.locator('#records .conversation').evaluateAll(items => items.slice(0, 2).map(item => item.id))
  // Page 2 holds records 21 and 22: their physical lines depend on where the blank line fell.
  const recordLines = content.split('\n').flatMap((line, i) => line.trim() === '' ? [] : [i + 1])
  t.same(firstIds, [`line-${recordLines[20]}`, `line-${recordLines[21]}`], `the next page starts at the 21st record (line ${recordLines[20]})`)
  await page.fill('#records input[name=line]', '500')
  await page.click('#records form.jump button')
  await page.waitForSelector('#line-500')
  t.notOk(await page.isVisible('#line-499'), 'jumped to line 500')
  await shot('viewer')

  await page.goto(`${base}/datasets/${id}/delete`)
  await page.click('button.danger-button')
  await page.waitForURL(`${base}/datasets`)
  t.match(await page.textContent('.flashes'), /moved to the trash/)
  await shot('deleted-with-undo')
  await page.click('.flashes button')
  await page.waitForURL(`${base}/datasets/${id}`)
  t.match(await page.textContent('main'), /restored/, 'Undo restored it')
  await page.goto(`${base}/datasets/${id}/delete`)
  await page.click('button.danger-button')
  await page.goto(`${base}/datasets/trash`)
  await shot('trash')
  await page.click(`#card-${id} button`)
  await page.waitForURL(`${base}/datasets/${id}`)
  t.match(await page.textContent('main'), /restored/, 'restored from the trash')

  // An invalid file: error with line-numbered issues.
  await page.goto(`${base}/datasets/new`)
  await page.fill('input[name=name]', 'Broken set')
  await page.setInputFiles('input[name=file]', { name: 'broken.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(sampleDataset(3) + '{"conversation_id": 1, "turns": [}\n') })
  releaseValidation = await holdValidation()
  await page.click('[data-upload-submit]')
  await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/)
  await page.waitForSelector('#records .conversation')
  t.equal(await page.locator('#records .has-issues').count(), 0, 'no line marked while validating')
  navigations = 0
  await releaseValidation()
  await page.waitForSelector('#dataset-status .badge-error', { timeout: 60_000 })
  await page.waitForSelector('#issues', { timeout: 5_000 })
  t.match(await page.textContent('#issues'), /invalid_json/)
  t.match(await page.textContent('#issues table:not(.totals) tbody tr'), /^\s*4/, 'the issue names line 4')
  t.match(await page.textContent('#dataset-status'), /invalid_json ×1 \(first on line 4\)/, 'the error summary')
  await page.waitForSelector('#records #line-4.has-issues', { timeout: 5_000 })
  t.pass('the viewer reloaded its page and marks line 4')
  t.equal(navigations, 0, 'all without a reload')
  await shot('error')

  // Chat bubbles show a turn's own whitespace (code blocks, indentation, blank lines), nothing more.
  const codeContent = readFileSync(CODE_FIXTURE, 'utf8')
  const turns = codeContent.trim().split('\n').flatMap(line => JSON.parse(line).turns as Array<{ role: string, content: string }>)
  await page.goto(`${base}/datasets/new`)
  await page.fill('input[name=name]', 'Code in turns')
  await page.setInputFiles('input[name=file]', { name: 'code-turns.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(codeContent) })
  await page.click('[data-upload-submit]')
  await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/)
  await page.waitForSelector('#records .bubble')
  const shown = await page.locator('#records .bubble').evaluateAll(items => items.map(item => ({
    text: item.querySelector('.content')!.textContent,
    rendered: (item as HTMLElement).innerText,
    role: (item.querySelector('.role') as HTMLElement).innerText,
    collapsed: item.querySelector('details') !== null
  })))
  t.equal(shown.length, turns.length)
  turns.forEach((turn, i) => {
    t.equal(shown[i].text, turn.content, `turn ${i}: the content exactly`)
    // innerText is the text as laid out: the role's line, then the content's own lines only.
    if (!shown[i].collapsed) t.equal(shown[i].rendered, `${shown[i].role}\n${turn.content}`, `turn ${i}: no blank band above or below`)
  })
  await page.locator('#records .conversation').first().screenshot({ path: join(ARTIFACTS, `${String(++step).padStart(2, '0')}-bubbles-code.png`) })
  await page.click('#records details summary')
  await shot('bubbles')

  // An OpenAI file with tool calls: the guide is linked from the form, the viewer shows each call.
  await page.goto(`${base}/datasets/new`)
  t.equal(await page.locator('#upload-form a[href="/formats"]').count(), 1, 'the form links the format guide')
  await page.fill('input[name=name]', 'Tool calls')
  // The model picker: the encodings, then the open models with their context length.
  const picker = page.locator('#upload-form select[name=tokenizer]')
  t.same(await picker.locator('optgroup').evaluateAll(groups => groups.map(g => g.getAttribute('label'))),
    ['Encodings: content only, no chat template', 'Open models: rendered with the chat template'], 'encodings and models apart')
  t.match(await picker.locator('option[value="qwen3"]').innerText(), /Qwen 3 · context 32,768/, 'a model with its context length')
  await picker.selectOption('qwen3')
  await page.fill('#upload-form input[name=context_limit]', '200')
  await page.setInputFiles('input[name=file]', { name: 'openai-tools.jsonl', mimeType: 'application/jsonl', buffer: readFileSync(TOOLS_FIXTURE) })
  await page.click('[data-upload-submit]')
  await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/)
  await page.waitForSelector('#dataset-status .badge-ready', { timeout: 60_000 })
  t.match(await page.textContent('#dataset-fields'), /Format\s*OpenAI chat/, 'the detected format is named')
  const call = page.locator('#line-1 .tool-call').first()
  await call.waitFor()
  t.equal(await call.locator('summary code').innerText(), 'get_weather', 'the function name')
  t.equal(await call.locator('.arguments').innerText(), '{\n  "city": "Lima"\n}', 'its arguments, pretty-printed')
  await call.locator('summary').click()
  t.notOk(await call.locator('.arguments').isVisible(), 'the call collapses')
  t.match(await page.locator('#line-1 .bubble-tool').first().innerText(), /result of get_weather/i, 'the result names its call')
  t.match(await page.locator('#line-2 .bubble.not-trained').innerText(), /not trained/i, 'weight 0 is marked')
  await page.locator('#line-1').screenshot({ path: join(ARTIFACTS, `${String(++step).padStart(2, '0')}-tool-calls.png`) })

  // Counted with Qwen 3's template at 200 tokens; then counted again with o200k_base at 50.
  t.match(await page.textContent('#training h2'), /Training at 200 tokens · qwen3/)
  const toolsReport = await validate(Readable.from([readFileSync(TOOLS_FIXTURE)]), { tokenizer: 'qwen3', contextLimit: 200 })
  t.equal(await page.textContent('#training [data-stat=tokens]'), toolsReport.stats.tokens.toLocaleString('en-US'), 'the model\'s tokens')
  t.equal(await page.textContent('#training [data-stat=assistant_tokens]'), toolsReport.stats.assistant_tokens.toLocaleString('en-US'), 'trained tokens')
  t.equal(await page.textContent('#training [data-stat=packed_sequences]'), String(toolsReport.stats.packed_sequences))
  await shot('training-qwen3')
  await page.locator('#revalidate-form select[name=tokenizer]').selectOption('o200k_base')
  await page.fill('#revalidate-form input[name=context_limit]', '50')
  await page.click('#revalidate-form button[type=submit]')
  await page.waitForFunction(() => /Training at 50 tokens · o200k_base/.test(document.querySelector('#training h2')?.textContent ?? ''), null, { timeout: 60_000 })
  await page.waitForSelector('#dataset-status .badge-ready', { timeout: 60_000 })
  const again = await validate(Readable.from([readFileSync(TOOLS_FIXTURE)]), { contextLimit: 50 })
  t.equal(await page.textContent('#training [data-stat=over_limit]'), String(again.stats.over_limit), 'conversations over the new limit')
  t.equal(await page.locator('.histogram figcaption').innerText().then(text => /context limit of 50 tokens/.test(text)), true, 'the histogram names the limit')
  await shot('counted-again')

  // A JSON array (.json, pretty-printed) and a Parquet file through the same form: the page says how each was read.
  const arrayFile = JSON.stringify(Array.from({ length: 12 }, (_, i) => ({ id: `a${i}`, messages: [{ role: 'user', content: `Array question ${i}` }, { role: 'assistant', content: `Array answer ${i}` }] })), null, 2)
  const parquetDir = mkdtempSync(join(tmpdir(), 'e2e-parquet-'))
  t.teardown(() => rmSync(parquetDir, { recursive: true, force: true }))
  makeFiles(parquetDir)
  for (const upload of [
    { name: 'JSON array', file: 'llama-factory.json', mimeType: 'application/json', buffer: Buffer.from(arrayFile), kind: 'JSON array', badge: 'ready', line: 2, text: /Array question 0/ },
    { name: 'Parquet hub', file: 'train-00000.parquet', mimeType: 'application/vnd.apache.parquet', buffer: readFileSync(join(parquetDir, 'codec-SNAPPY.parquet')), kind: 'Parquet', badge: 'error', line: 1, text: /Question 0 é/ }
  ]) {
    await page.goto(`${base}/datasets/new`)
    t.match(await page.locator('#upload-form').innerText(), /a JSON array of records \(\.json\)[\s\S]*Parquet \(\.parquet\)/, 'the form names the file kinds')
    await page.fill('input[name=name]', upload.name)
    await page.setInputFiles('input[name=file]', { name: upload.file, mimeType: upload.mimeType, buffer: upload.buffer })
    await page.click('[data-upload-submit]')
    await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/)
    await page.waitForSelector(`#dataset-status .badge-${upload.badge}`, { timeout: 60_000 })
    t.match(await page.textContent('#dataset-fields'), new RegExp(`File kind\\s*${upload.kind}`), `${upload.name}: the page says ${upload.kind}`)
    await page.locator(`#line-${upload.line}`).waitFor()
    t.match(await page.locator(`#line-${upload.line}`).innerText(), upload.text, `${upload.name}: its first record in the viewer, at line ${upload.line}`)
    await shot(upload.kind === 'Parquet' ? 'parquet' : 'json-array')
  }

  // Search narrows the list, live.
  await page.goto(`${base}/datasets`)
  t.equal(await page.locator('.card').count(), 6)
  await page.fill('input[name=search]', 'broken')
  await page.waitForFunction(() => document.querySelectorAll('.card').length === 1)
  t.match(page.url(), /search=broken/, 'the search is in the URL')
  await shot('search')

  // Signing out ends the session.
  await page.click('form[action="/logout"] button')
  await page.waitForURL(`${base}/login`)
  await page.goto(`${base}/datasets`)
  t.match(page.url(), /\/login\?next=/, 'signed out: back to the sign-in page')
  await shot('signed-out')

  t.same(problems, [], 'no console errors on any page')
})

/** Debian's chromium, headless, closed when `t` ends. */
async function launchBrowser (t: Test) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
  })
  t.teardown(() => browser.close())
  return browser
}

/** A browser (Debian's chromium) signed up as `email` on `app`, which listens; page errors are collected in `problems`. */
async function signedIn (t: Test, app: { server: { address: () => unknown } }, email: string) {
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const browser = await launchBrowser(t)
  const page = await browser.newPage()
  const problems: string[] = []
  page.on('pageerror', error => problems.push(`${page.url()}: ${error.message}`))
  await page.goto(`${base}/signup`)
  await page.fill('input[name=email]', email)
  await page.fill('input[name=password]', 'a long enough password')
  await page.click('main button[type=submit]')
  await page.waitForURL(`${base}/datasets`)
  return { base, page, problems }
}

t.test('a long validation shows a progress bar with percent and time left, on the page and on the card', async t => {
  // Storage read slowly (a proxy in front of S3): 1.2 MB at 200 KB/s, and the object's end held
  // 4 s after its last byte, so the page can poll while the whole file has been read.
  const proxy = await throttledS3(t, testServers().s3Endpoint, { bytesPerSecond: 200 * 1024, holdEndMs: 4000 })
  const app = await buildTestApp(t, { S3_ENDPOINT: proxy })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { base, page, problems } = await signedIn(t, app, 'progress@example.com')

  const content = Buffer.from(sampleDataset(8000, 'slow'))
  const upload = async (name: string) => {
    await page.goto(`${base}/datasets/new`)
    await page.fill('input[name=name]', name)
    await page.setInputFiles('input[name=file]', { name: 'slow.jsonl', mimeType: 'application/jsonl', buffer: content })
    await page.click('[data-upload-submit]')
    await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/)
    return page.url().split('/').pop()!
  }
  interface Sample { value: number, max: number, text: string, label: string | null, described: string | null }
  /** The bar inside `scope` every 150 ms until `scope` shows a final badge. */
  const watch = async (scope: string) => {
    const samples: Sample[] = []
    let shot = false
    const deadline = Date.now() + 60_000
    while (Date.now() < deadline) {
      const seen = await page.evaluate(selector => {
        const box = document.querySelector(selector)
        if (!box || box.querySelector('.badge-ready, .badge-error')) return null
        const bar = box.querySelector('progress')
        if (!bar) return { value: -1, max: -1, text: '', label: null, described: null }
        const describedBy = bar.getAttribute('aria-describedby')
        return {
          value: bar.value, max: bar.max, label: bar.getAttribute('aria-label'),
          text: (bar.parentElement?.textContent ?? '').replace(/\s+/g, ' ').trim(),
          described: describedBy ? document.getElementById(describedBy)?.textContent ?? null : null
        }
      }, scope)
      if (!seen) return samples
      samples.push(seen)
      if (seen.value > 0 && seen.value < seen.max && !shot) {
        shot = true
        await page.screenshot({ path: join(ARTIFACTS, `progress-${scope.startsWith('#card') ? 'card' : 'page'}.png`), fullPage: true })
      }
      await new Promise(resolve => setTimeout(resolve, 150))
    }
    throw new Error(`${scope} still validating after 60 s`)
  }
  const check = (samples: Sample[], where: string) => {
    const bars = samples.filter(s => s.value >= 0)
    t.ok(bars.length > 0 && bars.length === samples.length, `${where}: a bar all the while it validates (${samples.length} samples)`)
    t.ok(bars.every(s => s.max === content.length), `${where}: its maximum is the file's size`)
    t.ok(bars.every((s, i) => i === 0 || s.value >= bars[i - 1].value), `${where}: it never goes back`)
    const between = bars.filter(s => s.value > 0 && s.value < s.max)
    t.ok(between.length > 0, `${where}: it moved between 0 and the size (${[...new Set(bars.map(s => s.value))].join(', ')})`)
    const size = formatBytes(content.length)
    t.ok(between.every(s => s.text.startsWith(`${Math.floor((s.value / s.max) * 100)}% · ${formatBytes(s.value)} of ${size} read · `)), `${where}: the percent and bytes in words (${between[0]?.text})`)
    t.ok(bars.some(s => /about \d+( min)?( \d+)? s left$/.test(s.text)), `${where}: a time left (${[...new Set(bars.map(s => s.text.split(' · ').pop()))].join(' | ')})`)
    const last = bars.at(-1)!
    t.equal(last.value, content.length, `${where}: it reached the file's size while validating`)
    t.equal(last.text, `100% · ${size} of ${size} read · finishing…`, `${where}: then says it is finishing`)
    t.ok(bars.every(s => s.label === 'File read so far' && s.described === s.text), `${where}: the bar is named and described by its text`)
  }

  const id = await upload('Slow on the page')
  const onPage = await watch('#dataset-status')
  check(onPage, 'page')
  t.equal(await page.locator('#dataset-status progress').count(), 0, 'no bar once ready')
  await page.screenshot({ path: join(ARTIFACTS, 'progress-page-ready.png'), fullPage: true })

  const second = await upload('Slow on the card')
  await page.goto(`${base}/datasets`)
  const onCard = await watch(`#card-${second}`)
  check(onCard, 'card')
  t.equal(await page.locator(`#card-${second} progress, #card-${id} progress`).count(), 0, 'no bar on ready cards')
  t.same(problems, [], 'no page errors')
})

t.test('prepare for training: tick lines, split, and follow the lineage both ways', async t => {
  const app = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { base, page, problems } = await signedIn(t, app, 'prepare@example.com')

  // Ten conversations, a broken line (line 4) and a copy of line 1 (line 12).
  const lines = sampleDataset(10, 'prep').trim().split('\n')
  lines.splice(3, 0, '{"conversation_id": "broken"')
  lines.push(lines[0].replace('"prep-0"', '"prep-0-again"'))
  await page.goto(`${base}/datasets/new`)
  await page.fill('input[name=name]', 'support-chats')
  await page.setInputFiles('input[name=file]', { name: 'support-chats.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(lines.join('\n') + '\n') })
  await page.click('[data-upload-submit]')
  await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/)
  const parentId = page.url().split('/').pop()!
  await page.waitForSelector('#dataset-status .badge-error', { timeout: 60_000 })
  await page.waitForSelector('#prepare-form', { timeout: 10_000 })
  t.equal(await page.locator('#issues input[name=exclude_lines][value="4"]').count(), 1, 'the broken line can be ticked in the issues table')
  await page.waitForSelector('#records input[name=exclude_lines][value="2"]', { timeout: 10_000 })
  await page.check('#records input[name=exclude_lines][value="2"]')
  await page.check('#records input[name=exclude_lines][value="3"]')
  await page.selectOption('#prepare-form select[name=split]', 'size')
  await page.fill('#prepare-form input[name=split_value]', '2')
  await page.fill('#prepare-form input[name=seed]', '9')
  await page.screenshot({ path: join(ARTIFACTS, 'prepare-form.png'), fullPage: true })
  await page.click('#prepare-form button[type=submit]')
  await page.waitForURL(url => /\/datasets\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(parentId))
  t.match(await page.textContent('h1'), 'support-chats (train)')
  await page.waitForSelector('#dataset-status .badge-ready', { timeout: 60_000 })
  await page.waitForSelector('#handoff .recipe-counts', { timeout: 10_000 })
  const lineage = (await page.textContent('#handoff') ?? '').replace(/\s+/g, ' ')
  t.match(lineage, /Derived from\s*support-chats: the train side, written as openai/)
  t.match(lineage, /2 excluded lines/)
  const counts = await page.locator('#handoff .recipe-counts tbody td').allTextContents()
  t.same(counts, ['12', '8', '6', '2', '1', '2', '0', '1', '0'], 'read, kept, train, validation, errors, excluded, over the limit, duplicates, not convertible')
  t.match(lineage, /Use for training/)
  t.match(lineage, /export\?format=openai/)
  await page.screenshot({ path: join(ARTIFACTS, 'derived.png'), fullPage: true })
  await page.click(`#handoff a[href="/datasets/${parentId}"]`)
  await page.waitForURL(`${base}/datasets/${parentId}`)
  await page.waitForSelector('#handoff a:has-text("support-chats (validation)")', { timeout: 10_000 })
  t.equal(await page.locator('#handoff a:has-text("support-chats (train)")').count(), 1, 'the parent lists its children')
  await page.goto(`${base}/datasets?origin=derived`)
  t.equal(await page.locator('main article').count(), 2, 'the list filtered to derived datasets')
  t.same(problems, [], 'no page errors')
})
