// Part of bench:validate: the CLI as users run it, `npm run validate -- FILE --json` (npm, the
// build check, the built engine), timed from outside. Peak RSS comes from GNU time when it is
// installed: the largest process of the run (npm itself or the engine).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { performance } from 'node:perf_hooks'

const GNU_TIME = '/usr/bin/time'

function runOnce (file: string): { seconds: number, maxRssMb: number | null, tokens: number } {
  const command = ['npm', 'run', 'validate', '--', file, '--json']
  const timed = existsSync(GNU_TIME) ? [GNU_TIME, '-f', 'maxrss_kb=%M', ...command] : command
  const started = performance.now()
  const result = spawnSync(timed[0], timed.slice(1), { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  const seconds = (performance.now() - started) / 1000
  if (result.status !== 0 && result.status !== 1) throw new Error(`npm run validate exited with ${result.status}: ${result.stderr}`)
  const report = JSON.parse(result.stdout.trim().split('\n').pop()!)
  const rss = /maxrss_kb=(\d+)/.exec(result.stderr)
  return { seconds, maxRssMb: rss ? Number(rss[1]) / 1024 : null, tokens: report.stats.tokens }
}

/** `runs` runs of the CLI; one line with the fastest time and the highest peak RSS. */
export function describeCliRuns (file: string, runs: number, bytes: number, engineTokens: number): string {
  const all = Array.from({ length: runs }, () => runOnce(file))
  if (all.some(run => run.tokens !== engineTokens)) throw new Error(`the CLI counted ${all.map(run => run.tokens).join(', ')} tokens, the engine ${engineTokens}`)
  const fastest = Math.min(...all.map(run => run.seconds))
  const peaks = all.map(run => run.maxRssMb).filter((mb): mb is number => mb !== null)
  const peak = peaks.length ? `peak RSS ${Math.max(...peaks).toFixed(0)} MB` : 'peak RSS not measured (no GNU time)'
  return `npm run validate -- FILE --json (as users run it): ${(bytes / 1e6 / fastest).toFixed(1)} MB/s, ${fastest.toFixed(2)} s (runs: ${all.map(run => run.seconds.toFixed(2)).join(', ')} s), ${peak}`
}
