import fp from 'fastify-plugin'
import cookie from '@fastify/cookie'
import session from '@fastify/session'
import type { Session } from 'fastify'
import type postgres from 'postgres'
import { createSessionRepository } from '../accounts/session-repository.js'

declare module 'fastify' {
  interface Session {
    userId?: string
    /** Read with the session (a join on users), never stored: null when the user is gone. */
    userEmail?: string | null
    flash?: Flash[]
  }
}

export interface Flash { kind: 'success' | 'error' | 'info', message: string, undo?: { action: string, label: string } }

const MAX_AGE_MS = 7 * 24 * 3600 * 1000

/** Sessions live in Postgres so they survive restarts and are shared by every web process. */
export class PostgresSessionStore {
  private readonly sessions: ReturnType<typeof createSessionRepository>

  constructor (sql: postgres.Sql) {
    this.sessions = createSessionRepository(sql)
  }

  set (sid: string, data: Session, callback: (err?: unknown) => void): void {
    const expires = data.cookie?.expires ? new Date(data.cookie.expires) : new Date(Date.now() + MAX_AGE_MS)
    const userId = data.userId ?? null
    const json = JSON.stringify(data, (key, value: unknown) => key === 'userEmail' ? undefined : value)
    this.sessions.save(sid, userId, json, expires).then(() => callback(), callback)
  }

  get (sid: string, callback: (err: unknown, session?: Session | null) => void): void {
    // The signed-in user's email comes along: one round trip for the session and its user.
    this.sessions.find(sid).then(row => {
      if (!row) return callback(null, null)
      const session = JSON.parse(row.data) as Session
      if (session.userId) session.userEmail = row.email
      callback(null, session)
    }, err => callback(err))
  }

  destroy (sid: string, callback: (err?: unknown) => void): void {
    this.sessions.remove(sid).then(() => callback(), callback)
  }

}

export default fp<{ secret: string, secure: boolean }>(async (app, { secret, secure }) => {
  await app.register(cookie)
  await app.register(session, {
    secret,
    cookieName: 'sid',
    store: new PostgresSessionStore(app.sql),
    saveUninitialized: false,
    rolling: false,
    cookie: { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: MAX_AGE_MS }
  })
}, { name: 'session', dependencies: ['db'] })
