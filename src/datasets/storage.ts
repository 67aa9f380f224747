import {
  AbortMultipartUploadCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand,
  ListMultipartUploadsCommand, PutObjectCommand, S3Client
} from '@aws-sdk/client-s3'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import type { Readable } from 'node:stream'
import { buffer } from 'node:stream/consumers'
import { rangeByteSource } from '../validation/files/byte-source.js'
import type { StoredFile } from '../validation/files/stored-file.js'
import type { Config } from '../config.js'
import { uploadThroughBudget, type UploadLimits } from './multipart-upload.js'

export function createS3Client (s3: Config['s3']): S3Client {
  return new S3Client({
    endpoint: s3.endpoint ?? undefined,
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    // Without these, streamed puts to some S3-compatible servers store aws-chunked bytes.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 2
  })
}

export const PRESIGNED_PUT_SECONDS = 3600

/** A dataset file's key: built from ids, with the file name already made safe (sanitiseFileName). */
export function storageKey (userId: string, datasetId: string, safeFileName: string): string {
  return `${userId}/${datasetId}/${safeFileName}`
}

/** Object storage for dataset files; keys are always built from ids (storageKey). */
export function createStorage (s3: Config['s3']) {
  const client = createS3Client(s3)
  const bucket = s3.bucket
  return {
    client,
    bucket,

    /** Throws when the bucket cannot be reached within timeoutMs. */
    async ping (timeoutMs = 2000): Promise<void> {
      await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: AbortSignal.timeout(timeoutMs) })
    },

    /**
     * Streams body into storage through the upload memory budget (multipart-upload.ts): the file
     * is never on local disk nor whole in memory; on failure no object remains.
     */
    async upload (key: string, body: Readable, limits: UploadLimits, contentType = 'application/octet-stream'): Promise<number> {
      return await uploadThroughBudget(client, bucket, key, body, contentType, limits)
    },

    async getStream (key: string): Promise<Readable> {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      return response.Body as Readable
    },

    /** Bytes start to end (exclusive) of an object: one ranged GET. */
    async getRange (key: string, start: number, end: number): Promise<Buffer> {
      const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end - 1}` }))
      return await buffer(response.Body as Readable)
    },

    /**
     * A stored dataset file as the engine reads it (files/stored-file.ts): a stream of the whole
     * object for JSON Lines and JSON arrays, ranged GETs for Parquet. `name` is the file's
     * original name (a `.json` name may hold a JSON array), `size` its stored size.
     */
    file (key: string, name: string, size: number): StoredFile {
      return {
        name,
        stream: () => this.getStream(key),
        range: () => rangeByteSource(size, (start, end) => this.getRange(key, start, end))
      }
    },

    /** Size in bytes, or null when there is no such object. */
    async size (key: string): Promise<number | null> {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
        return head.ContentLength ?? 0
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
        if (status === 404 || (error as Error).name === 'NotFound' || (error as Error).name === 'NoSuchKey') return null
        throw error
      }
    },

    async remove (key: string): Promise<void> {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
    },

    async presignPut (key: string, size: number): Promise<string> {
      return await getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: key, ContentLength: size }), { expiresIn: PRESIGNED_PUT_SECONDS })
    },

    /**
     * Aborts multipart uploads started more than maxAgeMs ago (a process that died mid-upload
     * leaves them). Returns how many were aborted, or null where the server cannot list them.
     */
    async sweepIncompleteUploads (maxAgeMs: number): Promise<number | null> {
      let listed
      try {
        listed = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))
      } catch {
        return null
      }
      let aborted = 0
      for (const upload of listed.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId || !upload.Initiated) continue
        if (Date.now() - upload.Initiated.getTime() < maxAgeMs) continue
        try {
          await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: upload.Key, UploadId: upload.UploadId }))
          aborted++
        } catch { /* the next sweep tries again */ }
      }
      return aborted
    }
  }
}

export type Storage = ReturnType<typeof createStorage>
