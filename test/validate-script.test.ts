// `npm run validate` as users run it: the built engine, built first when dist/ is missing or
// older than the sources. Runs in a copy of the project (its own dist/), so the suite's dist/
// is never touched while other tests use it.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { cpSync, createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { validate } from '../src/validation/index.js'

// Two builds (tsc and the rank tables) on a machine shared with the rest of the suite.
t.setTimeout(900_000)

const ROOT = join(import.meta.dirname, '..')
const FIXTURE = join(ROOT, 'test', 'fixtures', 'multilingual.jsonl')
const copy = mkdtempSync(join(tmpdir(), 'datasets-validate-script-'))
t.teardown(() => rmSync(copy, { recursive: true, force: true }))
for (const path of ['src', 'scripts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) {
  cpSync(join(ROOT, path), join(copy, path), { recursive: true })
}
symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'))

function npmValidate (args: string[], { silent = true } = {}) {
  const result = spawnSync('npm', ['run', ...(silent ? ['--silent'] : []), 'validate', '--', ...args], { cwd: copy, encoding: 'utf8', timeout: 600_000 })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

t.test('npm run validate builds when there is no build, when the build is stale, and not otherwise', async t => {
  const expected = JSON.parse(JSON.stringify(await validate(createReadStream(FIXTURE))))
  const cli = join(copy, 'dist', 'cli.js')

  const packageJson = readFileSync(join(copy, 'package.json'), 'utf8')
  const failing = JSON.parse(packageJson)
  failing.scripts.build = 'node -e "process.exit(3)"'
  writeFileSync(join(copy, 'package.json'), JSON.stringify(failing))
  const broken = npmValidate([FIXTURE, '--json'])
  t.equal(broken.code, 2, 'a failed build: exit 2')
  t.equal(broken.stdout, '', 'nothing on stdout')
  t.match(broken.stderr, /there is no build yet[\s\S]*the build failed/)
  writeFileSync(join(copy, 'package.json'), packageJson)

  const missing = npmValidate([FIXTURE, '--json'])
  t.equal(missing.code, 0, missing.stderr)
  t.match(missing.stderr, /there is no build yet; running npm run build first/)
  t.same(JSON.parse(missing.stdout), expected, 'stdout is the report alone: the build wrote to stderr')
  t.ok(existsSync(cli) && existsSync(join(copy, 'dist', 'validation', 'ranks', 'o200k_base.ranks')), 'the engine and its rank tables were built')

  // Sources newer than the build: as after an edit or a pull.
  const hourAgo = new Date(Date.now() - 3_600_000)
  utimesSync(cli, hourAgo, hourAgo)
  const stale = npmValidate([FIXTURE, '--json'], { silent: false })
  t.equal(stale.code, 0, stale.stderr)
  t.match(stale.stderr, /the build is older than the sources; running npm run build first[\s\S]*> tsc -p tsconfig.build.json/, 'rebuilt, its output on stderr')
  t.ok(statSync(cli).mtimeMs > hourAgo.getTime() + 60_000, 'dist/cli.js was written again')
  // Without --silent npm prints its own "> datasets validate" banner on stdout; nothing else is there.
  const lines = stale.stdout.split('\n').filter(line => line !== '' && !line.startsWith('> '))
  t.equal(lines.length, 1, 'one line besides npm\'s banner')
  t.same(JSON.parse(lines[0]), expected, 'the report')
  t.notMatch(stale.stdout, /tsc|build/, 'no build output on stdout')

  const fresh = npmValidate([FIXTURE, '--json'])
  t.equal(fresh.code, 0)
  t.equal(fresh.stderr, '', 'an up-to-date build is used as it is')
  t.same(JSON.parse(fresh.stdout), expected)

  const bad = join(copy, 'bad.jsonl')
  writeFileSync(bad, '{"conversation_id":"a","turns":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}]}\nnot json\n')
  const invalid = npmValidate([bad, '--json'])
  t.equal(invalid.code, 1, 'exit 1 when the outcome is error')
  t.match(JSON.parse(invalid.stdout), { outcome: 'error', counts: { invalid_json: 1 } })
  const absent = npmValidate([join(copy, 'absent.jsonl'), '--json'])
  t.equal(absent.code, 2, 'exit 2 on an I/O problem')
  t.equal(absent.stdout, '')
  t.match(absent.stderr, /Cannot read .*absent\.jsonl: ENOENT/)
})
