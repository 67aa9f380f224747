import { and, desc, eq } from 'drizzle-orm'
import { apiTokens, users } from '../db/schema.js'
import type { Executor } from '../db/client.js'

export function createAccountRepository (db: Executor) {
  return {
    async findUserByEmail (email: string, tx: Executor = db) {
      const [user] = await tx.select().from(users).where(eq(users.email, email)).limit(1)
      return user ?? null
    },
    async findUserById (id: string, tx: Executor = db) {
      const [user] = await tx.select({ id: users.id, email: users.email }).from(users).where(eq(users.id, id)).limit(1)
      return user ?? null
    },
    /** Null when the email is taken. */
    async insertUser (email: string, passwordHash: string, tx: Executor = db) {
      const [user] = await tx.insert(users).values({ email, passwordHash })
        .onConflictDoNothing({ target: users.email })
        .returning({ id: users.id, email: users.email })
      return user ?? null
    },
    async insertToken (userId: string, name: string, tokenHash: string, tx: Executor = db) {
      const [token] = await tx.insert(apiTokens).values({ userId, name, tokenHash })
        .returning({ id: apiTokens.id, name: apiTokens.name, createdAt: apiTokens.createdAt })
      return token
    },
    /** Runs as the owner role: the caller is not known before the token is. */
    async findUserByTokenHash (tokenHash: string, tx: Executor = db) {
      const [row] = await tx.select({ id: users.id, email: users.email, tokenId: apiTokens.id, lastUsedAt: apiTokens.lastUsedAt })
        .from(apiTokens).innerJoin(users, eq(users.id, apiTokens.userId))
        .where(eq(apiTokens.tokenHash, tokenHash)).limit(1)
      return row ?? null
    },
    async touchToken (tokenId: string, tx: Executor = db) {
      await tx.update(apiTokens).set({ lastUsedAt: new Date() }).where(eq(apiTokens.id, tokenId))
    },
    async listTokens (userId: string, tx: Executor = db) {
      return await tx.select({ id: apiTokens.id, name: apiTokens.name, createdAt: apiTokens.createdAt, lastUsedAt: apiTokens.lastUsedAt })
        .from(apiTokens).where(eq(apiTokens.userId, userId)).orderBy(desc(apiTokens.createdAt))
    },
    /** True when a token of that user was deleted. */
    async deleteToken (userId: string, tokenId: string, tx: Executor = db) {
      const deleted = await tx.delete(apiTokens)
        .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, userId)))
        .returning({ id: apiTokens.id })
      return deleted.length > 0
    }
  }
}

export type AccountRepository = ReturnType<typeof createAccountRepository>
