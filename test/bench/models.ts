// npx tsx test/bench/models.ts: the open models' exact counts against the reference and the
// encodings, single thread, on generated conversations (generate.ts). For each model:
// - ours: template rendering (the conversation and the prefix of each trained turn) and counting,
//   tokens and trained tokens, as validation computes them;
// - reference: Hugging Face `tokenizers` (native) counting the same rendered text, one call at a
//   time (its thread pool one text at a time: one core), rendering not timed;
// - o200k_base: our encoding counter on the same conversations' content.
// Throughput is over the JSONL bytes of the conversations. BENCH_MODELS_MB sets the size
// (default 20), BENCH_RUNS how many passes each counter makes (default 3; the fastest counts:
// the machine's own noise hits all alike). Built tables are used when `npm run build` wrote them
// (MODEL_TABLES_DIR).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Tokenizer } from 'tokenizers'
import { loadTokenizer } from '../../src/validation/tokenizers/index.js'
import { loadModel, REGISTRY } from '../../src/validation/tokenizers/models/index.js'
import { packageFile } from '../../src/validation/tokenizers/models/files.js'
import type { Conversation } from '../../src/validation/turns/turn.js'
import { generateDataset } from './generate.js'

const MB = Number(process.env.BENCH_MODELS_MB ?? 20)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)

/** The fastest of RUNS passes, in seconds, and the last pass's result. */
async function fastest<T> (pass: () => T | Promise<T>): Promise<{ seconds: number, result: T }> {
  let seconds = Infinity
  let result: T | undefined
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now()
    result = await pass()
    seconds = Math.min(seconds, (performance.now() - started) / 1000)
  }
  return { seconds, result: result! }
}
const dir = mkdtempSync(join(tmpdir(), 'datasets-bench-models-'))
try {
  const file = join(dir, 'conversations.jsonl')
  const bytes = await generateDataset(file, MB * 1024 * 1024)
  const conversations: Conversation[] = readFileSync(file, 'utf8').split('\n').filter(Boolean).map(line => ({
    turns: JSON.parse(line).turns.map((turn: { role: 'system' | 'user' | 'assistant', content: string }) =>
      ({ role: turn.role, content: turn.content, tool_calls: null, reasoning: null, weight: 1, tool_call_id: null })),
    tools: null,
    text: null
  }))
  const mbs = (seconds: number) => bytes / 1e6 / seconds
  console.log(`${(bytes / 1e6).toFixed(1)} MB, ${conversations.length.toLocaleString('en-US')} conversations, one thread`)

  const o200k = await loadTokenizer('o200k_base')
  const { seconds: o200kSeconds, result: tokens } = await fastest(() => {
    let tokens = 0
    for (const conversation of conversations) for (const turn of conversation.turns) tokens += o200k.count(turn.content)
    return tokens
  })
  console.log(`o200k_base (content, no template): ${mbs(o200kSeconds).toFixed(1)} MB/s, ${tokens.toLocaleString('en-US')} tokens`)

  for (const entry of REGISTRY) {
    if (entry.kind !== 'model') continue
    const started = performance.now()
    const model = await loadModel(entry.id)
    const loadSeconds = (performance.now() - started) / 1000
    const { seconds: oursSeconds, result: [counted, trained] } = await fastest(() => {
      let counted = 0
      let trained = 0
      for (const conversation of conversations) {
        const result = model.countConversation(conversation)
        counted += result.tokens
        trained += result.assistantTokens
      }
      return [counted, trained]
    })
    const rss = process.memoryUsage().rss / 1e6
    const { seconds: renderSeconds, result: texts } = await fastest(() => conversations.map(conversation => model.renderText(conversation, false)))
    const reference = Tokenizer.fromFile(packageFile(entry, entry.files.tokenizer))
    const { seconds: referenceSeconds, result: referenceTokens } = await fastest(async () => {
      let tokens = 0
      for (const text of texts) tokens += (await reference.encode(text, null, { addSpecialTokens: false })).getLength()
      return tokens
    })
    if (referenceTokens !== counted) throw new Error(`${entry.id}: ${counted} tokens, the reference ${referenceTokens}`)
    console.log(`${entry.id}: ${mbs(oursSeconds).toFixed(1)} MB/s with templates and trained tokens (${counted.toLocaleString('en-US')} tokens, ${trained.toLocaleString('en-US')} trained; one render of each conversation alone ${mbs(renderSeconds).toFixed(1)} MB/s), ` +
      `reference ${mbs(referenceSeconds).toFixed(1)} MB/s: ${(referenceSeconds / oursSeconds).toFixed(1)}× the reference, ${(o200kSeconds / oursSeconds).toFixed(2)}× o200k_base; ` +
      `tables ${model.built ? 'from the build' : 'built now'} in ${loadSeconds.toFixed(1)} s, RSS ${rss.toFixed(0)} MB before the reference loads`)
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
