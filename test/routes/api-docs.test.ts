import t from 'tap'
import { buildTestApp, signedInBrowser } from '../helper.js'

interface Operation {
  parameters?: Array<{ name: string, in: string, required?: boolean, schema: Record<string, unknown> }>
  requestBody?: { content: Record<string, unknown> }
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>
}

t.test('/api/openapi.json describes every /api route with its parameters and responses', async t => {
  const app = await buildTestApp(t)
  const response = await app.inject('/api/openapi.json')
  t.equal(response.statusCode, 200, 'readable signed out')
  const doc = response.json() as { openapi: string, paths: Record<string, Record<string, Operation>> }
  t.match(doc.openapi, /^3\./, 'OpenAPI 3')

  const apiRoutes = app.routeTable.filter(route => route.url.startsWith('/api/') && !route.url.startsWith('/api/docs') && route.url !== '/api/openapi.json')
  t.ok(apiRoutes.length >= 15, `${apiRoutes.length} /api routes`)
  const documented = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map(method => `${method.toUpperCase()} ${path}`))
  t.same(documented.sort(), apiRoutes.map(route => `${route.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`).sort(), 'the document has exactly the /api routes')

  for (const route of apiRoutes) {
    const label = `${route.method} ${route.url}`
    const operation = doc.paths[route.url.replace(/:(\w+)/g, '{$1}')][route.method.toLowerCase()]
    for (const name of route.url.match(/:(\w+)/g) ?? []) {
      const parameter = operation.parameters?.find(p => p.in === 'path' && p.name === name.slice(1))
      t.ok(parameter?.required, `${label}: path parameter ${name}`)
      t.match(parameter?.schema, { pattern: /^\^\[0-9a-fA-F\]\{8\}/ }, `${label}: ${name} is a UUID`)
    }
    const statuses = Object.keys(operation.responses)
    t.ok(statuses.some(status => /^2/.test(status)), `${label}: a success response`)
    const success = statuses.filter(status => /^2/.test(status)).map(status => operation.responses[status])
    t.ok(success.every(r => r.content && Object.keys(r.content).length > 0), `${label}: its success has a body schema`)
    for (const status of statuses.filter(s => /^[45]/.test(s))) {
      t.match(operation.responses[status].content?.['application/json'].schema, { properties: { success: {}, error: { type: 'string' } } }, `${label}: ${status} is the error envelope`)
    }
    if (route.url !== '/api/auth/signup' && route.url !== '/api/auth/tokens') t.ok(statuses.includes('401'), `${label}: 401 when signed out`)
    if (route.url.includes(':id')) t.ok(statuses.includes('404'), `${label}: 404`)
  }

  const list = doc.paths['/api/datasets'].get
  const query = new Map((list.parameters ?? []).filter(p => p.in === 'query').map(p => [p.name, p.schema]))
  t.same([...query.keys()].sort(), ['deleted', 'limit', 'order', 'origin', 'page', 'search', 'sort', 'status'], 'the list call\'s query parameters')
  t.same(query.get('sort')?.enum, ['created_at', 'name', 'file_size', 'status', 'updated_at'])
  t.same(query.get('status')?.enum, ['all', 'uploading', 'validating', 'ready', 'error'])
  t.match(query.get('limit'), { type: 'integer', minimum: 1, maximum: 100 })
  t.same(doc.paths['/api/datasets/{id}/records'].get.parameters?.filter(p => p.in === 'query').map(p => p.name).sort(), ['limit', 'offset', 'raw'])
  t.same(doc.paths['/api/notifications'].get.parameters?.filter(p => p.in === 'query').map(p => p.name), ['unread'])
  t.ok(doc.paths['/api/datasets'].post.requestBody?.content['multipart/form-data'], 'the upload body is described')
  t.ok(doc.paths['/api/auth/signup'].post.requestBody?.content['application/json'], 'and the JSON bodies')
  t.match(doc.paths['/api/datasets/{id}'].get.responses['200'].content?.['application/json'].schema, {
    properties: { data: { properties: { dataset: { properties: { id: {}, status: { enum: ['uploading', 'validating', 'ready', 'error'] }, stats: {} } } } } }
  }, 'the dataset object')
  t.notOk(Object.keys(doc.paths).some(path => !path.startsWith('/api/')), 'pages are not in the API document')
})

t.test('/api/docs: a reference page whose scripts and styles load from our origin under the app\'s CSP', async t => {
  const app = await buildTestApp(t)
  const page = await app.inject({ url: '/api/docs', headers: { accept: 'text/html' } })
  t.equal(page.statusCode, 200, 'readable signed out')
  t.match(page.headers['content-type'], /text\/html/)
  const csp = String(page.headers['content-security-policy'])
  t.match(csp, /script-src 'self'(;|$)/, 'the app\'s CSP: only our own scripts')
  t.match(csp, /style-src 'self'(;|$)/, 'and only our own styles')
  t.notMatch(page.body, /<script>|<script(?![^>]*\ssrc=)[^>]*>|<style|\son\w+=/, 'no inline script, style or handler that the CSP would block')
  const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map(match => match[1])
  t.ok(assets.some(a => a.endsWith('swagger-ui-bundle.js')) && assets.some(a => a.endsWith('swagger-initializer.js')), 'the UI and its initialiser')
  for (const asset of assets) {
    t.notMatch(asset, /^(https?:)?\/\//, `${asset}: from our origin`)
    const url = new URL(asset, 'http://localhost/api/docs').pathname
    const loaded = await app.inject(url)
    t.equal(loaded.statusCode, 200, `${url} loads`)
    if (url.endsWith('.js')) t.match(loaded.headers['content-type'], /javascript/, `${url}: served as a script`)
    if (url.endsWith('.css')) t.match(loaded.headers['content-type'], /text\/css/, `${url}: served as a style sheet`)
  }
  const initializer = (await app.inject('/api/docs/static/swagger-initializer.js')).body
  t.match(initializer, /resolveUrl\('\.\/json'\)/, 'the UI reads the document from our origin')
  t.match(initializer, /validatorUrl: null/, 'no badge from an outside validator')
  const json = await app.inject('/api/docs/json')
  t.same(json.json(), (await app.inject('/api/openapi.json')).json(), 'the same document')
})

t.test('Settings links to the API reference beside the token form', async t => {
  const { browser } = await signedInBrowser(t, 'docs@example.com')
  const settings = (await browser.get('/settings')).body
  const section = settings.slice(settings.indexOf('<h2>API tokens</h2>'), settings.indexOf('<h2>Account</h2>'))
  t.match(section, /<a href="\/api\/docs">API documentation<\/a>/)
  t.match(section, /action="\/settings\/tokens"/, 'in the same section as the token form')
})
