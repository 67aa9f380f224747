import { createHash, randomBytes } from 'node:crypto'
import { asUser, type Database } from '../db/client.js'
import { Conflict, InvalidInput, RateLimited, WrongCredentials } from '../errors.js'
import { createAccountRepository } from './repository.js'
import { createLoginThrottle, throttleKey } from './login-throttle.js'
import { hashPassword, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, verifyAgainstDummy, verifyPassword } from './passwords.js'

export interface PublicUser { id: string, email: string }

export class EmailTaken extends Conflict {
  constructor () { super('An account with this email already exists.') }
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/
const TOKEN_PREFIX = 'dst_'

export function normaliseEmail (email: unknown): string {
  if (typeof email !== 'string' || email.length > 254 || !EMAIL.test(email.trim())) {
    throw new InvalidInput('Enter a valid email address.', 'email')
  }
  return email.trim().toLowerCase()
}

function checkPassword (password: unknown): string {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH) {
    throw new InvalidInput(`The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`, 'password')
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new InvalidInput(`The password must be at most ${MAX_PASSWORD_LENGTH} characters long.`, 'password')
  }
  return password
}

export function hashToken (token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** How stale a token's last_used_at may get before a request writes it again. */
export const TOKEN_TOUCH_MS = 60_000

export function createAccountService (db: Database, throttle = createLoginThrottle()) {
  const repository = createAccountRepository(db)
  return {
    async signUp (emailInput: unknown, passwordInput: unknown): Promise<PublicUser> {
      const email = normaliseEmail(emailInput)
      const password = checkPassword(passwordInput)
      const user = await repository.insertUser(email, await hashPassword(password))
      if (!user) throw new EmailTaken()
      return user
    },

    /** The user, or null for any wrong email/password pair (one generic answer). */
    async authenticate (emailInput: unknown, passwordInput: unknown): Promise<PublicUser | null> {
      if (typeof emailInput !== 'string' || typeof passwordInput !== 'string' || passwordInput.length > MAX_PASSWORD_LENGTH) return null
      const user = await repository.findUserByEmail(emailInput.trim().toLowerCase())
      if (!user) {
        await verifyAgainstDummy(passwordInput)
        return null
      }
      return await verifyPassword(user.passwordHash, passwordInput) ? { id: user.id, email: user.email } : null
    },

    /**
     * A sign-in by email and password from `ip`, under the throttle of failed attempts per IP and
     * email: RateLimited while over it, WrongCredentials (one generic message) on a miss.
     */
    async signIn (ip: string, email: unknown, password: unknown): Promise<PublicUser> {
      const key = throttleKey(ip, email)
      const wait = throttle.retryAfter(key)
      if (wait > 0) throw new RateLimited(`Too many failed sign-ins. Try again in ${wait} seconds.`, wait)
      const user = await this.authenticate(email, password)
      if (!user) {
        throttle.recordFailure(key)
        throw new WrongCredentials('Wrong email or password.')
      }
      throttle.succeed(key)
      return user
    },

    async findUser (id: string): Promise<PublicUser | null> {
      return await repository.findUserById(id)
    },

    /** A new API token: the plain value is returned once and only its SHA-256 is stored. */
    async createToken (userId: string, nameInput: unknown) {
      const name = nameInput === undefined || nameInput === null || nameInput === '' ? 'API token' : nameInput
      if (typeof name !== 'string' || name.trim().length === 0 || name.length > 100) {
        throw new InvalidInput('The token name must be 1 to 100 characters.', 'name')
      }
      const token = TOKEN_PREFIX + randomBytes(32).toString('base64url')
      const row = await asUser(db, userId, tx => repository.insertToken(userId, name.trim(), hashToken(token), tx))
      return { token, id: row.id, name: row.name }
    },

    async userForToken (token: string): Promise<(PublicUser & { tokenId: string }) | null> {
      if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null
      const row = await repository.findUserByTokenHash(hashToken(token))
      // last_used_at to the minute: a script's burst of calls writes it once, not per request.
      if (row && (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() >= TOKEN_TOUCH_MS)) await repository.touchToken(row.tokenId)
      return row
    },

    async listTokens (userId: string) {
      return await asUser(db, userId, tx => repository.listTokens(userId, tx))
    },

    async revokeToken (userId: string, tokenId: string): Promise<boolean> {
      return await asUser(db, userId, tx => repository.deleteToken(userId, tokenId, tx))
    }
  }
}

export type AccountService = ReturnType<typeof createAccountService>
