import { gunzip } from './gzip.js'

/** A text encoding the engine cannot read, recognised at the start of the (decompressed) bytes. */
export type ForeignText = 'utf-16le' | 'utf-16be'

export interface Input {
  /** The file's bytes, decompressed when they open with gzip's magic bytes (GzipError when the stream is broken). */
  chunks: AsyncIterable<Buffer>
  gzip: boolean
  /** Bytes read from the source so far: the stored (compressed) size once `chunks` is done. */
  storedBytes: () => number
  /** Known once the first chunk of `chunks` has been taken: UTF-16 text, or null. */
  foreignText: () => ForeignText | null
}

const SNIFF_BYTES = 64

/**
 * UTF-16 by its byte-order mark, or by NUL bytes in every other position (ASCII text such as
 * `{"` in UTF-16 without a mark): the lines are still read and reported as UTF-8 would be, but
 * the report can say what the file is.
 */
export function sniffForeignText (head: Uint8Array): ForeignText | null {
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return 'utf-16le'
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return 'utf-16be'
  const pairs = Math.floor(Math.min(head.length, SNIFF_BYTES) / 2)
  if (pairs < 2) return null
  let le = true
  let be = true
  for (let i = 0; i < pairs; i++) {
    const even = head[2 * i]
    const odd = head[2 * i + 1]
    if (!(odd === 0 && even !== 0)) le = false
    if (!(even === 0 && odd !== 0)) be = false
  }
  return le ? 'utf-16le' : be ? 'utf-16be' : null
}

function chunkOf (value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
}

/** Gathers at least `n` bytes from the front of `iterator` (fewer when it ends first). */
async function head (iterator: AsyncIterator<Buffer>, n: number): Promise<{ first: Buffer, ended: boolean }> {
  const parts: Buffer[] = []
  let length = 0
  while (length < n) {
    const next = await iterator.next()
    if (next.done) return { first: Buffer.concat(parts), ended: true }
    parts.push(next.value)
    length += next.value.length
  }
  return { first: parts.length === 1 ? parts[0] : Buffer.concat(parts), ended: false }
}

/** `first`, then the rest of `iterator`. */
async function * replay (first: Buffer, ended: boolean, iterator: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  if (first.length > 0) yield first
  if (ended) return
  for (;;) {
    const next = await iterator.next()
    if (next.done) return
    yield next.value
  }
}

/**
 * The one way a stored file is opened (validation, the records viewer): counts the stored
 * bytes, recognises gzip by its magic bytes (never by the name) and decompresses it while it
 * streams, and looks at the first decompressed bytes for UTF-16.
 */
export async function openInput (source: AsyncIterable<Uint8Array>): Promise<Input> {
  let bytes = 0
  const iterator = source[Symbol.asyncIterator]()
  const counted: AsyncIterator<Buffer> = {
    async next () {
      const next = await iterator.next()
      if (next.done) return { done: true, value: undefined }
      const chunk = chunkOf(next.value)
      bytes += chunk.length
      return { done: false, value: chunk }
    },
    async return () {
      await iterator.return?.()
      return { done: true, value: undefined }
    }
  }
  const start = await head(counted, 2)
  const isGzip = start.first.length >= 2 && start.first[0] === 0x1f && start.first[1] === 0x8b
  const stored = replay(start.first, start.ended, counted)
  const decoded: AsyncIterator<Buffer> = isGzip ? gunzip(stored) : stored
  let foreign: ForeignText | null = null
  let sniffed = false
  async function * sniffing (): AsyncGenerator<Buffer> {
    const text = await head(decoded, SNIFF_BYTES)
    foreign = sniffForeignText(text.first)
    sniffed = true
    yield * replay(text.first, text.ended, decoded)
  }
  return {
    chunks: sniffing(),
    gzip: isGzip,
    storedBytes: () => bytes,
    foreignText: () => sniffed ? foreign : null
  }
}
