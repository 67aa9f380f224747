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
  // Stored parts' buffers are used again: a long upload allocates PARTS_IN_FLIGHT + 1 of them,
  // not one per part left for the garbage collector (8 MiB each, outside the JS heap).
  const spare: Buffer[] = []
  try {
    for (let partNumber = 1; ; partNumber++) {
      const credit = Math.max(1, Math.min(PART_SIZE, (sizeHint ?? Infinity) - total))
      try {
        await budget.acquire(credit, partNumber === 1 ? { timeoutMs: queueTimeoutMs } : {})
      } catch (error) {
        if (error instanceof BudgetTimeout) throw new UploadQueueTimeout(error.message)
        throw error
      }
      let released = false
      const release = () => { if (!released) { released = true; budget.release(credit) } }
      let filled = 0
      let ended = false
      try {
        const buffer = spare.length > 0 && spare[spare.length - 1].length === credit ? spare.pop()! : Buffer.allocUnsafeSlow(credit)
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
          .then(result => { parts.push({ PartNumber: number, ETag: result.ETag }); spare.push(buffer) })
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
