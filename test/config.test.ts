import t from 'tap'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { ConfigError, loadConfig, readEnv } from '../src/config.js'

const dir = () => mkdtempSync(join(tmpdir(), 'datasets-config-'))

t.test('defaults', async t => {
  const dataDir = dir()
  const config = loadConfig({ DATA_DIR: dataDir })
  t.equal(config.port, 3000)
  t.equal(config.maxUploadBytes, 524_288_000)
  t.equal(config.databaseUrl, null, 'no DATABASE_URL: embedded Postgres')
  t.equal(config.s3.endpoint, null, 'no S3_ENDPOINT: embedded S3')
  t.equal(config.s3.bucket, 'datasets')
  t.equal(config.nodeEnv, 'development')
  t.equal(config.workerConcurrency, 2)
  t.equal(config.role, 'all')
  t.same(config.uploads, { bufferBytes: 256 * 1024 * 1024, queueTimeoutSeconds: 60, idleTimeoutSeconds: 60 })
  t.equal(config.metricsToken, null, 'no token: /metrics from loopback only')
})

t.test('every variable is read', async t => {
  const config = loadConfig({
    PORT: '8080', HOST: '0.0.0.0', DATABASE_URL: 'postgres://u:p@db:5432/x', S3_ENDPOINT: 'https://s3.example.com',
    S3_REGION: 'eu-west-1', S3_BUCKET: 'my-bucket', S3_ACCESS_KEY_ID: 'AK', S3_SECRET_ACCESS_KEY: 'SK',
    S3_FORCE_PATH_STYLE: 'false', SESSION_SECRET: 'x'.repeat(40), MAX_UPLOAD_BYTES: '1000', DATA_DIR: dir(),
    NODE_ENV: 'production', LOG_LEVEL: 'warn', UPLOAD_BUFFER_MB: '64', UPLOAD_QUEUE_TIMEOUT_S: '5', UPLOAD_IDLE_TIMEOUT_S: '7',
    METRICS_TOKEN: 'm'.repeat(20)
  })
  t.match(config, {
    port: 8080, host: '0.0.0.0', databaseUrl: 'postgres://u:p@db:5432/x', nodeEnv: 'production', logLevel: 'warn',
    maxUploadBytes: 1000, sessionSecret: 'x'.repeat(40), metricsToken: 'm'.repeat(20),
    uploads: { bufferBytes: 64 * 1024 * 1024, queueTimeoutSeconds: 5, idleTimeoutSeconds: 7 },
    s3: { endpoint: 'https://s3.example.com', region: 'eu-west-1', bucket: 'my-bucket', accessKeyId: 'AK', secretAccessKey: 'SK', forcePathStyle: false }
  })
})

t.test('a wrong value names its variable', async t => {
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ PORT: 'abc' }, 'PORT', /whole number/],
    [{ PORT: '70000' }, 'PORT', /between 0 and 65535/],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL', /postgres:\/\//],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL', /not a valid URL/],
    [{ S3_ENDPOINT: 'ftp://x' }, 'S3_ENDPOINT', /http/],
    [{ S3_FORCE_PATH_STYLE: 'maybe' }, 'S3_FORCE_PATH_STYLE', /true or false/],
    [{ MAX_UPLOAD_BYTES: '-5' }, 'MAX_UPLOAD_BYTES', /whole number/],
    [{ MAX_UPLOAD_BYTES: '0' }, 'MAX_UPLOAD_BYTES', /between/],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV', /development, production or test/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /one of/],
    [{ S3_BUCKET: 'Bad_Bucket' }, 'S3_BUCKET', /bucket name/],
    [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET', /at least 32/],
    [{ NODE_ENV: 'production' }, 'SESSION_SECRET', /required in production/],
    [{ WORKER_CONCURRENCY: '0' }, 'WORKER_CONCURRENCY', /between 1 and 64/],
    [{ UPLOAD_BUFFER_MB: '8' }, 'UPLOAD_BUFFER_MB', /between 16 and/],
    [{ UPLOAD_QUEUE_TIMEOUT_S: '0' }, 'UPLOAD_QUEUE_TIMEOUT_S', /between 1 and 3600/],
    [{ UPLOAD_IDLE_TIMEOUT_S: 'soon' }, 'UPLOAD_IDLE_TIMEOUT_S', /whole number/],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN', /at least 16/]
  ]
  for (const [env, variable, problem] of cases) {
    try {
      loadConfig({ DATA_DIR: dir(), ...env })
      t.fail(`${JSON.stringify(env)} was accepted`)
    } catch (error) {
      t.ok(error instanceof ConfigError, `${variable}: a ConfigError`)
      t.equal((error as ConfigError).variable, variable)
      t.match((error as Error).message, problem)
      t.match((error as Error).message, new RegExp(`^Invalid configuration: ${variable} `))
    }
  }
})

t.test('development generates a session secret once and keeps it in DATA_DIR', async t => {
  const dataDir = dir()
  const first = loadConfig({ DATA_DIR: dataDir }).sessionSecret
  t.ok(first.length >= 32)
  t.equal(readFileSync(join(dataDir, 'session-secret'), 'utf8').trim(), first)
  t.equal(loadConfig({ DATA_DIR: dataDir }).sessionSecret, first, 'the same secret after a restart')
})

t.test('.env is read, the environment wins', async t => {
  const cwd = dir()
  writeFileSync(join(cwd, '.env'), 'PORT=4567\nS3_BUCKET=from-dotenv\n')
  const env = readEnv(cwd, { PORT: '5678' })
  t.equal(env.PORT, '5678')
  t.equal(env.S3_BUCKET, 'from-dotenv')
  t.equal(loadConfig({ ...env, DATA_DIR: dir() }).s3.bucket, 'from-dotenv')
})

t.test('the server refuses to start on a wrong value: one line, exit code 1', async t => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    env: { PATH: process.env.PATH, PORT: 'abc', DATA_DIR: dir() }, encoding: 'utf8', timeout: 60_000
  })
  t.equal(result.status, 1)
  t.equal(result.stderr.trim().split('\n').filter(line => !/Warning|versions published|node >=22|upgrade|a\.co|trace-warnings|^$/.test(line)).join('\n'),
    'Invalid configuration: PORT must be a whole number, got "abc"')
})
