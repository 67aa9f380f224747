import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import { parse as parseDotenv } from 'dotenv'
import type { EngineSettings } from './validation/types.js'

export type Role = 'web' | 'worker' | 'all'

export interface Config {
  nodeEnv: 'development' | 'production' | 'test'
  port: number
  host: string
  logLevel: string
  dataDir: string
  /** Unset: an embedded Postgres is started under dataDir. */
  databaseUrl: string | null
  s3: {
    /** Unset: an embedded S3-compatible server is started under dataDir. */
    endpoint: string | null
    region: string
    bucket: string
    accessKeyId: string
    secretAccessKey: string
    forcePathStyle: boolean
  }
  sessionSecret: string
  maxUploadBytes: number
  workerConcurrency: number
  /** Uploads one user may start per minute (browser form and API together). */
  uploadsPerMinute: number
  /** Days a soft-deleted dataset stays in the trash before it is purged. */
  trashRetentionDays: number
  /**
   * After refusing a request whose body is still arriving, the body is read and thrown away for
   * at most this long and this many bytes, so the client reads the refusal; then the connection closes.
   */
  refusedBodyDrain: { seconds: number, bytes: number }
  /** The memory uploads may hold on their way to storage, and how long they wait for it. */
  uploads: {
    bufferBytes: number
    /** An upload that waited this long for its first buffer is refused with 503. */
    queueTimeoutSeconds: number
    /** An upload whose client sends nothing this long is cut (its buffers are freed). */
    idleTimeoutSeconds: number
  }
  /** When set, GET /metrics also answers requests that send it as a bearer token (else loopback only). */
  metricsToken: string | null
  role: Role
  /** The validation engine's tuning (the engine itself never reads the environment). */
  validation: EngineSettings
}

/** A configuration problem: start-up prints its message as one line and exits with 1. */
export class ConfigError extends Error {
  constructor (readonly variable: string, problem: string) {
    super(`Invalid configuration: ${variable} ${problem}`)
  }
}

type Env = Record<string, string | undefined>

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

function integer (env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be a whole number, got "${raw}"`)
  const value = Number(raw.trim())
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`)
  return value
}

function boolean (env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase()
  if (raw === undefined || raw === '') return fallback
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true
  if (['0', 'false', 'no', 'off'].includes(raw)) return false
  throw new ConfigError(name, `must be true or false, got "${env[name]}"`)
}

function url (env: Env, name: string, protocols: string[]): string | null {
  const raw = env[name]?.trim()
  if (!raw) return null
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new ConfigError(name, 'is not a valid URL')
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.map(p => p + '//').join(' or ')}`)
  }
  return raw
}

/** Reads `.env` (if any) under the variables already set: the process environment wins. */
export function readEnv (cwd = process.cwd(), env: Env = process.env): Env {
  const file = join(cwd, '.env')
  if (!existsSync(file)) return { ...env }
  return { ...parseDotenv(readFileSync(file)), ...env }
}

function sessionSecretFor (env: Env, nodeEnv: Config['nodeEnv'], dataDir: string): string {
  const given = env.SESSION_SECRET
  if (given !== undefined && given !== '') {
    if (given.length < 32) throw new ConfigError('SESSION_SECRET', 'must be at least 32 characters long')
    return given
  }
  if (nodeEnv === 'production') throw new ConfigError('SESSION_SECRET', 'is required in production (at least 32 characters)')
  // Development and test: a generated secret kept in DATA_DIR so sessions survive restarts.
  const file = join(dataDir, 'session-secret')
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim()
    if (kept.length >= 32) return kept
  }
  mkdirSync(dataDir, { recursive: true })
  const secret = randomBytes(32).toString('hex')
  writeFileSync(file, secret + '\n', { mode: 0o600 })
  return secret
}

function metricsTokenFrom (env: Env): string | null {
  const token = env.METRICS_TOKEN?.trim()
  if (!token) return null
  if (token.length < 16) throw new ConfigError('METRICS_TOKEN', 'must be at least 16 characters long')
  return token
}

/**
 * The validation engine's tuning (README, "Configuration"): the server and the CLI both read
 * it here, so a wrong value is one clear line wherever the engine runs.
 */
export function loadEngineSettings (env: Env = readEnv()): EngineSettings {
  return {
    batchBytes: integer(env, 'VALIDATION_BATCH_KB', 256, 1, 1024 * 1024) * 1024,
    batchesInFlight: integer(env, 'VALIDATION_BATCHES_IN_FLIGHT', 2, 1, 64),
    workerHeapMb: integer(env, 'VALIDATION_WORKER_HEAP_MB', 64, 16, 65536),
    workerYoungMb: integer(env, 'VALIDATION_WORKER_YOUNG_MB', 8, 1, 4096),
    tokenizerCacheSize: integer(env, 'TOKENIZER_CACHE_SIZE', 20_000, 0, 100_000_000),
    ranksDir: null
  }
}

export function loadConfig (env: Env = readEnv()): Config {
  const nodeEnvRaw = env.NODE_ENV?.trim() || 'development'
  if (!['development', 'production', 'test'].includes(nodeEnvRaw)) {
    throw new ConfigError('NODE_ENV', `must be development, production or test, got "${nodeEnvRaw}"`)
  }
  const nodeEnv = nodeEnvRaw as Config['nodeEnv']
  const logLevel = env.LOG_LEVEL?.trim() || (nodeEnv === 'test' ? 'silent' : 'info')
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`)
  const role = (env.ROLE?.trim() || 'all') as Role
  if (!['web', 'worker', 'all'].includes(role)) throw new ConfigError('ROLE', `must be web, worker or all, got "${role}"`)
  const dataDir = resolve(env.DATA_DIR?.trim() || '.data')
  const bucket = env.S3_BUCKET?.trim() || 'datasets'
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ConfigError('S3_BUCKET', `is not a valid bucket name: "${bucket}"`)
  const host = env.HOST?.trim() || '127.0.0.1'
  return {
    nodeEnv,
    port: integer(env, 'PORT', 3000, 0, 65535),
    host,
    logLevel,
    dataDir,
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    s3: {
      endpoint: url(env, 'S3_ENDPOINT', ['http:', 'https:']),
      region: env.S3_REGION?.trim() || 'us-east-1',
      bucket,
      accessKeyId: env.S3_ACCESS_KEY_ID?.trim() || 'S3RVER',
      secretAccessKey: env.S3_SECRET_ACCESS_KEY?.trim() || 'S3RVER',
      forcePathStyle: boolean(env, 'S3_FORCE_PATH_STYLE', true)
    },
    sessionSecret: sessionSecretFor(env, nodeEnv, dataDir),
    maxUploadBytes: integer(env, 'MAX_UPLOAD_BYTES', 524_288_000, 1, Number.MAX_SAFE_INTEGER),
    workerConcurrency: integer(env, 'WORKER_CONCURRENCY', 2, 1, 64),
    uploadsPerMinute: integer(env, 'UPLOADS_PER_MINUTE', 30, 1, 100_000),
    trashRetentionDays: integer(env, 'TRASH_RETENTION_DAYS', 30, 0, 3650),
    refusedBodyDrain: {
      seconds: integer(env, 'REFUSED_BODY_DRAIN_SECONDS', 10, 0, 600),
      bytes: integer(env, 'REFUSED_BODY_DRAIN_BYTES', 268_435_456, 0, Number.MAX_SAFE_INTEGER)
    },
    uploads: {
      bufferBytes: integer(env, 'UPLOAD_BUFFER_MB', 256, 16, 1_048_576) * 1024 * 1024,
      queueTimeoutSeconds: integer(env, 'UPLOAD_QUEUE_TIMEOUT_S', 60, 1, 3600),
      idleTimeoutSeconds: integer(env, 'UPLOAD_IDLE_TIMEOUT_S', 60, 1, 3600)
    },
    metricsToken: metricsTokenFrom(env),
    role,
    validation: loadEngineSettings(env)
  }
}
