// One measured pass in its own process, so peak RSS belongs to that pass alone.
// argv: engine|reference FILE; prints one JSON line {seconds, maxRssMb, conversations, tokens}.
import { createReadStream, statSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { availableParallelism } from 'node:os'
// The built engine, as production runs it (worker threads start from dist/ without a TS loader).
const built: string = '../../dist/validation/index.js'
const { loadTokenizer, threadsFor, validate } = await import(built) as typeof import('../../src/validation/index.js')

const [mode, file] = process.argv.slice(2)
const started = performance.now()
let conversations = 0
let tokens = 0
if (mode === 'engine') {
  const report = await validate(createReadStream(file), { threads: threadsFor(statSync(file).size, availableParallelism()) })
  conversations = report.stats.conversations
  tokens = report.stats.tokens
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
console.log(JSON.stringify({ seconds, maxRssMb: process.resourceUsage().maxRSS / 1024, conversations, tokens }))
