import argon2 from 'argon2'

// OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane.
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

export const MIN_PASSWORD_LENGTH = 8
export const MAX_PASSWORD_LENGTH = 1024

export async function hashPassword (password: string): Promise<string> {
  return await argon2.hash(password, OPTIONS)
}

export async function verifyPassword (hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password)
  } catch {
    return false
  }
}

// Verifying against this when the email is unknown keeps sign-in time the same either way.
let dummyHash: Promise<string> | null = null
export async function verifyAgainstDummy (password: string): Promise<void> {
  dummyHash ??= hashPassword('dummy password for timing')
  await verifyPassword(await dummyHash, password)
}
