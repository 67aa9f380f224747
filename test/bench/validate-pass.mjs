// One measured pass in its own process, so peak RSS belongs to that pass alone. Plain
// JavaScript on the built engine (dist/), as production runs it: no TypeScript loader in the
// process for either pass. argv: engine|reference FILE; prints one JSON line (engine: the file
// as the CLI opens it, by its name: JSON Lines, a JSON array, Parquet by ranged reads)
// {seconds, cpuSeconds, maxRssMb, conversations, tokens, format, toolCalls, threads} (cpuSeconds: every thread's
// user + system time, which a busy machine disturbs less than the wall clock; threads: the
// analysis threads of the engine pass, 1 for the reference passes).
import { Buffer } from 'node:buffer'
import { createReadStream, statSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'
import { loadTokenizer, threadsFor, validate } from '../../dist/validation/index.js'
import { fileByteSource } from '../../dist/validation/files/byte-source.js'

const [mode, file, tokenizer = 'o200k_base', referenceMb = '0'] = process.argv.slice(2)
const started = performance.now()
let conversations = 0
let tokens = 0
let format = 'native'
let toolCalls = 0
let threads = 1
if (mode === 'engine') {
  threads = threadsFor(statSync(file).size, availableParallelism())
  const source = await fileByteSource(file)
  const report = await validate({ name: file, stream: () => createReadStream(file), range: () => source }, { tokenizer, threads })
  await source.close()
  conversations = report.stats.conversations
  tokens = report.stats.tokens
  format = report.stats.format
  toolCalls = report.stats.tool_calls
} else if (mode === 'model-reference') {
  // Hugging Face `tokenizers` (native, one text at a time) counting the text our template
  // renders for each conversation of the first `referenceMb` MB: only its encode calls are
  // timed. Our own count of the same conversations must be the same.
  const { Tokenizer } = await import('tokenizers')
  const { loadModel } = await import('../../dist/validation/tokenizers/models/index.js')
  const { packageFile } = await import('../../dist/validation/tokenizers/models/files.js')
  const model = await loadModel(tokenizer)
  const reference = Tokenizer.fromFile(packageFile(model.entry, model.entry.files.tokenizer))
  let ours = 0
  let seconds = 0
  let bytes = 0
  const limit = Number(referenceMb) * 1e6
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (!line.trim()) continue
    bytes += Buffer.byteLength(line) + 1
    const record = JSON.parse(line)
    const conversation = { turns: record.turns.map(turn => ({ role: turn.role, content: turn.content, tool_calls: null, reasoning: null, weight: turn.weight ?? 1, tool_call_id: null })), tools: null, text: null }
    const text = model.renderText(conversation, false)
    ours += model.countConversation(conversation).tokens
    const at = performance.now()
    tokens += (await reference.encode(text, null, { addSpecialTokens: false })).getLength()
    seconds += (performance.now() - at) / 1000
    conversations++
    if (limit > 0 && bytes >= limit) break
  }
  if (ours !== tokens) throw new Error(`${tokenizer}: we count ${ours} tokens, the reference ${tokens}`)
  const usage = process.resourceUsage()
  console.log(JSON.stringify({ seconds, bytes, cpuSeconds: 0, maxRssMb: usage.maxRSS / 1024, conversations, tokens, format, toolCalls, threads: 1 }))
  process.exit(0)
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
console.log(JSON.stringify({ seconds, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, maxRssMb: usage.maxRSS / 1024, conversations, tokens, format, toolCalls, threads }))
