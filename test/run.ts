// `npm test`: starts the servers the suite needs (an embedded Postgres and S3 server when
// DATABASE_URL / S3_ENDPOINT are unset), runs tap over test/**/*.test.ts, stops them.
import { spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { startEmbeddedPostgres, startEmbeddedS3 } from '../src/embedded/index.js'

const dataDir = resolve(process.env.TEST_DATA_DIR ?? join('.data', 'test'))
const stops: Array<() => Promise<void>> = []
const env = { ...process.env }

if (!env.DATABASE_URL) {
  const pg = await startEmbeddedPostgres(dataDir, line => process.stderr.write(line + '\n'))
  stops.push(pg.stop)
  env.TEST_DATABASE_URL = pg.url
} else {
  env.TEST_DATABASE_URL = env.DATABASE_URL
}
if (!env.S3_ENDPOINT) {
  const s3 = await startEmbeddedS3(dataDir, [])
  stops.push(s3.stop)
  env.TEST_S3_ENDPOINT = s3.endpoint
} else {
  env.TEST_S3_ENDPOINT = env.S3_ENDPOINT
}
delete env.DATABASE_URL
delete env.S3_ENDPOINT

const tapArgs = process.argv.slice(2)
const child = spawn(process.execPath, [join('node_modules', 'tap', 'dist', 'esm', 'run.mjs'), ...tapArgs], { stdio: 'inherit', env })
const code: number = await new Promise(resolve => child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))))
for (const stop of stops.reverse()) await stop().catch(() => {})
process.exit(code)
