// Worker thread: analyses batches of lines with the same pure function the main thread uses.
// The tokenizer and context limit come with each batch, so one pool serves every dataset;
// each encoding's rank table or model's tables come once, before its first batch, as shared memory.
import { parentPort, workerData } from 'node:worker_threads'
import { analyseLine } from '../rules/record.js'
import { packResults } from './packed.js'
import { adoptModel, adoptRankTable, loadTokenizer, type ModelShare, type TokenizerId, type TokenizerName } from '../tokenizers/index.js'
import type { WorkerSettings } from './pool.js'

const settings = workerData as WorkerSettings
const tokenizerSettings = { ranksDir: settings.ranksDir, cacheSize: settings.tokenizerCacheSize }

interface Batch { id: number, data: Uint8Array, offsets: Uint32Array, tokenizer: TokenizerId, contextLimit: number, fileFormat: number }
interface Table { table: TokenizerName, buffer: SharedArrayBuffer, ranks: 'file' | 'module' }

parentPort!.on('message', async (message: Batch | Table | { model: ModelShare }) => {
  if ('model' in message) {
    adoptModel(message.model)
    return
  }
  if ('table' in message) {
    adoptRankTable(message.table, settings.ranksDir, message.buffer, message.ranks)
    return
  }
  const { id, data, offsets, tokenizer, contextLimit, fileFormat } = message
  try {
    const context = { tokenizer: await loadTokenizer(tokenizer, tokenizerSettings), contextLimit }
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    const results = []
    for (let i = 0; i + 1 < offsets.length; i++) results.push(analyseLine(bytes.subarray(offsets[i], offsets[i + 1]), context, fileFormat))
    // The batch's buffer goes back with the results: the pool reuses it for a later batch.
    parentPort!.postMessage({ id, results: packResults(results), data }, [data.buffer as ArrayBuffer])
  } catch (error) {
    parentPort!.postMessage({ id, error: (error as Error).message, data }, [data.buffer as ArrayBuffer])
  }
})
