import fp from 'fastify-plugin'
import cookie from '@fastify/cookie'
import session from '@fastify/session'
import type { Session } from 'fastify'
import type postgres from 'postgres'

declare module 'fastify' {
  interface Session {
    userId?: string
    flash?: Flash[]
  }
}

export interface Flash { kind: 'success' | 'error' | 'info', message: string, undo?: { action: string, label: string } }

const MAX_AGE_MS = 7 * 24 * 3600 * 1000

/** Sessions live in Postgres so they survive restarts and are shared by every web process. */
export class PostgresSessionStore {
  constructor (private readonly sql: postgres.Sql) {}

  set (sid: string, data: Session, callback: (err?: unknown) => void): void {
    const expires = data.cookie?.expires ? new Date(data.cookie.expires) : new Date(Date.now() + MAX_AGE_MS)
    const userId = data.userId ?? null
    // A string cast in SQL: drizzle replaces this client's jsonb serializer with a pass-through.
    const json = JSON.stringify(data)
    this.sql`
      insert into sessions (sid, user_id, data, expires_at) values (${sid}, ${userId}, ${json}::jsonb, ${expires.toISOString()}::timestamptz)
      on conflict (sid) do update set user_id = excluded.user_id, data = excluded.data, expires_at = excluded.expires_at`
      .then(() => callback(), callback)
  }

  get (sid: string, callback: (err: unknown, session?: Session | null) => void): void {
    this.sql<Array<{ data: string }>>`select data::text as data from sessions where sid = ${sid} and expires_at > now()`
      .then(rows => callback(null, rows[0] ? JSON.parse(rows[0].data) as Session : null), err => callback(err))
  }

  destroy (sid: string, callback: (err?: unknown) => void): void {
    this.sql`delete from sessions where sid = ${sid}`.then(() => callback(), callback)
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
