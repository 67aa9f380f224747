import fp from 'fastify-plugin'
import fastifyStatic from '@fastify/static'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'public')

/** Our own assets under /static, and the vendored htmx and Pico CSS from node_modules: no CDN. */
export default fp(async (app) => {
  const htmxDir = dirname(require.resolve('htmx.org/dist/htmx.min.js'))
  const picoDir = join(dirname(require.resolve('@picocss/pico/package.json')), 'css')
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/static/', maxAge: '1h' })
  await app.register(fastifyStatic, {
    root: htmxDir, prefix: '/vendor/htmx/', decorateReply: false, maxAge: '7d', allowedPath: p => p === '/htmx.min.js'
  })
  await app.register(fastifyStatic, {
    root: picoDir, prefix: '/vendor/pico/', decorateReply: false, maxAge: '7d', allowedPath: p => p === '/pico.min.css'
  })
}, { name: 'static' })
