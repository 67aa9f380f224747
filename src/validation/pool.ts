import { Worker } from 'node:worker_threads'
import type { LineResult } from './record.js'
import type { TokenizerName } from './types.js'

/** A batch of lines packed into one transferable buffer. */
export interface Batch { data: Uint8Array, offsets: Uint32Array }

const FROM_SOURCE = import.meta.url.endsWith('.ts')
const WORKER_FILE = new URL(FROM_SOURCE ? './analysis-worker.ts' : './analysis-worker.js', import.meta.url)

/** Built code starts the worker file; source runs (tsx, tests) register tsx in the thread first. */
// V8 grows a heap long before it collects: capped, each worker stays near its live set (the
// tokenizer's ~25 MB, a batch, one line of at most 8 MiB parsed) instead of hundreds of MB.
const RESOURCE_LIMITS = { maxOldGenerationSizeMb: Number(process.env.VALIDATION_WORKER_HEAP_MB ?? 160), maxYoungGenerationSizeMb: Number(process.env.VALIDATION_WORKER_YOUNG_MB ?? 16) }

function startWorker (workerData: unknown): Worker {
  if (!FROM_SOURCE) return new Worker(WORKER_FILE, { workerData, resourceLimits: RESOURCE_LIMITS })
  const bootstrap = `import('tsx/esm/api').then(api => { api.register(); return import(${JSON.stringify(WORKER_FILE.href)}) })`
  return new Worker(bootstrap, { eval: true, workerData, resourceLimits: RESOURCE_LIMITS })
}

/** Worker threads that analyse batches of lines; results come back per batch. */
export function createAnalysisPool (threads: number, tokenizer: TokenizerName, contextLimit: number) {
  const workers = Array.from({ length: threads }, () => startWorker({ tokenizer, contextLimit }))
  const pending = new Map<number, { resolve: (results: LineResult[]) => void, reject: (error: Error) => void }>()
  let nextId = 0
  let failure: Error | null = null
  for (const worker of workers) {
    worker.on('message', ({ id, results }: { id: number, results: LineResult[] }) => {
      pending.get(id)?.resolve(results)
      pending.delete(id)
    })
    worker.on('error', (error: Error) => {
      failure = error
      for (const { reject } of pending.values()) reject(error)
      pending.clear()
    })
  }
  return {
    /** Batches handed out and not answered yet. */
    get pending (): number {
      return pending.size
    },
    analyse (batch: Batch): Promise<LineResult[]> {
      if (failure) return Promise.reject(failure)
      const id = nextId++
      const worker = workers[id % workers.length]
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject })
        worker.postMessage({ id, data: batch.data, offsets: batch.offsets }, [batch.data.buffer as ArrayBuffer])
      })
    },
    async close (): Promise<void> {
      await Promise.all(workers.map(worker => worker.terminate()))
    }
  }
}

export type AnalysisPool = ReturnType<typeof createAnalysisPool>
