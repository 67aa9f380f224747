// The file readers alone (no analysis): JSON Lines (LineReader), the JSON-array reader and the
// Parquet reader on the same generated records. `node --import tsx test/bench/files.ts`;
// BENCH_MB sets the size (default 200), BENCH_RUNS the runs of each pass (default 3, each in
// its own process, alternating; the fastest and the highest peak RSS are shown),
// BENCH_BIG=1 adds the records of a 500 MB JSON Lines file as Parquet with 128 MB row
// groups, with and without offset indexes (peak RSS).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeArray, writeParquet } from './file-kinds.js'
import { generateDataset } from './generate.js'

const MB = 1024 * 1024
const size = Number(process.env.BENCH_MB ?? 200)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const dir = mkdtempSync(join(tmpdir(), 'datasets-bench-files-'))

interface Pass { seconds: number, cpuSeconds: number, maxRssMb: number, records: number, recordBytes: number }
const pass = (mode: string, path: string): Pass =>
  JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'files-pass.ts'), mode, path], { encoding: 'utf8' }).trim())

function report (label: string, path: string, runs: Pass[]) {
  const stored = statSync(path).size
  const seconds = Math.min(...runs.map(r => r.seconds))
  const cpu = Math.min(...runs.map(r => r.cpuSeconds))
  const rss = Math.max(...runs.map(r => r.maxRssMb))
  console.log(`${label.padEnd(36)} ${(stored / 1e6).toFixed(1).padStart(7)} MB stored  ${(stored / 1e6 / seconds).toFixed(1).padStart(7)} MB/s  ` +
    `${Math.round(runs[0].records / seconds).toLocaleString('en-US').padStart(9)} rows/s  ${seconds.toFixed(2)} s (cpu ${cpu.toFixed(2)} s; runs ${runs.map(r => r.seconds.toFixed(2)).join(', ')})  peak RSS ${rss.toFixed(0)} MB`)
  return seconds
}

try {
  const jsonl = join(dir, 'data.jsonl')
  const json = join(dir, 'data.json')
  const parquet = join(dir, 'data.parquet')
  await generateDataset(jsonl, size * MB)
  await writeArray(jsonl, json)
  const rowBytes = statSync(jsonl).size / (await pass('lines', jsonl)).records
  await writeParquet(jsonl, parquet, Math.round(32 * MB / rowBytes))
  const passes: Record<string, Pass[]> = { lines: [], array: [], parquet: [], 'parquet-all': [] }
  const paths: Record<string, string> = { lines: jsonl, array: json, parquet, 'parquet-all': parquet }
  for (let i = 0; i < RUNS; i++) for (const mode of Object.keys(passes)) passes[mode].push(pass(mode, paths[mode]))
  const counts = new Set(Object.values(passes).map(runs => runs[0].records))
  if (counts.size !== 1) throw new Error(`the readers disagree on the record count: ${[...counts].join(', ')}`)
  console.log(`${passes.lines[0].records.toLocaleString('en-US')} records of ${rowBytes.toFixed(0)} bytes on average; Parquet: snappy, row groups of ~32 MB of JSON text`)
  const lines = report('JSON Lines (LineReader)', jsonl, passes.lines)
  const array = report('JSON array (JsonArrayReader)', json, passes.array)
  report('Parquet, the columns in use', parquet, passes.parquet)
  report('Parquet, all columns', parquet, passes['parquet-all'])
  console.log(`JSON array / JSON Lines time: ${(array / lines).toFixed(2)}×`)
  if (process.env.BENCH_BIG === '1') {
    const bigJsonl = join(dir, 'big.jsonl')
    const big = join(dir, 'big.parquet')
    const bigPlain = join(dir, 'big-no-index.parquet')
    await generateDataset(bigJsonl, 500 * MB, 11)
    // Pages of 32 KB: every column chunk has several, so the writer gives each an offset index.
    await writeParquet(bigJsonl, big, Math.round(128 * MB / rowBytes), { pageSize: 32 * 1024 })
    await writeParquet(bigJsonl, bigPlain, Math.round(128 * MB / rowBytes), { offsetIndex: false })
    rmSync(bigJsonl)
    report('Parquet 500 MB JSON, 128 MB groups, offset index (read in slices)', big, [pass('parquet', big)])
    report('the same, no offset index (read a group at a time)', bigPlain, [pass('parquet', bigPlain)])
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}

