// npm run bench:validate: the validation engine against a single-threaded reference pass, and
// the engine on the same kind of conversations in the OpenAI format (with tool calls) and the
// ShareGPT format, and the open models (see `models` below). BENCH_MB sets the dataset sizes (default 200; e.g. 200,500), BENCH_RUNS how
// many times each pass runs (default 5); each run is its own process. The native records are
// also validated as one JSON array (.json) and as Parquet (hyparquet-writer, snappy, row groups
// of ~32 MB of record text, no page index, as pyarrow writes by default): MB/s of stored
// bytes, rows/s and peak RSS beside JSON Lines.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateDataset, type BenchFormat } from './generate.js'
import { describeCliRuns } from './validate-cli.js'
import { writeArray, writeParquet } from './file-kinds.js'

interface Run { seconds: number, cpuSeconds: number, maxRssMb: number, conversations: number, tokens: number, format: string, toolCalls: number, threads: number }

const sizes = (process.env.BENCH_MB ?? '200').split(',').map(Number)
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const FORMATS: BenchFormat[] = ['native', 'openai', 'sharegpt']
// The open models (issue 14), on the same native file: full validation with the chat template
// (worker threads, as the o200k_base pass), against Hugging Face `tokenizers` counting the text
// the template renders (one text at a time; encode calls alone timed, on the first
// BENCH_REFERENCE_MB MB, default 50: its rate is steady long before) and against o200k_base.
// BENCH_MODEL_RUNS passes each (default 2), fastest kept; BENCH_MODELS picks the models.
// Both sides' threads are printed: the engine's analysis threads (threadsFor) and the
// reference's one; the engine's MB per CPU-second (every thread's user + system time: reading,
// JSON, rendering and counting) is also set against the reference's one-thread rate.
const MODEL_RUNS = Number(process.env.BENCH_MODEL_RUNS ?? 2)
const REFERENCE_MB = process.env.BENCH_REFERENCE_MB ?? '50'
const MODELS = (process.env.BENCH_MODELS ?? 'llama-3.2,qwen3,gemma-3').split(',').filter(Boolean)
const TARGETS: Record<string, { reference: number, o200k: number | null }> = { 'llama-3.2': { reference: 10, o200k: 0.7 }, qwen3: { reference: 10, o200k: 0.7 }, 'gemma-3': { reference: 3, o200k: null } }

function models (run: (mode: string, file: string, ...rest: string[]) => Run & { bytes?: number }, file: { path: string, bytes: number }, o200k: Run): void {
  const o200kMbs = file.bytes / 1e6 / o200k.seconds
  for (const id of MODELS) {
    const passes = Array.from({ length: MODEL_RUNS }, () => run('engine', file.path, id))
    const seconds = Math.min(...passes.map(p => p.seconds))
    const cpuSeconds = Math.min(...passes.map(p => p.cpuSeconds))
    const rss = Math.max(...passes.map(p => p.maxRssMb))
    const reference = run('model-reference', file.path, id, REFERENCE_MB) as Run & { bytes: number }
    const mbs = file.bytes / 1e6 / seconds
    const referenceMbs = reference.bytes / 1e6 / reference.seconds
    const target = TARGETS[id] ?? { reference: 3, o200k: null }
    const verdict = (value: number, goal: number | null) => goal === null ? '' : value >= goal ? ` (target ≥ ${goal}×: met)` : ` (target ≥ ${goal}×: NOT met)`
    const perCpu = file.bytes / 1e6 / cpuSeconds
    console.log(`${id} (full validation with the chat template, ${passes[0].threads} analysis threads): ${mbs.toFixed(1)} MB/s, ${seconds.toFixed(2)} s (runs: ${passes.map(p => p.seconds.toFixed(2)).join(', ')} s), ` +
      `${perCpu.toFixed(1)} MB per CPU-second, ${passes[0].tokens.toLocaleString('en-US')} tokens, peak RSS ${rss.toFixed(0)} MB${rss < 250 ? '' : ' (over 250 MB)'}; ` +
      `reference tokenizers on the rendered text (1 thread, encode calls alone) ${referenceMbs.toFixed(2)} MB/s (${(reference.bytes / 1e6).toFixed(0)} MB, same counts): ${(mbs / referenceMbs).toFixed(1)}×${verdict(mbs / referenceMbs, target.reference)}, ` +
      `${(perCpu / referenceMbs).toFixed(1)}× per CPU-second; ` +
      `${(mbs / o200kMbs).toFixed(2)}× our o200k_base validation${verdict(mbs / o200kMbs, target.o200k)}, ${(o200k.cpuSeconds / cpuSeconds).toFixed(2)}× per CPU-second`)
  }
}

const dir = mkdtempSync(join(tmpdir(), 'datasets-bench-'))
try {
  for (const mb of sizes) {
    const files = new Map<BenchFormat, { path: string, bytes: number }>()
    for (const format of FORMATS) {
      const path = join(dir, `bench-${mb}-${format}.jsonl`)
      await generateDataset(path, mb * 1024 * 1024, 7, format)
      files.set(format, { path, bytes: statSync(path).size })
    }
    const native0 = files.get('native')!
    const arrayPath = join(dir, `bench-${mb}-native.json`)
    const parquetPath = join(dir, `bench-${mb}-native.parquet`)
    await writeArray(native0.path, arrayPath)
    const lineCount = Number(execFileSync('wc', ['-l', native0.path], { encoding: 'utf8' }).trim().split(/\s+/)[0])
    await writeParquet(native0.path, parquetPath, Math.max(1, Math.round(32 * 1024 * 1024 / (native0.bytes / lineCount))), { offsetIndex: false })
    const kinds = new Map([['JSON array', { path: arrayPath, bytes: statSync(arrayPath).size }], ['Parquet', { path: parquetPath, bytes: statSync(parquetPath).size }]])
    const run = (mode: string, file: string, ...rest: string[]): Run => JSON.parse(execFileSync(process.execPath, [join(import.meta.dirname, 'validate-pass.mjs'), mode, file, ...rest], { encoding: 'utf8', maxBuffer: 1 << 26 }).trim().split('\n').pop()!)
    // Each pass RUNS times, alternating, each in a fresh process: the fastest run of each and
    // the highest peak RSS of each (the machine's own noise hits every pass alike).
    const passes = new Map<string, Run[]>([['reference', []], ...FORMATS.map(format => [format, []] as [string, Run[]]), ...[...kinds.keys()].map(kind => [kind, []] as [string, Run[]])])
    for (let i = 0; i < RUNS; i++) {
      passes.get('reference')!.push(run('reference', files.get('native')!.path))
      for (const format of FORMATS) passes.get(format)!.push(run('engine', files.get(format)!.path))
      for (const [kind, file] of kinds) passes.get(kind)!.push(run('engine', file.path))
    }
    const best = (label: string) => {
      const runs = passes.get(label)!
      return {
        ...runs[0],
        seconds: Math.min(...runs.map(p => p.seconds)),
        cpuSeconds: Math.min(...runs.map(p => p.cpuSeconds)),
        maxRssMb: Math.max(...runs.map(p => p.maxRssMb)),
        all: runs.map(p => p.seconds.toFixed(2)).join(', ')
      }
    }
    const reference = best('reference')
    const engine = best('native')
    if (engine.tokens !== reference.tokens || engine.conversations !== reference.conversations) {
      throw new Error(`results differ: engine ${JSON.stringify(engine)} reference ${JSON.stringify(reference)}`)
    }
    const mbs = (format: BenchFormat, seconds: number) => files.get(format)!.bytes / 1e6 / seconds
    const native = files.get('native')!.bytes
    console.log(`dataset: ${(native / 1e6).toFixed(1)} MB, ${engine.conversations.toLocaleString('en-US')} conversations, ${engine.tokens.toLocaleString('en-US')} tokens (o200k_base)`)
    console.log(`engine (full validation, worker threads): ${mbs('native', engine.seconds).toFixed(1)} MB/s, ${engine.seconds.toFixed(2)} s (runs: ${engine.all} s), peak RSS ${engine.maxRssMb.toFixed(0)} MB, ${(native / 1e6 / engine.cpuSeconds).toFixed(1)} MB per CPU-second`)
    console.log(`reference (readline + JSON.parse + tokenizer, 1 thread): ${mbs('native', reference.seconds).toFixed(1)} MB/s, ${reference.seconds.toFixed(2)} s (runs: ${reference.all} s), peak RSS ${reference.maxRssMb.toFixed(0)} MB`)
    // Also each run's ratio to the reference run just before it, whose median shows the spread.
    const paired = passes.get('native')!.map((run, i) => passes.get('reference')![i].seconds / run.seconds).sort((a, b) => a - b)
    console.log(`ratio: ${(reference.seconds / engine.seconds).toFixed(2)}× the single-threaded pass (fastest runs); run by run: ${paired.map(r => r.toFixed(2)).join(', ')}, median ${paired[Math.floor(paired.length / 2)].toFixed(2)}×`)
    console.log(describeCliRuns(files.get('native')!.path, RUNS, native, engine.tokens))
    for (const [kind, file] of kinds) {
      const other = best(kind)
      if (other.tokens !== engine.tokens || other.conversations !== engine.conversations) throw new Error(`${kind}: the engine read ${JSON.stringify(other)}, JSON Lines ${JSON.stringify(engine)}`)
      const byRun = passes.get(kind)!.map((run, i) => passes.get('native')![i].seconds / run.seconds).sort((a, b) => a - b)
      console.log(`the native records as ${kind} (${(file.bytes / 1e6).toFixed(1)} MB stored): ${(file.bytes / 1e6 / other.seconds).toFixed(1)} MB/s of stored bytes, ` +
        `${Math.round(other.conversations / other.seconds).toLocaleString('en-US')} rows/s (JSON Lines: ${Math.round(engine.conversations / engine.seconds).toLocaleString('en-US')} rows/s), ` +
        `${other.seconds.toFixed(2)} s (runs: ${other.all} s), peak RSS ${other.maxRssMb.toFixed(0)} MB (JSON Lines: ${engine.maxRssMb.toFixed(0)} MB); ` +
        `${(engine.seconds / other.seconds * 100).toFixed(0)} % of JSON Lines' speed (fastest runs; run by run median ${(byRun[Math.floor(byRun.length / 2)] * 100).toFixed(0)} %); ` +
        `CPU ${other.cpuSeconds.toFixed(1)} s against ${engine.cpuSeconds.toFixed(1)} s (${(engine.cpuSeconds / other.cpuSeconds * 100).toFixed(0)} % of JSON Lines' rows per CPU-second)`)
    }
    models(run, files.get('native')!, engine)
    for (const format of ['openai', 'sharegpt'] as const) {
      const other = best(format)
      if (other.format !== format || other.conversations === 0) throw new Error(`${format}: the engine read ${JSON.stringify(other)}`)
      const speed = mbs(format, other.seconds) / mbs('native', engine.seconds)
      const byRun = passes.get(format)!.map((run, i) => mbs(format, run.seconds) / mbs('native', passes.get('native')![i].seconds)).sort((a, b) => a - b)
      const cpu = (files.get(format)!.bytes / other.cpuSeconds) / (native / engine.cpuSeconds)
      console.log(`${format} (${(files.get(format)!.bytes / 1e6).toFixed(1)} MB, ${other.conversations.toLocaleString('en-US')} conversations, ${other.tokens.toLocaleString('en-US')} tokens, ${other.toolCalls.toLocaleString('en-US')} tool calls): ` +
        `${mbs(format, other.seconds).toFixed(1)} MB/s, ${other.seconds.toFixed(2)} s (runs: ${other.all} s), peak RSS ${other.maxRssMb.toFixed(0)} MB; ` +
        `${(speed * 100).toFixed(0)} % of the native file's MB/s (fastest runs; run by run median ${(byRun[Math.floor(byRun.length / 2)] * 100).toFixed(0)} %); ` +
        `${(files.get(format)!.bytes / 1e6 / other.cpuSeconds).toFixed(1)} MB per CPU-second, ${(cpu * 100).toFixed(0)} % of native's`)
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
