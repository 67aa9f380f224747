// One measured pass in its own process, so peak RSS belongs to that pass alone. Plain
// JavaScript on the built engine (dist/), as production runs it: no TypeScript loader in the
// process for either pass. argv: engine|reference FILE; prints one JSON line (engine: the file
// as the CLI opens it, by its name: JSON Lines, a JSON array, Parquet by ranged reads)
// {seconds, cpuSeconds, maxRssMb, conversations, tokens, format, toolCalls} (cpuSeconds: every thread's
// user + system time, which a busy machine disturbs less than the wall clock).
import { createReadStream, statSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'
import { loadTokenizer, threadsFor, validate } from '../../dist/validation/index.js'
import { fileByteSource } from '../../dist/validation/files/byte-source.js'

const [mode, file] = process.argv.slice(2)
const started = performance.now()
let conversations = 0
let tokens = 0
let format = 'native'
let toolCalls = 0
if (mode === 'engine') {
  const source = await fileByteSource(file)
  const report = await validate({ name: file, stream: () => createReadStream(file), range: () => source }, { threads: threadsFor(statSync(file).size, availableParallelism()) })
  await source.close()
  conversations = report.stats.conversations
  tokens = report.stats.tokens
  format = report.stats.format
  toolCalls = report.stats.tool_calls
} else {
  // The single-threaded reference: readline + JSON.parse + the same tokenizer, one thread.
  const tokenizer = await loadTokenizer('o200k_base')
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (!line.trim()) continue
    const record = JSON.parse(line)
    conversations++
    for (const turn of record.turns) tokens += tokenizer.count(turn.content)
  }
}
const seconds = (performance.now() - started) / 1000
const usage = process.resourceUsage()
console.log(JSON.stringify({ seconds, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, maxRssMb: usage.maxRSS / 1024, conversations, tokens, format, toolCalls }))
