import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { freePort } from '../src/embedded/index.js'

export interface ServerProcess { child: ChildProcess, url: string, exited: Promise<number | null>, output: () => string }

export interface StartOptions {
  timeoutMs?: number
  /** Run the built dist/server.js (as production does) instead of src/server.ts through tsx. */
  built?: boolean
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[]
}

/** The node flags `npm start` (and the Dockerfile's CMD) run the server with. */
export function serverNodeFlags (): string[] {
  const start = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts.start as string
  const match = /(?:^|&& )node ((?:--\S+ )*)dist\/server\.js$/.exec(start)
  if (!match) throw new Error(`package.json's start script does not end with "node [flags] dist/server.js": ${start}`)
  return match[1].split(' ').filter(Boolean)
}

/** The C library's allocator settings the Dockerfile gives the server (`ENV MALLOC_…`). */
export function serverAllocatorEnv (): Record<string, string> {
  const line = /^ENV (MALLOC_.*)$/m.exec(readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8'))
  return line ? Object.fromEntries(line[1].split(' ').map(pair => pair.split('=') as [string, string])) : {}
}

/** The server in a process of its own, run as the container runs it (npm start's node flags, the Dockerfile's allocator settings); resolves once it listens. */
export async function startServerProcess (env: Record<string, string>, { timeoutMs = 60_000, built = false, nodeArgs = [] }: StartOptions = {}): Promise<ServerProcess> {
  const port = await freePort()
  const entry = built ? ['dist/server.js'] : ['--import', 'tsx', 'src/server.ts']
  const child = spawn(process.execPath, [...serverNodeFlags(), ...nodeArgs, ...entry], {
    env: { PATH: process.env.PATH!, NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: String(port), ...serverAllocatorEnv(), ...env },
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
