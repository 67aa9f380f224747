import { createInflateRaw, crc32 } from 'node:zlib'

export class GzipError extends Error {}

const HEADER_LIMIT = 64 * 1024
const FHCRC = 2
const FEXTRA = 4
const FNAME = 8
const FCOMMENT = 16

/** Pulls bytes from an async iterator with a small look-ahead buffer. */
class ByteSource {
  private buffered: Buffer = Buffer.alloc(0)
  private done = false

  constructor (private readonly iterator: AsyncIterator<Buffer>) {}

  /** At least n bytes buffered, unless the input ends first. */
  async fill (n: number): Promise<Buffer> {
    while (this.buffered.length < n && !this.done) {
      const next = await this.iterator.next()
      if (next.done) this.done = true
      else this.buffered = this.buffered.length === 0 ? next.value : Buffer.concat([this.buffered, next.value])
    }
    return this.buffered
  }

  /** Whatever is buffered, else the next chunk; null at the end. */
  async take (): Promise<Buffer | null> {
    if (this.buffered.length > 0) {
      const chunk = this.buffered
      this.buffered = Buffer.alloc(0)
      return chunk
    }
    if (this.done) return null
    const next = await this.iterator.next()
    if (next.done) {
      this.done = true
      return null
    }
    return next.value
  }

  consume (n: number): void {
    this.buffered = this.buffered.subarray(n)
  }

  unshift (bytes: Buffer): void {
    if (bytes.length > 0) this.buffered = this.buffered.length === 0 ? bytes : Buffer.concat([bytes, this.buffered])
  }
}

/** Length of a gzip member header at the start of buf, 0 if more bytes are needed. */
function headerLength (buf: Buffer, ended: boolean): number {
  if (buf.length < 10) {
    if (ended) throw new GzipError('the gzip stream is truncated (incomplete member header)')
    return 0
  }
  if (buf[0] !== 0x1f || buf[1] !== 0x8b) throw new GzipError('the gzip stream is followed by data that is not gzip')
  if (buf[2] !== 8) throw new GzipError('the gzip stream is corrupt (unknown compression method)')
  const flags = buf[3]
  let offset = 10
  const need = (n: number) => {
    if (buf.length < offset + n) {
      if (ended || buf.length > HEADER_LIMIT) throw new GzipError('the gzip stream is truncated (incomplete member header)')
      return false
    }
    return true
  }
  if (flags & FEXTRA) {
    if (!need(2)) return 0
    offset += 2 + buf.readUInt16LE(offset)
  }
  for (const flag of [FNAME, FCOMMENT]) {
    if (flags & flag) {
      const end = buf.indexOf(0, offset)
      if (end === -1) {
        if (!need(buf.length - offset + 1)) return 0
      }
      offset = end + 1
    }
  }
  if (flags & FHCRC) offset += 2
  if (!need(0)) return 0
  return offset
}

/**
 * Decompresses a gzip stream (concatenated members read as one) while it streams, checking
 * every member's CRC-32 and length. Yields the data decoded so far, then throws GzipError when
 * the stream is corrupt, truncated or followed by anything that is not another member.
 * Output is pulled with backpressure, so a gzip bomb never sits in memory.
 */
export async function * gunzip (input: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  const source = new ByteSource(input)
  let members = 0
  for (;;) {
    let buf = await source.fill(10)
    if (buf.length === 0 && members > 0) return
    let length = headerLength(buf, buf.length < 10)
    while (length === 0) {
      const before = buf.length
      buf = await source.fill(before + 1)
      length = headerLength(buf, buf.length === before)
    }
    source.consume(length)
    members++

    const inflater = createInflateRaw({ chunkSize: 64 * 1024 })
    let crc = 0
    let size = 0
    let ended = false
    let failure: Error | null = null
    let signalled = false
    let wake: (() => void) | null = null
    const poke = () => { signalled = true; wake?.() }
    inflater.on('readable', poke)
    inflater.on('end', () => { ended = true; poke() })
    inflater.on('error', (error: Error) => { failure = error; poke() })
    // Chunks handed to the inflater that it may not have consumed yet (for what follows the member).
    let written: Buffer[] = []
    let writtenOffset = 0 // total bytes of the chunks already dropped from `written`
    let inputEnded = false
    let writing = false

    for (;;) {
      let out: Buffer | null
      while ((out = inflater.read() as Buffer | null) !== null) {
        crc = crc32(out, crc)
        size = (size + out.length) >>> 0
        yield out
      }
      if (failure) {
        throw new GzipError(inputEnded ? 'the gzip stream is truncated' : `the gzip stream is corrupt (${(failure as Error).message})`)
      }
      if (ended) break
      if (!writing && inflater.writableLength === 0 && !inputEnded) {
        const chunk = await source.take()
        if (chunk === null) {
          inputEnded = true
          inflater.end()
        } else {
          written.push(chunk)
          writing = true
          inflater.write(chunk, () => { writing = false; poke() })
        }
        // Drop chunks the inflater has wholly consumed.
        while (written.length > 1 && writtenOffset + written[0].length <= inflater.bytesWritten) {
          writtenOffset += written[0].length
          written = written.slice(1)
        }
        continue
      }
      if (!signalled) await new Promise<void>(resolve => { wake = resolve })
      wake = null
      signalled = false
    }
    if (inputEnded && !ended) throw new GzipError('the gzip stream is truncated')
    // What the inflater did not consume belongs to the trailer and what follows.
    const rest = Buffer.concat(written).subarray(inflater.bytesWritten - writtenOffset)
    source.unshift(rest)
    const trailer = await source.fill(8)
    if (trailer.length < 8) throw new GzipError('the gzip stream is truncated (incomplete member trailer)')
    if (trailer.readUInt32LE(0) !== crc >>> 0) throw new GzipError('the gzip stream is corrupt (CRC-32 mismatch)')
    if (trailer.readUInt32LE(4) !== size) throw new GzipError('the gzip stream is corrupt (length mismatch)')
    source.consume(8)
  }
}
