import fp from 'fastify-plugin'
import view from '@fastify/view'
import { Eta } from 'eta'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import type { FastifyReply } from 'fastify'
import type { Flash } from './session.js'
import { formatBytes, formatDate, formatNumber } from '../views/format.js'

declare module 'fastify' {
  interface FastifyReply {
    /** Renders views/<name>.eta with the layout's shared context (user, CSRF token, flash). */
    page: (name: string, data?: Record<string, unknown>) => Promise<string>
    /** Renders and sends a page or fragment. */
    render: (name: string, data?: Record<string, unknown>, status?: number) => Promise<FastifyReply>
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

  app.decorateReply('page', async function (this: FastifyReply, name: string, data: Record<string, unknown> = {}) {
    const request = this.request
    const session = request.session
    const flash = session?.flash ?? []
    if (session?.flash) session.flash = undefined
    // The bell's count: pages only, fragments (and signed-out pages) skip the query.
    // A route that read the user's counts already passes `unreadNotifications` along.
    const unreadNotifications = typeof data.unreadNotifications === 'number'
      ? data.unreadNotifications
      : request.user && !name.includes('/_') && this.server.hasDecorator('notifications')
        ? await this.server.notifications.unreadCount(request.user.id)
        : 0
    const context = {
      user: request.user,
      unreadNotifications,
      csrfToken: session ? this.generateCsrf() : '',
      flash,
      path: request.url,
      format: { bytes: formatBytes, date: formatDate, number: formatNumber },
      ...data
    }
    return await this.viewAsync(`${name}.eta`, context)
  })

  app.decorateReply('render', async function (this: FastifyReply, name: string, data: Record<string, unknown> = {}, status = 200) {
    const html = await this.page(name, data)
    return this.code(status).type('text/html; charset=utf-8').send(html)
  })
}, { name: 'views', dependencies: ['session'] })
