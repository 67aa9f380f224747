// `npm test`: starts the servers the suite needs (an embedded Postgres and S3 server when
// DATABASE_URL / S3_ENDPOINT are unset), runs tap over test/**/*.test.ts, stops them.
import { spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { ensureServers } from '../src/embedded/index.js'

const dataDir = resolve(process.env.TEST_DATA_DIR ?? join('.data', 'test'))
const servers = await ensureServers({ databaseUrl: process.env.DATABASE_URL, s3Endpoint: process.env.S3_ENDPOINT }, dataDir, [],
  line => process.stderr.write(line + '\n'))
const env: NodeJS.ProcessEnv = { ...process.env, TEST_DATABASE_URL: servers.databaseUrl, TEST_S3_ENDPOINT: servers.s3Endpoint }
delete env.DATABASE_URL
delete env.S3_ENDPOINT

const tapArgs = process.argv.slice(2)
const child = spawn(process.execPath, [join('node_modules', 'tap', 'dist', 'esm', 'run.mjs'), ...tapArgs], { stdio: 'inherit', env })
const code: number = await new Promise(resolve => child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))))
await servers.stop()
process.exit(code)
