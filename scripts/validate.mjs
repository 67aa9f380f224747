// `npm run validate -- FILE ...`: the validation CLI on the built engine (dist/), as production
// runs it: no TypeScript loader, and the rank tables the build writes instead of tables built
// in memory on every call. Builds first when dist/ is missing or older than the sources; the
// build's output goes to stderr, so with --json stdout holds the report alone. Exit status and
// output are the CLI's (0 ready, 1 error, 2 usage or I/O problem, and 2 when the build fails).
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const CLI = join(root, 'dist', 'cli.js')
const RANKS = join(root, 'dist', 'validation', 'ranks')
/** What the build reads: a change to any of them makes dist/ stale. */
const INPUTS = ['src', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']

/** The newest modification time under a path (a directory's own time changes when a file goes). */
function newest (path) {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return readdirSync(path).reduce((time, entry) => Math.max(time, newest(join(path, entry))), stat.mtimeMs)
}

function buildNeeded () {
  if (!existsSync(CLI) || !existsSync(RANKS) || readdirSync(RANKS).length === 0) return 'there is no build yet'
  const built = statSync(CLI).mtimeMs
  return INPUTS.some(input => newest(join(root, input)) > built) ? 'the build is older than the sources' : null
}

const reason = buildNeeded()
if (reason) {
  process.stderr.write(`validate: ${reason}; running npm run build first.\n`)
  // The npm that runs this script when there is one (npm_execpath), else the one on PATH.
  const [command, args] = process.env.npm_execpath
    ? [process.execPath, [process.env.npm_execpath, 'run', 'build']]
    : ['npm', ['run', 'build']]
  const build = spawnSync(command, args, { cwd: root, stdio: ['ignore', 2, 2] })
  if (build.status !== 0) {
    process.stderr.write(`validate: the build failed${build.error ? ` (${build.error.message})` : ''}; see above.\n`)
    process.exit(2)
  }
}
// The CLI reads its arguments from process.argv, which are this script's: `validate FILE ...`.
await import(pathToFileURL(CLI).href)
