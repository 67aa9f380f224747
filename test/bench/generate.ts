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

/** Writes about `bytes` bytes of multi-turn, mixed-language conversations to `path`. */
export async function generateDataset (path: string, bytes: number, seed = 7): Promise<number> {
  const random = prng(seed)
  const out = createWriteStream(path)
  let written = 0
  for (let i = 0; written < bytes; i++) {
    const turns = [{ role: 'system', content: 'You are a helpful assistant.' }]
    const exchanges = 1 + Math.floor(random() * 4)
    for (let e = 0; e < exchanges; e++) {
      turns.push({ role: 'user', content: text(random, 1 + Math.floor(random() * 3)) })
      turns.push({ role: 'assistant', content: text(random, 2 + Math.floor(random() * 8)) })
    }
    const line = JSON.stringify({ conversation_id: `conv-${i}`, turns, metadata: { source: 'bench', index: i } }) + '\n'
    written += Buffer.byteLength(line)
    if (!out.write(line)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  return written
}
