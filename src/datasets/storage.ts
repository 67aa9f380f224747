import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3'
import type { Config } from '../config.js'

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

/** Object storage for dataset files; keys are always built from ids. */
export function createStorage (s3: Config['s3']) {
  const client = createS3Client(s3)
  const bucket = s3.bucket
  return {
    client,
    bucket,
    /** Throws when the bucket cannot be reached within timeoutMs. */
    async ping (timeoutMs = 2000): Promise<void> {
      await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: AbortSignal.timeout(timeoutMs) })
    }
  }
}

export type Storage = ReturnType<typeof createStorage>
