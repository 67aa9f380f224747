import { createWriteStream } from 'node:fs'
import { once } from 'node:events'

const SNIPPETS = [
  'The quick brown fox jumps over the lazy dog while the model learns to follow instructions.',
  '机器学习模型需要高质量的训练数据，才能在下游任务中表现良好。',
  'El ajuste fino con LoRA reduce la memoria necesaria y mantiene la calidad del modelo base.',
  'Модель обучается на диалогах пользователей и ассистента, чтобы лучше отвечать на вопросы.',
  '大規模言語モデルの微調整には、きれいで一貫性のあるデータセットが欠かせません。',
  'def tokenize(text):\n    return [t for t in text.split() if t]\n',
  'SELECT id, name FROM datasets WHERE status = \'ready\' ORDER BY created_at DESC LIMIT 20;',
  'Les données doivent être validées ligne par ligne avant l\'entraînement. 🚀',
  'Numbers like 3.14159, 2026-11-23 and 1,000,000 tokenize differently from words.',
  'Please summarise the following paragraph in two sentences, keeping the key facts intact.'
]

const CITIES = ['Paris', 'Lagos', 'Tokyo', 'Lima', 'Oslo', 'Hanoi', 'Quito', 'Perth']
const TOOLS = [
  { type: 'function', function: { name: 'get_weather', description: 'Current weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  { type: 'function', function: { name: 'search_docs', description: 'Search the documentation', parameters: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer' } }, required: ['query'] } } }
]

/** Deterministic pseudo-random numbers, so every run measures the same bytes. */
function prng (seed: number) {
  let state = seed
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff
    return state / 0x7fffffff
  }
}

function text (random: () => number, sentences: number): string {
  let out = ''
  for (let i = 0; i < sentences; i++) out += (i ? ' ' : '') + SNIPPETS[Math.floor(random() * SNIPPETS.length)]
  return out
}

export type BenchFormat = 'native' | 'openai' | 'sharegpt'

/** One record of the conversation `i` in `format`: the same kind of multi-turn, mixed-language text in each. */
function line (format: BenchFormat, random: () => number, i: number): string {
  const exchanges = 1 + Math.floor(random() * 4)
  if (format === 'native') {
    const turns = [{ role: 'system', content: 'You are a helpful assistant.' }]
    for (let e = 0; e < exchanges; e++) {
      turns.push({ role: 'user', content: text(random, 1 + Math.floor(random() * 3)) })
      turns.push({ role: 'assistant', content: text(random, 2 + Math.floor(random() * 8)) })
    }
    return JSON.stringify({ conversation_id: `conv-${i}`, turns, metadata: { source: 'bench', index: i } })
  }
  if (format === 'sharegpt') {
    const conversations = []
    for (let e = 0; e < exchanges; e++) {
      conversations.push({ from: 'human', value: text(random, 1 + Math.floor(random() * 3)) })
      conversations.push({ from: 'gpt', value: text(random, 2 + Math.floor(random() * 8)) })
    }
    return JSON.stringify({ id: `conv-${i}`, system: 'You are a helpful assistant.', conversations })
  }
  // OpenAI chat with tool calls: every other exchange calls a tool and answers from its result.
  const messages: unknown[] = [{ role: 'system', content: 'You are a helpful assistant.' }]
  for (let e = 0; e < exchanges; e++) {
    messages.push({ role: 'user', content: text(random, 1 + Math.floor(random() * 3)) })
    if (random() < 0.5) {
      const id = `call_${i}_${e}`
      const weather = random() < 0.5
      const args = weather ? { city: CITIES[Math.floor(random() * CITIES.length)] } : { query: text(random, 1), limit: 5 }
      messages.push({ role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: weather ? 'get_weather' : 'search_docs', arguments: JSON.stringify(args) } }] })
      messages.push({ role: 'tool', tool_call_id: id, content: JSON.stringify({ result: text(random, 1 + Math.floor(random() * 3)) }) })
    }
    messages.push({ role: 'assistant', content: text(random, 2 + Math.floor(random() * 8)) })
  }
  return JSON.stringify({ messages, tools: TOOLS })
}

/** Writes about `bytes` bytes of multi-turn, mixed-language conversations to `path`, in `format`. */
export async function generateDataset (path: string, bytes: number, seed = 7, format: BenchFormat = 'native'): Promise<number> {
  const random = prng(seed)
  const out = createWriteStream(path)
  let written = 0
  for (let i = 0; written < bytes; i++) {
    const record = line(format, random, i) + '\n'
    written += Buffer.byteLength(record)
    if (!out.write(record)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  return written
}
