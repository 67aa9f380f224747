import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import { loadConfig, type Config } from '../src/config.js'
import { buildApp, type ResolvedConfig } from '../src/app.js'
import { migrateDatabase } from '../src/db/migrate.js'
import { createS3Client } from '../src/datasets/storage.js'

interface TapLike { teardown: (fn: () => unknown) => void }

/**
 * The servers the suite runs against: test/run.ts starts embedded ones (or passes on
 * DATABASE_URL / S3_ENDPOINT) and exports them as TEST_DATABASE_URL / TEST_S3_ENDPOINT.
 */
export function testServers () {
  const databaseUrl = process.env.TEST_DATABASE_URL
  const s3Endpoint = process.env.TEST_S3_ENDPOINT
  if (!databaseUrl || !s3Endpoint) {
    throw new Error('Run the tests with `npm test` (test/run.ts starts Postgres and S3 for them).')
  }
  return { databaseUrl, s3Endpoint }
}

export const TEST_SESSION_SECRET = 'test-session-secret-that-is-long-enough-0123456789'

/** A database of its own for one test file, dropped at teardown. */
export async function createTestDatabase (t: TapLike): Promise<string> {
  const { databaseUrl } = testServers()
  const name = `t_${randomBytes(6).toString('hex')}`
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  await admin.unsafe(`CREATE DATABASE "${name}"`)
  await admin.end()
  t.teardown(async () => {
    const cleanup = postgres(databaseUrl, { max: 1, onnotice: () => {} })
    await cleanup.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    await cleanup.end()
  })
  const url = new URL(databaseUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/**
 * A migrated database of its own with users a@example.com and b@example.com, and one owner
 * connection to it (one, so every transaction reuses it), closed at teardown.
 */
export async function twoUserDatabase (t: TapLike): Promise<{ sql: postgres.Sql, a: { id: string }, b: { id: string } }> {
  const { migrateDatabase } = await import('../src/db/migrate.js')
  const url = await createTestDatabase(t)
  await migrateDatabase(url)
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  t.teardown(() => sql.end())
  const [a] = await sql<Array<{ id: string }>>`insert into users (email, password_hash) values ('a@example.com', 'x') returning id`
  const [b] = await sql<Array<{ id: string }>>`insert into users (email, password_hash) values ('b@example.com', 'x') returning id`
  return { sql, a, b }
}

/**
 * Raw SQL under the request role, as the app runs it: a transaction with SET LOCAL ROLE and a
 * transaction-local app.user_id (none when userId is null).
 */
export function asRequestRole (sql: postgres.Sql) {
  return async <T>(userId: string | null, fn: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> =>
    await sql.begin(async tx => {
      if (userId) await tx`select set_config('app.user_id', ${userId}, true)`
      await tx`set local role datasets_app`
      return await fn(tx)
    }) as T
}

export async function createTestBucket (): Promise<string> {
  const { s3Endpoint } = testServers()
  const bucket = `t-${randomBytes(6).toString('hex')}`
  const client = createS3Client(testS3Config(bucket, s3Endpoint))
  await client.send(new CreateBucketCommand({ Bucket: bucket }))
  client.destroy()
  return bucket
}

function testS3Config (bucket: string, endpoint: string): Config['s3'] {
  return {
    endpoint,
    bucket,
    region: process.env.S3_REGION ?? 'us-east-1',
    accessKeyId: process.env.S3_ACCESS_KEY_ID ?? 'S3RVER',
    secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? 'S3RVER',
    forcePathStyle: true
  }
}

/** A config for one test file: its own database and bucket, on the suite's servers. */
export async function createTestConfig (t: TapLike, env: Record<string, string> = {}): Promise<ResolvedConfig> {
  const { s3Endpoint } = testServers()
  const databaseUrl = await createTestDatabase(t)
  const bucket = await createTestBucket()
  const dataDir = mkdtempSync(join(tmpdir(), 'datasets-test-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    S3_ENDPOINT: s3Endpoint,
    S3_BUCKET: bucket,
    SESSION_SECRET: TEST_SESSION_SECRET,
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env
  })
  config.s3 = testS3Config(bucket, env.S3_ENDPOINT ?? s3Endpoint)
  await migrateDatabase(databaseUrl)
  return { ...config, databaseUrl }
}

export async function buildTestApp (t: TapLike, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const config = await createTestConfig(t, env)
  const app = await buildApp(config)
  t.teardown(() => app.close())
  await app.ready()
  return app
}

/** A cookie jar and CSRF token for driving pages the way a browser does. */
export class Browser {
  cookies = new Map<string, string>()
  csrf = ''

  constructor (readonly app: FastifyInstance) {}

  private cookieHeader (): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  private keep (response: LightMyRequestResponse): void {
    for (const cookie of response.cookies as Array<{ name: string, value: string, maxAge?: number, expires?: Date }>) {
      if (cookie.maxAge === 0 || (cookie.expires && cookie.expires.getTime() < Date.now())) this.cookies.delete(cookie.name)
      else this.cookies.set(cookie.name, cookie.value)
    }
    const match = /name="_csrf" value="([^"]+)"/.exec(response.body)
    if (match) this.csrf = match[1]
  }

  async get (url: string, headers: Record<string, string> = {}) {
    const response = await this.app.inject({ method: 'GET', url, headers: { accept: 'text/html', cookie: this.cookieHeader(), ...headers } })
    this.keep(response)
    return response
  }

  /** A form post; the CSRF token of the last page is sent unless `_csrf` is given. */
  async post (url: string, form: Record<string, string> = {}, headers: Record<string, string> = {}) {
    const body = new URLSearchParams({ _csrf: this.csrf, ...form }).toString()
    const response = await this.app.inject({
      method: 'POST',
      url,
      payload: body,
      headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookieHeader(), ...headers }
    })
    this.keep(response)
    return response
  }

  async signUp (email: string, password = 'correct horse battery'): Promise<void> {
    await this.get('/signup')
    const response = await this.post('/signup', { email, password })
    if (response.statusCode !== 303) throw new Error(`sign-up failed: ${response.statusCode} ${response.body.slice(0, 200)}`)
  }
}

/** An app of its own and a browser signed up on it as `email`. */
export async function signedInBrowser (t: TapLike, email: string, env: Record<string, string> = {}): Promise<{ app: FastifyInstance, browser: Browser }> {
  const app = await buildTestApp(t, env)
  const browser = new Browser(app)
  await browser.signUp(email)
  return { app, browser }
}

/** Signs a user up through the API and returns a bearer token for them. */
export async function apiUser (app: FastifyInstance, email = `u${randomBytes(4).toString('hex')}@example.com`, password = 'correct horse battery') {
  const signup = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email, password } })
  if (signup.statusCode !== 201) throw new Error(`sign-up failed: ${signup.body}`)
  const tokenResponse = await app.inject({ method: 'POST', url: '/api/auth/tokens', payload: { email, password } })
  const { token } = tokenResponse.json().data
  const user = signup.json().data.user as { id: string, email: string }
  return { ...user, token, password, headers: { authorization: `Bearer ${token}` } }
}

export type Part = { name: string, value: string } | { name: string, filename: string, content: Buffer, type?: string }

/** A multipart/form-data body, parts in the order given. */
export function multipart (parts: Part[]): { payload: Buffer, headers: Record<string, string> } {
  const boundary = `----datasets${randomBytes(8).toString('hex')}`
  const chunks: Buffer[] = []
  for (const part of parts) {
    if ('value' in part) {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`))
    } else {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: ${part.type ?? 'application/octet-stream'}\r\n\r\n`))
      chunks.push(part.content, Buffer.from('\r\n'))
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

/** Uploads content through POST /api/datasets with a bearer token. */
export async function uploadDataset (app: FastifyInstance, headers: Record<string, string>, content: Buffer | string, fields: Record<string, string> = {}, filename = 'data.jsonl') {
  const body = multipart([
    ...Object.entries({ name: 'My dataset', ...fields }).map(([name, value]) => ({ name, value })),
    { name: 'file', filename, content: Buffer.isBuffer(content) ? content : Buffer.from(content) }
  ])
  return await app.inject({ method: 'POST', url: '/api/datasets', payload: body.payload, headers: { ...headers, ...body.headers } })
}

/** Polls GET /api/datasets/:id until the status is final (or the time is up). */
export async function waitForFinal (app: FastifyInstance, headers: Record<string, string>, id: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const response = await app.inject({ url: `/api/datasets/${id}`, headers })
    const dataset = response.json().data?.dataset
    if (dataset && (dataset.status === 'ready' || dataset.status === 'error')) return dataset
    if (Date.now() > deadline) throw new Error(`dataset ${id} still ${dataset?.status} after ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

/** Every object key in the app's bucket. */
export async function bucketKeys (app: FastifyInstance): Promise<string[]> {
  const { ListObjectsV2Command } = await import('@aws-sdk/client-s3')
  const listed = await app.storage.client.send(new ListObjectsV2Command({ Bucket: app.storage.bucket }))
  return (listed.Contents ?? []).map(object => object.Key!)
}

/** A small valid dataset of n conversations. */
export function sampleDataset (n: number, prefix = 'c'): string {
  const lines: string[] = []
  for (let i = 0; i < n; i++) {
    lines.push(JSON.stringify({ conversation_id: `${prefix}-${i}`, turns: [{ role: 'user', content: `Question ${i}: what is ${i} + ${i}?` }, { role: 'assistant', content: `It is ${2 * i}.` }] }))
  }
  return lines.join('\n') + '\n'
}
