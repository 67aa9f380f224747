import { spawn, type ChildProcess } from 'node:child_process'
import { freePort } from '../src/embedded/index.js'

export interface ServerProcess { child: ChildProcess, url: string, exited: Promise<number | null>, output: () => string }

export interface StartOptions {
  timeoutMs?: number
  /** Run the built dist/server.js (as production does) instead of src/server.ts through tsx. */
  built?: boolean
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[]
}

/** The server in a process of its own; resolves once it listens. */
export async function startServerProcess (env: Record<string, string>, { timeoutMs = 60_000, built = false, nodeArgs = [] }: StartOptions = {}): Promise<ServerProcess> {
  const port = await freePort()
  const entry = built ? ['dist/server.js'] : ['--import', 'tsx', 'src/server.ts']
  const child = spawn(process.execPath, [...nodeArgs, ...entry], {
    env: { PATH: process.env.PATH!, NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout!.on('data', chunk => { output += chunk })
  child.stderr!.on('data', chunk => { output += chunk })
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  const deadline = Date.now() + timeoutMs
  while (!output.includes('listening on')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`server did not start:\n${output}`)
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  return { child, url: `http://127.0.0.1:${port}`, exited, output: () => output }
}
