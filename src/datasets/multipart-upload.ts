import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand,
  UploadPartCommand, type CompletedPart, type S3Client
} from '@aws-sdk/client-s3'
import type { Readable } from 'node:stream'
import { BudgetTimeout, type ByteBudget } from './byte-budget.js'

export const PART_SIZE = 8 * 1024 * 1024
export const PARTS_IN_FLIGHT = 4

/** No budget came free within the queue timeout: nothing was read and nothing stored. */
export class UploadQueueTimeout extends Error {}
/** The body sent nothing for the idle timeout while the upload was reading it. */
export class UploadStalled extends Error {}

export interface UploadLimits {
  budget: ByteBudget
  /** How long an upload may wait for its first part's buffer. */
  queueTimeoutMs: number
  /** How long the body may send nothing while the upload is reading it. */
  idleTimeoutMs: number
  /** An upper bound of the body's size (the request's Content-Length), when known. */
  sizeHint?: number
  onBytes?: (bytes: number) => void
}

/** The smallest part buffer: parts are sized in powers of two from here up to PART_SIZE. */
const MIN_PART_BUFFER = 64 * 1024

/**
 * The buffer (and budget credit) for a part of at most `bytes`: the next power of two, between
 * MIN_PART_BUFFER and PART_SIZE. A few sizes only, so a freed buffer is nearly always reused.
 */
export function partBufferSize (bytes: number): number {
  let size = MIN_PART_BUFFER
  while (size < bytes && size < PART_SIZE) size *= 2
  return size
}

/**
 * Part buffers kept for reuse, per budget, by size. Every part buffer is reused, the short
 * last part of an upload too: a buffer that is let go stays in memory until the garbage
 * collector gets to it, and under load it does not keep up (measured: 40 uploads of 20 MiB
 * at once left ~200 MB of freed 4 MiB last-part buffers beyond the 256 MB budget). The free
 * buffers and the credit held never add up to more than the budget: a new buffer is only
 * made after enough free ones of other sizes were let go. Once no upload holds or waits for
 * buffer, the free ones are let go.
 */
interface FreeParts { bySize: Map<number, Buffer[]>, bytes: number }
const freeParts = new WeakMap<ByteBudget, FreeParts>()

function freeListOf (budget: ByteBudget): FreeParts {
  let free = freeParts.get(budget)
  if (!free) freeParts.set(budget, free = { bySize: new Map(), bytes: 0 })
  return free
}

/** Call with the buffer's credit (`size`, from partBufferSize) held. */
function takePartBuffer (budget: ByteBudget, size: number): Buffer {
  const free = freeListOf(budget)
  const reused = free.bySize.get(size)?.pop()
  if (reused) {
    free.bytes -= size
    return reused
  }
  // Let go of free buffers of other sizes until the new one fits in the budget with them.
  for (const [other, list] of free.bySize) {
    while (list.length > 0 && budget.inUse + free.bytes > budget.capacity) {
      list.pop()
      free.bytes -= other
    }
  }
  return Buffer.allocUnsafeSlow(size)
}

/** Call after the buffer's credit went back to the budget. */
function givePartBuffer (budget: ByteBudget, buffer: Buffer): void {
  const free = freeListOf(budget)
  if (budget.inUse === 0 && budget.waiting === 0) {
    free.bySize.clear()
    free.bytes = 0
    return
  }
  let list = free.bySize.get(buffer.length)
  if (!list) free.bySize.set(buffer.length, list = [])
  list.push(buffer)
  free.bytes += buffer.length
}

/**
 * One chunk of at most `max` bytes, or null at the end. The rest of a larger chunk goes back
 * to the stream, so the caller never holds more than it asked for.
 */
function readChunk (stream: Readable, max: number, idleMs: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer)
      stream.off('readable', attempt)
      stream.off('end', ended)
      stream.off('error', failed)
      stream.off('close', closed)
    }
    const failed = (error: Error) => { cleanup(); reject(error) }
    const ended = () => { cleanup(); resolve(null) }
    const closed = () => { if (!stream.readableEnded) failed(stream.errored ?? new Error('the upload was interrupted (premature close)')) }
    function attempt () {
      let chunk = stream.read() as Buffer | null
      if (chunk === null) return
      if (chunk.length > max) {
        stream.unshift(chunk.subarray(max))
        chunk = chunk.subarray(0, max)
      }
      cleanup()
      resolve(chunk)
    }
    const timer = setTimeout(() => failed(new UploadStalled(`no data for ${idleMs} ms`)), idleMs)
    if (stream.errored) return failed(stream.errored)
    if (stream.readableEnded) return ended()
    if (stream.destroyed) return closed()
    stream.on('readable', attempt)
    stream.on('end', ended)
    stream.on('error', failed)
    stream.on('close', closed)
    attempt()
  })
}

/**
 * Streams `body` into one object through the shared byte budget: each part's buffer is taken
 * from the budget before its bytes are read from the body and given back once the part is
 * stored, at most PARTS_IN_FLIGHT parts are sent at once, and a body that fits in one part is
 * one PutObject. While no budget is free the body is not read (its socket fills and the client
 * waits). Any failure aborts the multipart upload: no object and no parts remain.
 * Resolves with the number of bytes stored.
 */
export async function uploadThroughBudget (client: S3Client, bucket: string, key: string, body: Readable, contentType: string, limits: UploadLimits): Promise<number> {
  const { budget, queueTimeoutMs, idleTimeoutMs, sizeHint } = limits
  let uploadId: string | undefined
  const parts: CompletedPart[] = []
  const inFlight = new Set<Promise<void>>()
  let total = 0
  let partFailure: unknown = null
  try {
    for (let partNumber = 1; ; partNumber++) {
      const credit = partBufferSize(Math.min(PART_SIZE, (sizeHint ?? Infinity) - total))
      try {
        await budget.acquire(credit, partNumber === 1 ? { timeoutMs: queueTimeoutMs } : {})
      } catch (error) {
        if (error instanceof BudgetTimeout) throw new UploadQueueTimeout(error.message)
        throw error
      }
      let released = false
      const buffer = takePartBuffer(budget, credit)
      const release = () => {
        if (released) return
        released = true
        budget.release(credit)
        givePartBuffer(budget, buffer)
      }
      let filled = 0
      let ended = false
      try {
        while (filled < credit) {
          const chunk = await readChunk(body, credit - filled, idleTimeoutMs)
          if (chunk === null) { ended = true; break }
          chunk.copy(buffer, filled)
          filled += chunk.length
          limits.onBytes?.(chunk.length)
        }
        total += filled
        if (ended && partNumber === 1) {
          await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: buffer.subarray(0, filled), ContentType: contentType }))
          release()
          return total
        }
        if (filled === 0) {
          release()
          break
        }
        uploadId ??= (await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }))).UploadId
        while (inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(inFlight).catch(() => {})
        if (partFailure) throw partFailure
        const number = partNumber
        const sending: Promise<void> = client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: number, Body: buffer.subarray(0, filled) }))
          .then(result => { parts.push({ PartNumber: number, ETag: result.ETag }) })
          .finally(() => { release(); inFlight.delete(sending) })
        // A failed part is noticed at the next read or at the end; it is never left unhandled.
        sending.catch((error: unknown) => { partFailure ??= error })
        inFlight.add(sending)
      } catch (error) {
        release()
        throw error
      }
      if (partFailure) throw partFailure
      if (ended) break
    }
    await Promise.allSettled(inFlight)
    if (partFailure) throw partFailure
    parts.sort((a, b) => a.PartNumber! - b.PartNumber!)
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }))
    return total
  } catch (error) {
    await Promise.allSettled(inFlight)
    if (uploadId) await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch(() => {})
    throw error
  }
}
