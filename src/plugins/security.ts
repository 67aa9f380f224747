import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'
import CsrfTokens from '@fastify/csrf'
import rateLimit from '@fastify/rate-limit'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Forbidden } from '../errors.js'

declare module 'fastify' {
  interface FastifyReply {
    /** A CSRF token for this session's secret (the secret is made on first use). */
    generateCsrf: () => string
  }
  interface Session {
    csrfSecret?: string
  }
  interface FastifyInstance {
    /** True when the request needs no CSRF token (API token) or `token` is valid for its session. */
    verifyCsrf: (request: FastifyRequest, token: unknown) => boolean
  }
  interface FastifyContextConfig {
    /**
     * false: the route takes no CSRF token (JSON-only API calls that carry credentials in the body).
     * 'handler': the handler checks it with app.verifyCsrf (streamed multipart: the body is not
     * parsed before the handler, so the token comes from a header or an early form field).
     */
    csrf?: boolean | 'handler'
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** A browser request sent from another site: refused before any state changes. */
export function isCrossSite (request: FastifyRequest): boolean {
  const origin = request.headers.origin
  const fetchSite = request.headers['sec-fetch-site']
  // A browser sends "Origin: null" under some referrer policies; its Sec-Fetch-Site still tells.
  if (origin === 'null' && fetchSite !== undefined) return fetchSite !== 'same-origin'
  if (origin !== undefined) {
    try {
      return new URL(origin).host !== new URL(`http://${request.headers.host}`).host
    } catch {
      return true // 'null' and anything unparsable
    }
  }
  return fetchSite === 'cross-site'
}

export default fp<{ production: boolean }>(async (app, { production }) => {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        upgradeInsecureRequests: production ? [] : null
      }
    },
    strictTransportSecurity: production,
    // same-origin (not no-referrer): with no-referrer, Chromium sends "Origin: null" on our own forms.
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false
  })
  const tokens = CsrfTokens()
  app.decorateReply('generateCsrf', function (this: FastifyReply) {
    const session = this.request.session
    session.csrfSecret ??= tokens.secretSync()
    return tokens.create(session.csrfSecret)
  })
  await app.register(rateLimit, { global: false })

  app.decorate('verifyCsrf', (request: FastifyRequest, token: unknown) => {
    if (request.authMethod === 'token') return true
    const secret = request.session?.csrfSecret
    return typeof token === 'string' && !!secret && tokens.verify(secret, token)
  })

  // Every state-changing request from a browser session carries a CSRF token (form field
  // `_csrf` or header `x-csrf-token`) and comes from our own origin. API-token requests
  // carry no cookie, so they cannot be forged cross-site.
  app.addHook('preHandler', async (request: FastifyRequest) => {
    if (SAFE_METHODS.has(request.method)) return
    if (isCrossSite(request)) {
      throw new Forbidden('This request came from another site and was refused.')
    }
    const mode = request.routeOptions.config.csrf
    if (mode === false || mode === 'handler') return
    const body = request.body as Record<string, unknown> | undefined
    if (!app.verifyCsrf(request, request.headers['x-csrf-token'] ?? body?._csrf)) {
      throw new Forbidden('The form has expired or its security token is missing. Reload the page and try again.')
    }
  })
}, { name: 'security', dependencies: ['session', 'auth', 'errors'] })
