import type postgres from 'postgres'

/**
 * The sessions table (owner role: a session is read before anyone is known). Plain postgres.js
 * SQL, as every request with a cookie reads its session.
 */
export function createSessionRepository (sql: postgres.Sql) {
  return {
    /** The session's data as JSON text and its user's email (null when there is no user); null when expired or unknown. */
    async find (sid: string): Promise<{ data: string, email: string | null } | null> {
      const [row] = await sql<Array<{ data: string, email: string | null }>>`
        select s.data::text as data, u.email from sessions s left join users u on u.id = s.user_id
        where s.sid = ${sid} and s.expires_at > now()`
      return row ?? null
    },

    async save (sid: string, userId: string | null, json: string, expires: Date): Promise<void> {
      // A string cast in SQL: drizzle replaces this client's jsonb serializer with a pass-through.
      await sql`
        insert into sessions (sid, user_id, data, expires_at) values (${sid}, ${userId}, ${json}::jsonb, ${expires.toISOString()}::timestamptz)
        on conflict (sid) do update set user_id = excluded.user_id, data = excluded.data, expires_at = excluded.expires_at`
    },

    async remove (sid: string): Promise<void> {
      await sql`delete from sessions where sid = ${sid}`
    },

    /** How many expired sessions were deleted. */
    async purgeExpired (): Promise<number> {
      const purged = await sql`delete from sessions where expires_at <= now() returning sid`
      return purged.length
    }
  }
}
