// npm run bench:validate: the validation engine against a single-threaded reference pass.
// BENCH_MB sets the dataset sizes (default 200; e.g. 200,500), BENCH_RUNS how many times each
// pass runs (default 5); each run is its own process.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateDataset } from './generate.js'
import { describeCliRuns } from './validate-cli.js'

const sizes = (process.env.BENCH_MB ?? '200').split(',').map(Number)
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const dir = mkdtempSync(join(tmpdir(), 'datasets-bench-'))
try {
  for (const mb of sizes) {
    const file = join(dir, `bench-${mb}.jsonl`)
    await generateDataset(file, mb * 1024 * 1024)
    const bytes = statSync(file).size
    const run = (mode: string) => JSON.parse(execFileSync(process.execPath, [join(import.meta.dirname, 'validate-pass.mjs'), mode, file], { encoding: 'utf8' }).trim().split('\n').pop()!)
    // Each pass RUNS times, alternating, each in a fresh process: the fastest run of each and
    // the highest peak RSS of each (the machine's own noise hits both passes alike).
    const passes: Record<string, Array<{ seconds: number, maxRssMb: number, conversations: number, tokens: number }>> = { reference: [], engine: [] }
    for (let i = 0; i < RUNS; i++) for (const mode of ['reference', 'engine']) passes[mode].push(run(mode))
    const best = (mode: string) => ({
      ...passes[mode][0],
      seconds: Math.min(...passes[mode].map(p => p.seconds)),
      maxRssMb: Math.max(...passes[mode].map(p => p.maxRssMb)),
      all: passes[mode].map(p => p.seconds.toFixed(2)).join(', ')
    })
    const reference = best('reference')
    const engine = best('engine')
    if (engine.tokens !== reference.tokens || engine.conversations !== reference.conversations) {
      throw new Error(`results differ: engine ${JSON.stringify(engine)} reference ${JSON.stringify(reference)}`)
    }
    const mbs = (seconds: number) => bytes / 1e6 / seconds
    console.log(`dataset: ${(bytes / 1e6).toFixed(1)} MB, ${engine.conversations.toLocaleString('en-US')} conversations, ${engine.tokens.toLocaleString('en-US')} tokens (o200k_base)`)
    console.log(`engine (full validation, worker threads): ${mbs(engine.seconds).toFixed(1)} MB/s, ${engine.seconds.toFixed(2)} s (runs: ${engine.all} s), peak RSS ${engine.maxRssMb.toFixed(0)} MB`)
    console.log(`reference (readline + JSON.parse + tokenizer, 1 thread): ${mbs(reference.seconds).toFixed(1)} MB/s, ${reference.seconds.toFixed(2)} s (runs: ${reference.all} s), peak RSS ${reference.maxRssMb.toFixed(0)} MB`)
    // Also each run's ratio to the reference run just before it, whose median shows the spread.
    const paired = passes.engine.map((run, i) => passes.reference[i].seconds / run.seconds).sort((a, b) => a - b)
    console.log(`ratio: ${(reference.seconds / engine.seconds).toFixed(2)}× the single-threaded pass (fastest runs); run by run: ${paired.map(r => r.toFixed(2)).join(', ')}, median ${paired[Math.floor(paired.length / 2)].toFixed(2)}×`)
    console.log(describeCliRuns(file, RUNS, bytes, engine.tokens))
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
