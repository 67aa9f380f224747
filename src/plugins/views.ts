import fp from 'fastify-plugin'
import view from '@fastify/view'
import { Eta } from 'eta'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Flash } from './session.js'
import { formatBytes, formatDate, formatNumber } from '../views/format.js'

/** A value of the layout that depends on the request (the bell's count): read for whole pages only. */
export type LayoutValue = (request: FastifyRequest) => Promise<unknown>

declare module 'fastify' {
  interface FastifyReply {
    /** Renders views/<name>.eta with the layout's shared context (user, CSRF token, flash). */
    page: (name: string, data?: Record<string, unknown>) => Promise<string>
    /** Renders and sends a page or fragment. */
    render: (name: string, data?: Record<string, unknown>, status?: number) => Promise<FastifyReply>
  }
  interface FastifyInstance {
    /**
     * Shares a value with every template as `it.<name>`. A function (LayoutValue) is called per
     * page, not for fragments, and not when the route passed `<name>` itself.
     */
    shareWithViews: (name: string, value: unknown, options?: { perPage?: boolean }) => void
  }
}

export const VIEWS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'views')

export function addFlash (reply: FastifyReply, flash: Flash): void {
  const session = reply.request.session
  session.flash = [...(session.flash ?? []), flash]
}

export default fp<{ production: boolean }>(async (app, { production }) => {
  // autoEscape: `<%= %>` escapes every value; `<%~ %>` (raw) is kept for included fragments.
  const eta = new Eta({ views: VIEWS_DIR, cache: production, autoEscape: true, autoTrim: [false, 'nl'] })
  await app.register(view, { engine: { eta }, root: VIEWS_DIR, production })

  const shared: Record<string, unknown> = Object.create(null)
  const perPage = new Map<string, LayoutValue>()
  app.decorate('shareWithViews', (name: string, value: unknown, options: { perPage?: boolean } = {}) => {
    if (options.perPage) perPage.set(name, value as LayoutValue)
    else shared[name] = value
  })

  app.decorateReply('page', async function (this: FastifyReply, name: string, data: Record<string, unknown> = {}) {
    const request = this.request
    const session = request.session
    const flash = session?.flash ?? []
    if (session?.flash) session.flash = undefined
    const fragment = name.includes('/_')
    const layout: Record<string, unknown> = {}
    for (const [key, read] of perPage) {
      if (!fragment && !Object.hasOwn(data, key)) layout[key] = await read(request)
    }
    const context = {
      user: request.user,
      csrfToken: session ? this.generateCsrf() : '',
      flash,
      path: request.url,
      format: { bytes: formatBytes, date: formatDate, number: formatNumber },
      ...shared,
      ...layout,
      ...data
    }
    return await this.viewAsync(`${name}.eta`, context)
  })

  app.decorateReply('render', async function (this: FastifyReply, name: string, data: Record<string, unknown> = {}, status = 200) {
    const html = await this.page(name, data)
    return this.code(status).type('text/html; charset=utf-8').send(html)
  })
}, { name: 'views', dependencies: ['session'] })
