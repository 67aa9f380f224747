import { Worker } from 'node:worker_threads'
import type { PackedResults } from './packed.js'
import { isModelId, modelShare, rankTable, type TokenizerId, type TokenizerName } from '../tokenizers/index.js'
import { DEFAULT_ENGINE_SETTINGS, type EngineSettings } from '../types.js'

/** A batch of lines packed into one transferable buffer. */
export interface Batch { data: Uint8Array, offsets: Uint32Array }

const FROM_SOURCE = import.meta.url.endsWith('.ts')
const WORKER_FILE = new URL(FROM_SOURCE ? './analysis-worker.ts' : './analysis-worker.js', import.meta.url)

/** What a worker thread is started with. */
export interface WorkerSettings { tokenizerCacheSize: number, ranksDir: string | null }

/** Built code starts the worker file; source runs (tsx, tests) register tsx in the thread first. */
function startWorker (settings: EngineSettings): Worker {
  // V8 grows a heap long before it collects: capped, each worker stays near its live set (a
  // batch, one line of at most 8 MiB parsed, the merged-pieces cache; the rank table is shared
  // memory, off the heap) instead of hundreds of MB.
  const resourceLimits = { maxOldGenerationSizeMb: settings.workerHeapMb, maxYoungGenerationSizeMb: settings.workerYoungMb }
  const workerData: WorkerSettings = { tokenizerCacheSize: settings.tokenizerCacheSize, ranksDir: settings.ranksDir }
  if (!FROM_SOURCE) return new Worker(WORKER_FILE, { resourceLimits, workerData })
  const bootstrap = `import('tsx/esm/api').then(api => { api.register(); return import(${JSON.stringify(WORKER_FILE.href)}) })`
  return new Worker(bootstrap, { eval: true, resourceLimits, workerData })
}

/**
 * Worker threads that analyse batches of lines; results come back per batch. A pool can be
 * short-lived (one file, the CLI) or kept for the life of a process (the job worker), where it
 * keeps tokenisation off the event loop that serves HTTP.
 */
export function createAnalysisPool (threads: number, tuning: Partial<EngineSettings> = {}) {
  const settings: EngineSettings = { ...DEFAULT_ENGINE_SETTINGS, ...tuning }
  const workers = Array.from({ length: threads }, () => startWorker(settings))
  const pending = new Map<number, { resolve: (results: PackedResults) => void, reject: (error: Error) => void }>()
  let nextId = 0
  let failure: Error | null = null
  const busy = new Array(threads).fill(0)
  const owner = new Map<number, number>()
  // Batch buffers the workers gave back, for the next batches: without them a 200 MB file would
  // allocate some 800 buffers of 256 KB, each freed only when the garbage collector gets to it.
  const spare: Uint8Array[] = []
  const maxSpare = threads * (settings.batchesInFlight + 1) + 2
  // Per worker, per tokenizer: resolved once the worker has been handed the rank table (an
  // encoding) or the model's tables (shared memory: one copy per process, whatever the threads).
  const tablesSent = workers.map(() => new Map<TokenizerId, Promise<void>>())
  const tableSent = (target: number, tokenizer: TokenizerId): Promise<void> => {
    let sent = tablesSent[target].get(tokenizer)
    if (!sent) {
      sent = isModelId(tokenizer)
        ? modelShare(tokenizer).then(model => { workers[target].postMessage({ model }) })
        : rankTable(tokenizer as TokenizerName, settings.ranksDir).then(({ table, ranks }) => { workers[target].postMessage({ table: tokenizer, buffer: table.buffer, ranks }) })
      tablesSent[target].set(tokenizer, sent)
      sent.catch(() => tablesSent[target].delete(tokenizer))
    }
    return sent
  }
  for (const worker of workers) {
    worker.on('message', ({ id, results, error, data }: { id: number, results?: PackedResults, error?: string, data?: Uint8Array }) => {
      if (data && data.buffer.byteLength === settings.batchBytes && spare.length < maxSpare) spare.push(new Uint8Array(data.buffer))
      busy[owner.get(id) ?? 0]--
      owner.delete(id)
      const waiting = pending.get(id)
      pending.delete(id)
      if (error) waiting?.reject(new Error(error))
      else waiting?.resolve(results!)
    })
    worker.on('error', (error: Error) => {
      failure = error
      for (const { reject } of pending.values()) reject(error)
      pending.clear()
    })
  }
  return {
    threads,
    settings,
    analyse (batch: Batch, tokenizer: TokenizerId, contextLimit: number, fileFormat = -1): Promise<PackedResults> {
      if (failure) return Promise.reject(failure)
      const id = nextId++
      // The least busy worker takes the batch.
      let target = 0
      for (let i = 1; i < threads; i++) if (busy[i] < busy[target]) target = i
      busy[target]++
      owner.set(id, target)
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject })
        // Batches wait for the table in the order they came (then-callbacks run in order).
        tableSent(target, tokenizer).then(() => {
          workers[target].postMessage({ id, data: batch.data, offsets: batch.offsets, tokenizer, contextLimit, fileFormat }, [batch.data.buffer as ArrayBuffer])
        }, (error: Error) => {
          busy[target]--
          owner.delete(id)
          pending.delete(id)
          reject(error)
        })
      })
    },
    /** An empty batch buffer of `settings.batchBytes` (one a worker gave back, or a new one). */
    batchBuffer (): Uint8Array {
      return spare.pop() ?? new Uint8Array(settings.batchBytes)
    },
    /** How many given-back batch buffers wait to be reused. */
    get spareBuffers (): number {
      return spare.length
    },
    /** Loads a tokenizer in every thread now, so the first dataset does not wait for it. */
    async warm (tokenizer: TokenizerId): Promise<void> {
      await Promise.all(workers.map(() => this.analyse({ data: new Uint8Array(1), offsets: new Uint32Array([0, 0]) }, tokenizer, 1)))
    },
    async close (): Promise<void> {
      await Promise.all(workers.map(worker => worker.terminate()))
    }
  }
}

export type AnalysisPool = ReturnType<typeof createAnalysisPool>
