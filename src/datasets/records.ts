import type { Readable } from 'node:stream'
import { readLines, type LineSink } from '../validation/files/lines.js'
import { DEFAULT_MAX_LINE_BYTES } from '../validation/types.js'

export interface RecordView {
  line: number
  conversation_id: unknown
  turns: unknown
  /** The line as text (cut at 4,000 characters) when it is not a JSON object. */
  raw?: string
}

const RAW_PREVIEW = 4000

function view (line: number, bytes: Buffer): RecordView {
  const text = bytes.toString('utf8')
  try {
    const value = JSON.parse(text)
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return { line, conversation_id: value.conversation_id ?? null, turns: value.turns ?? null }
    }
  } catch { /* shown raw below */ }
  return { line, conversation_id: null, turns: null, raw: text.length > RAW_PREVIEW ? text.slice(0, RAW_PREVIEW) + '…' : text }
}

/**
 * The records of a stored file from physical line `offset + 1` on, `limit` of them, read as a
 * stream (gzip too) and stopped as soon as the page is full. Blank and too-long lines are skipped.
 * `next_offset` is the offset that continues after this page, null at the end of the file.
 */
export async function readRecords (stream: Readable, offset: number, limit: number): Promise<{ records: RecordView[], next_offset: number | null }> {
  const records: RecordView[] = []
  let full = false
  const sink: LineSink = {
    bom: () => {},
    blank: () => {},
    tooLong: () => {},
    record: (line, bytes) => {
      if (line <= offset || full) return
      records.push(view(line, bytes))
      if (records.length === limit) full = true
    }
  }
  try {
    await readLines(stream, sink, { maxLineBytes: DEFAULT_MAX_LINE_BYTES, stop: () => full })
  } catch {
    // A stream that breaks off ends the records there; the validation report says why.
  } finally {
    stream.destroy()
  }
  const last = records[records.length - 1]
  return { records, next_offset: full && last ? last.line : null }
}
