// Real-browser end-to-end test: Debian's chromium driven by playwright-core.
// Run with `npm run test:e2e` (.ci/run installs chromium when it is missing).
import t from 'tap'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { chromium } from 'playwright-core'
import { validate } from '../../src/validation/index.js'
import { buildTestApp, sampleDataset } from '../helper.js'

const ARTIFACTS = join('test-artifacts', 'e2e')
mkdirSync(ARTIFACTS, { recursive: true })
const CORPUS_FILE = join(import.meta.dirname, '..', '..', '..', 'shared', 'corpus', 'public', 'llamafactory_identity.jsonl')
const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'multilingual.jsonl')

t.test('a user uploads, watches validation, reads conversations, deletes and restores', async t => {
  const app = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking']
  })
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  const problems: string[] = []
  page.on('console', message => { if (message.type() === 'error') problems.push(`${page.url()}: ${message.text()}`) })
  page.on('pageerror', error => problems.push(`${page.url()}: ${error.message}`))
  let step = 0
  const shot = async (name: string) => { await page.screenshot({ path: join(ARTIFACTS, `${String(++step).padStart(2, '0')}-${name}.png`), fullPage: true }) }

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
  await page.click('[data-upload-submit]')
  await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/)
  const id = page.url().split('/').pop()!
  t.ok(progress.length > 0, `the upload reported progress (${progress.length} events)`)
  t.ok(progress.some(p => p.visible), 'the progress bar was visible')
  const last = progress[progress.length - 1]
  t.equal(last?.loaded, last?.total, 'it reached the whole file')
  t.equal(last?.value, 100, 'the bar showed 100%')

  let navigations = 0
  page.on('framenavigated', frame => { if (frame === page.mainFrame()) navigations++ })
  await page.waitForSelector('#dataset-status .badge-ready', { timeout: 60_000 })
  t.equal(navigations, 0, 'the page turned ready without a reload')
  const statusText = await page.textContent('#dataset-status')
  t.match(statusText, new RegExp(expected.stats.tokens.toLocaleString('en-US')), 'the exact token count is shown')
  t.match(statusText, new RegExp(`${expected.stats.conversations.toLocaleString('en-US')}`))
  await shot('ready')

  await page.reload()
  t.ok(expected.counts.blank_line! >= 1, 'the file has a warning')
  t.match(await page.textContent('#issues'), /blank_line/, 'warnings are shown with their line')
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
  await page.click('[data-upload-submit]')
  await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/)
  await page.waitForSelector('#dataset-status .badge-error', { timeout: 60_000 })
  await page.reload()
  t.match(await page.textContent('#issues'), /invalid_json/)
  t.match(await page.textContent('#issues table:not(.totals) tbody tr'), /^\s*4/, 'the issue names line 4')
  await shot('error')

  // Search narrows the list, live.
  await page.goto(`${base}/datasets`)
  t.equal(await page.locator('.card').count(), 2)
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
