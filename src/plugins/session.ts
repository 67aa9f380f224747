import fp from 'fastify-plugin'
import cookie from '@fastify/cookie'
import session from '@fastify/session'
import type { Session } from 'fastify'
import type postgres from 'postgres'

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
  constructor (private readonly sql: postgres.Sql) {}

  set (sid: string, data: Session, callback: (err?: unknown) => void): void {
    const expires = data.cookie?.expires ? new Date(data.cookie.expires) : new Date(Date.now() + MAX_AGE_MS)
    const userId = data.userId ?? null
    // A string cast in SQL: drizzle replaces this client's jsonb serializer with a pass-through.
    const json = JSON.stringify(data, (key, value: unknown) => key === 'userEmail' ? undefined : value)
    this.sql`
      insert into sessions (sid, user_id, data, expires_at) values (${sid}, ${userId}, ${json}::jsonb, ${expires.toISOString()}::timestamptz)
      on conflict (sid) do update set user_id = excluded.user_id, data = excluded.data, expires_at = excluded.expires_at`
      .then(() => callback(), callback)
  }

  get (sid: string, callback: (err: unknown, session?: Session | null) => void): void {
    // The signed-in user's email comes along: one round trip for the session and its user.
    this.sql<Array<{ data: string, email: string | null }>>`
      select s.data::text as data, u.email from sessions s left join users u on u.id = s.user_id
      where s.sid = ${sid} and s.expires_at > now()`
      .then(rows => {
        if (!rows[0]) return callback(null, null)
        const session = JSON.parse(rows[0].data) as Session
        if (session.userId) session.userEmail = rows[0].email
        callback(null, session)
      }, err => callback(err))
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
