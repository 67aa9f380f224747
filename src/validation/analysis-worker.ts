// Worker thread: analyses batches of lines with the same pure function the main thread uses.
import { parentPort, workerData } from 'node:worker_threads'
import { analyseLine } from './record.js'
import { loadTokenizer } from './tokenizers.js'
import type { TokenizerName } from './types.js'

const { tokenizer, contextLimit } = workerData as { tokenizer: TokenizerName, contextLimit: number }
const context = { tokenizer: await loadTokenizer(tokenizer), contextLimit }

parentPort!.on('message', ({ id, data, offsets }: { id: number, data: Uint8Array, offsets: Uint32Array }) => {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const results = []
  for (let i = 0; i + 1 < offsets.length; i++) results.push(analyseLine(bytes.subarray(offsets[i], offsets[i + 1]), context))
  parentPort!.postMessage({ id, results })
})
