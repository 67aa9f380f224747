// The dataset page's hand-off: lineage both ways, "Use for training", the "Prepare for training"
// form (ticked lines, split, seed), the list's origin filter, and isolation.
import t from 'tap'
import { Browser, buildTestApp, uploadDataset, waitForFinal } from '../helper.js'

const chat = (id: string, i: number) => JSON.stringify({ conversation_id: id, turns: [{ role: 'user', content: `Question ${i}?` }, { role: 'assistant', content: `Answer ${i}.` }] })

t.test('hand-off pages', async t => {
  const app = await buildTestApp(t)
  const browser = new Browser(app)
  await browser.signUp('owner@example.com')
  const token = (await app.inject({ method: 'POST', url: '/api/auth/tokens', payload: { email: 'owner@example.com', password: 'correct horse battery' } })).json().data.token
  const headers = { authorization: `Bearer ${token}` }
  const lines = Array.from({ length: 12 }, (_, i) => chat(`c-${i}`, i))
  lines.splice(3, 0, 'not json')
  const { dataset } = (await uploadDataset(app, headers, lines.join('\n') + '\n', { name: 'support-chats' }, 'support-chats.jsonl')).json().data
  await waitForFinal(app, headers, dataset.id)

  const page = await browser.get(`/datasets/${dataset.id}`)
  t.match(page.body, `hx-get="/datasets/${dataset.id}/handoff"`, 'the page loads its hand-off panel')
  t.match(page.body, /<input type="checkbox" name="exclude_lines" value="4" form="prepare-form"/, 'a line of the issues table can be ticked')
  const records = await browser.get(`/datasets/${dataset.id}/records?offset=0`)
  t.match(records.body, /<input type="checkbox" name="exclude_lines" value="1" form="prepare-form">/, 'a conversation of the viewer can be ticked')

  const panel = await browser.get(`/datasets/${dataset.id}/handoff`)
  t.match(panel.body, /<form id="prepare-form" method="post" action="\/datasets\/[^/]+\/derive">/)
  t.match(panel.body, /name="_csrf"/)
  t.notMatch(panel.body, /Use for training/, 'an error dataset is not for training as it is')

  const bad = await browser.post(`/datasets/${dataset.id}/derive`, { format: 'openai', split: 'size', split_value: 'many' })
  t.equal(bad.statusCode, 303)
  t.equal(bad.headers.location, `/datasets/${dataset.id}#prepare`)
  t.match((await browser.get(`/datasets/${dataset.id}`)).body, /The validation set&#39;s size must be a whole number|The validation set's size must be a whole number/)

  const posted = await browser.post(`/datasets/${dataset.id}/derive`, { format: 'sharegpt', drop: 'duplicates', exclude_text: '1, 2', split: 'size', split_value: '3', seed: '5', name: 'support-chats' })
  t.equal(posted.statusCode, 303)
  const trainId = String(posted.headers.location).split('/').pop()!
  const train = await waitForFinal(app, headers, trainId, 120_000)
  t.equal(train.status, 'ready')
  t.equal(train.name, 'support-chats (train)')
  t.same(train.recipe.exclude_lines, [1, 2])
  t.same(train.recipe.drop, ['errors', 'duplicates'], 'over_limit unticked')
  t.equal(train.recipe.counts.train, 7)
  t.equal(train.recipe.counts.validation, 3)

  const trainPanel = (await browser.get(`/datasets/${trainId}/handoff`)).body
  t.match(trainPanel, new RegExp(`Derived from</h2>\\s*<p><a href="/datasets/${dataset.id}">support-chats</a>`), 'the derived page links its parent')
  t.match(trainPanel, /the <strong>train<\/strong> side, written as <strong>sharegpt<\/strong>/)
  t.match(trainPanel, /Use for training/)
  t.match(trainPanel, new RegExp(`/api/datasets/${trainId}/export\\?format=openai`))
  t.match(trainPanel, new RegExp(`/api/datasets/${trainId}/download`))
  t.match(trainPanel, /Packed sequences/)
  const parentPanel = (await browser.get(`/datasets/${dataset.id}/handoff`)).body
  t.match(parentPanel, new RegExp(`<a href="/datasets/${trainId}">support-chats \\(train\\)</a>`), 'the parent lists its children')

  // The list: uploaded or derived.
  const derived = (await app.inject({ url: '/api/datasets?origin=derived', headers })).json().data
  t.same(derived.datasets.map((d: { name: string }) => d.name).sort(), ['support-chats (train)', 'support-chats (validation)'])
  t.equal(derived.pagination.total, 2)
  const uploaded = (await app.inject({ url: '/api/datasets?origin=uploaded', headers })).json().data
  t.same(uploaded.datasets.map((d: { name: string }) => d.name), ['support-chats'])
  t.equal((await app.inject({ url: '/api/datasets?origin=copied', headers })).statusCode, 400)
  const listPage = await browser.get('/datasets?origin=derived')
  t.match(listPage.body, /support-chats \(train\)/)
  t.notMatch(listPage.body, /<a href="\/datasets\/[^"]+">support-chats<\/a>/)

  // Another user sees none of it.
  const stranger = new Browser(app)
  await stranger.signUp('stranger@example.com')
  t.equal((await stranger.get(`/datasets/${dataset.id}/handoff`)).statusCode, 404)
  await stranger.get('/datasets')
  t.equal((await stranger.post(`/datasets/${dataset.id}/derive`, { format: 'openai' })).statusCode, 404)
})
