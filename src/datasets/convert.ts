import { PassThrough, type Readable } from 'node:stream'
import { readLines, type LineSink } from '../validation/files/lines.js'
import { jsonLine, readWritable, type RecordWriter, type WritableRecord } from '../validation/writers/index.js'
import { DEFAULT_MAX_LINE_BYTES } from '../validation/types.js'

/** What becomes of one line: the bytes to write (a line with its newline), or null to leave it out. */
export type LineConverter = (line: number, bytes: Buffer) => Buffer | string | null

// Output is handed on in pieces of about this size: one write per line would cost more than the conversion.
const OUTPUT_PIECE = 64 * 1024

/**
 * Every record line of `source` (JSON Lines, plain or gzip) through `convert`, in file order.
 * Blank and too-long lines are never written. `emit` receives the output in pieces and may wait
 * (back-pressure): the source is not read meanwhile, so memory stays bounded whatever the size.
 */
export async function convertLines (source: Readable, convert: LineConverter, emit: (piece: Buffer) => Promise<void> | void, stop: () => boolean = () => false): Promise<void> {
  let pieces: Buffer[] = []
  let size = 0
  const flush = async () => {
    if (size === 0) return
    const piece = pieces.length === 1 ? pieces[0] : Buffer.concat(pieces, size)
    pieces = []
    size = 0
    await emit(piece)
  }
  const sink: LineSink = {
    bom: () => {},
    blank: () => {},
    tooLong: () => {},
    record: (line, bytes) => {
      const out = convert(line, bytes)
      if (out === null) return
      // bytes points into the reader's chunk: a copy when kept as they are.
      const buffer = typeof out === 'string' ? Buffer.from(out, 'utf8') : Buffer.from(out)
      pieces.push(buffer)
      size += buffer.length
    }
  }
  try {
    await readLines(source, sink, {
      maxLineBytes: DEFAULT_MAX_LINE_BYTES,
      afterChunk: async () => { if (size >= OUTPUT_PIECE) await flush() },
      stop
    })
    await flush()
  } finally {
    source.destroy()
  }
}

/** convertLines as a readable stream for an HTTP answer: a client that stops reading stops the reading of storage. */
export function convertedStream (source: Readable, convert: LineConverter): Readable {
  const out = new PassThrough()
  const drained = () => new Promise<void>(resolve => {
    const done = () => { out.off('drain', done); out.off('close', done); resolve() }
    out.on('drain', done)
    out.on('close', done)
  })
  convertLines(source, convert, async piece => {
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
