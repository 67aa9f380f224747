import { isUtf8 } from 'node:buffer'
import { Transform, type TransformCallback } from 'node:stream'
import { InvalidInput, TooLarge, UnsupportedType, type DomainError } from '../errors.js'

const SNIFF_BYTES = 4096

/** 413: a file over the limit, streamed (what arrived was removed) or announced (nothing stored yet). */
export function fileTooLarge (maxBytes: number, { announced = false } = {}): TooLarge {
  const limit = `The file is larger than the limit of ${maxBytes.toLocaleString('en-US')} bytes`
  return announced ? new TooLarge(`${limit}.`, 'file_size') : new TooLarge(`${limit}; nothing was kept.`)
}

/** True for gzip, or for text: UTF-8 with no NUL byte (a sample may end inside a character). */
export function looksLikeDataset (sample: Buffer): boolean {
  if (sample.length >= 2 && sample[0] === 0x1f && sample[1] === 0x8b) return true
  if (sample.includes(0)) return false
  for (let cut = 0; cut <= 3 && cut < sample.length; cut++) {
    if (isUtf8(sample.subarray(0, sample.length - cut))) return true
  }
  return sample.length === 0
}

/**
 * Sits between the multipart file stream and S3: counts bytes, refuses what is not text or
 * gzip by its first bytes (415), an empty file (400) and anything past the size limit (413)
 * before S3 gets it. Its error is the reason the upload failed.
 */
export class UploadGuard extends Transform {
  bytes = 0
  failure: DomainError | null = null
  private head: Buffer[] = []
  private headLength = 0
  private sniffed = false

  constructor (private readonly maxBytes: number) {
    super()
  }

  refuse (error: DomainError): void {
    this.failure ??= error
    this.destroy(this.failure)
  }

  tooLarge (): void {
    this.refuse(fileTooLarge(this.maxBytes))
  }

  _transform (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length
    if (this.bytes > this.maxBytes) return this.tooLarge()
    if (this.sniffed) return callback(null, chunk)
    this.head.push(chunk)
    this.headLength += chunk.length
    if (this.headLength < SNIFF_BYTES) return callback()
    this.releaseHead(callback)
  }

  _flush (callback: TransformCallback): void {
    if (this.bytes === 0) {
      this.refuse(new InvalidInput('The file is empty.', 'file'))
      return
    }
    if (!this.sniffed) return this.releaseHead(callback)
    callback()
  }

  private releaseHead (callback: TransformCallback): void {
    const head = Buffer.concat(this.head)
    this.head = []
    this.sniffed = true
    if (!looksLikeDataset(head.subarray(0, SNIFF_BYTES))) {
      this.refuse(new UnsupportedType('The file is neither JSON Lines text nor gzip: upload a .jsonl, .ndjson or .jsonl.gz file.', 'file'))
      return
    }
    callback(null, head)
  }
}

const EXTENSIONS = ['.jsonl', '.jsonl.gz', '.ndjson', '.ndjson.gz']

/** A file name safe in a storage key and a page: the last path part, [A-Za-z0-9._-] only. */
export function sanitiseFileName (name: string): string {
  const base = name.split(/[/\\]/).pop() ?? ''
  const clean = base.normalize('NFKC').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(-200)
  return clean || 'dataset.jsonl'
}

export function checkExtension (fileName: string): void {
  const lower = fileName.toLowerCase()
  if (!EXTENSIONS.some(ext => lower.endsWith(ext))) {
    throw new UnsupportedType(`Unsupported file type "${fileName}": upload a ${EXTENSIONS.join(', ')} file.`, 'file')
  }
}
