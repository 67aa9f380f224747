import { PassThrough, type Readable } from 'node:stream'
import { readStoredFile, type RecordSink, type StoredFile } from '../validation/files/stored-file.js'
import { jsonLine, readWritable, type RecordWriter, type WritableRecord } from '../validation/writers/index.js'
import { DEFAULT_MAX_LINE_BYTES } from '../validation/types.js'
import type { FileFault } from '../validation/files/stored-file.js'

/** What becomes of one line: the bytes to write (a line with its newline), or null to leave it out. */
export type LineConverter = (line: number, bytes: Buffer) => Buffer | string | null

// Output is handed on in pieces of about this size: one write per line would cost more than the conversion.
const OUTPUT_PIECE = 64 * 1024

/**
 * Every record of `file` (JSON Lines, a JSON array or Parquet; gzip too, read by the engine's one
 * entry point) through `convert`, in file order. Blank and too-long lines are never written. `emit` receives the output in pieces and may wait
 * (back-pressure): the source is not read meanwhile, so memory stays bounded whatever the size.
 */
export async function convertLines (file: StoredFile, convert: LineConverter, emit: (piece: Buffer) => Promise<void> | void, stop: () => boolean = () => false): Promise<FileFault | null> {
  let pieces: Buffer[] = []
  let size = 0
  const flush = async () => {
    if (size === 0) return
    const piece = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, size)
    pieces = []
    size = 0
    await emit(piece)
  }
  const sink: RecordSink = {
    bom: () => {},
    blank: () => {},
    tooLong: () => {},
    record: (line, bytes) => {
      const out = convert(line, bytes)
      if (out === null) return
      // A converter that gives bytes gives its own copy (the reader's bytes are only lent).
      const buffer = typeof out === 'string' ? Buffer.from(out, 'utf8') : out
      pieces.push(buffer)
      size += buffer.length
    }
  }
  const read = await readStoredFile(file, sink, {
    maxLineBytes: DEFAULT_MAX_LINE_BYTES,
    afterChunk: async () => { if (size >= OUTPUT_PIECE) await flush() },
    stop
  })
  await flush()
  return read.fault
}

/** convertLines as a readable stream for an HTTP answer: a client that stops reading stops the reading of storage. */
export function convertedStream (file: StoredFile, convert: LineConverter): Readable {
  const out = new PassThrough()
  const drained = () => new Promise<void>(resolve => {
    const done = () => { out.off('drain', done); out.off('close', done); resolve() }
    out.on('drain', done)
    out.on('close', done)
  })
  convertLines(file, convert, async piece => {
    if (!out.destroyed && !out.write(piece)) await drained()
  }, () => out.destroyed).then(() => out.end(), (error: unknown) => out.destroy(error as Error))
  return out
}

export interface ExportRule {
  /** The file's record format, an index of FORMATS. */
  fileFormat: number
  writer: RecordWriter
  /** `all`: lines with errors are written as they are; `valid`: left out. */
  rows: 'valid' | 'all'
  /** A further check of a record that read without error (a model's template), false: it has an error. */
  accept?: (record: WritableRecord) => boolean
}

/** The converter of an export: each record in the target format (the writer may refuse it: NotWritable). */
export function exportConverter (rule: ExportRule): LineConverter {
  return (line, bytes) => {
    const record = readWritable(line, bytes, rule.fileFormat)
    if (record !== null && (rule.accept === undefined || rule.accept(record))) return jsonLine(rule.writer.write(record))
    return rule.rows === 'all' ? Buffer.concat([bytes, Buffer.from('\n')]) : null
  }
}
