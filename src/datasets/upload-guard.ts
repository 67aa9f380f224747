import { Transform, type TransformCallback } from 'node:stream'
import { InvalidInput, TooLarge, UnsupportedType, type DomainError } from '../errors.js'
import { detectFileKind, SNIFF_BYTES } from './file-kind.js'

/** 413: a file over the limit, streamed (what arrived was removed) or announced (nothing stored yet). */
export function fileTooLarge (maxBytes: number, { announced = false } = {}): TooLarge {
  const limit = `The file is larger than the limit of ${maxBytes.toLocaleString('en-US')} bytes`
  return announced ? new TooLarge(`${limit}.`, 'file_size') : new TooLarge(`${limit}; nothing was kept.`)
}

/**
 * Sits between the multipart file stream and S3: counts bytes, refuses what is certainly
 * another kind of file by its first bytes (415: images, PDF, archives, executables), an empty
 * file (400) and anything past the size limit (413) before S3 gets it. Everything else is
 * stored: text with bad bytes, NULs or in UTF-16 gets its issues, line by line, from validation.
 * Its error is the reason the upload failed.
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
    const kind = detectFileKind(head.subarray(0, SNIFF_BYTES))
    if (kind.kind === 'foreign') {
      this.refuse(new UnsupportedType(`This is ${kind.name}, not a dataset: upload JSON Lines (.jsonl, .ndjson), a JSON array (.json), either gzip-compressed (.gz), or Parquet (.parquet).`, 'file'))
      return
    }
    callback(null, head)
  }
}

/** JSON Lines, JSON arrays (dataset-format.md v2: a `.json` file may also hold JSON Lines) and Parquet. */
export const EXTENSIONS = ['.jsonl', '.jsonl.gz', '.ndjson', '.ndjson.gz', '.json', '.json.gz', '.parquet']

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
