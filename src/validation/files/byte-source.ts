import { open } from 'node:fs/promises'

/**
 * A file read by byte ranges: from disk (the CLI) or from storage by ranged GETs (the worker).
 * `end` is exclusive; a range past the end of the file is an error, never a short answer.
 */
export interface ByteSource {
  byteLength: number
  slice: (start: number, end?: number) => Promise<ArrayBuffer>
}

/** A range the file does not hold: a Parquet footer that points past the end of a cut file. */
export class ShortReadError extends Error {}

function check (start: number, end: number, byteLength: number): void {
  if (!(start >= 0 && start <= end)) throw new ShortReadError(`invalid byte range ${start}–${end}`)
  if (end > byteLength) {
    throw new ShortReadError(`bytes ${start.toLocaleString('en-US')}–${end.toLocaleString('en-US')} are past the end of the file (${byteLength.toLocaleString('en-US')} bytes)`)
  }
}

function ownArrayBuffer (bytes: Buffer): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}

/** A file on disk; close() when done. */
export async function fileByteSource (path: string): Promise<ByteSource & { close: () => Promise<void> }> {
  const handle = await open(path, 'r')
  try {
    const { size } = await handle.stat()
    return {
      byteLength: size,
      async slice (start, end = size) {
        check(start, end, size)
        const buffer = new ArrayBuffer(end - start)
        const bytes = new Uint8Array(buffer)
        let filled = 0
        while (filled < bytes.length) {
          const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, start + filled)
          if (bytesRead === 0) throw new ShortReadError('the file ended while it was read (it changed on disk)')
          filled += bytesRead
        }
        return buffer
      },
      close: () => handle.close()
    }
  } catch (error) {
    await handle.close()
    throw error
  }
}

/**
 * A stored object of a known size read by ranges: `read(start, end)` answers bytes start to end
 * (exclusive), for example one S3 GetObject with `Range: bytes=start-(end-1)`.
 */
export function rangeByteSource (byteLength: number, read: (start: number, end: number) => Promise<Buffer>): ByteSource {
  return {
    byteLength,
    async slice (start, end = byteLength) {
      check(start, end, byteLength)
      if (start === end) return new ArrayBuffer(0)
      const bytes = await read(start, end)
      if (bytes.length !== end - start) {
        throw new ShortReadError(`storage answered ${bytes.length.toLocaleString('en-US')} bytes for a range of ${(end - start).toLocaleString('en-US')}`)
      }
      return ownArrayBuffer(bytes)
    }
  }
}
