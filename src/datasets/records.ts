import { readStoredFile, type RecordSink, type StoredFile, type StoredFileKind } from '../validation/files/stored-file.js'
import { detectFormat, formatIndex, FORMATS, type FormatName } from '../validation/formats/index.js'
import { RecordScope } from '../validation/formats/scope.js'
import type { Turn } from '../validation/turns/turn.js'
import { own } from '../validation/turns/own.js'
import { DEFAULT_MAX_LINE_BYTES } from '../validation/types.js'

/** A record as the viewer and the records API show it: read into the turn model, whatever its format. */
export interface RecordView {
  line: number
  conversation_id: unknown
  /** The format the record was read in: its own (by its keys), else the file's; null when neither is known. */
  format: FormatName | null
  /** The turns that could be read (a record with errors shows the good ones); null when it has no readable turns container. */
  turns: Turn[] | null
  /** `text` records: the text. */
  text?: string | null
  /** Declared tools in OpenAI's shape, when the record has them. */
  tools?: unknown[]
  /** The line as text (cut at 4,000 characters) when it is not a JSON object; the record's JSON when asked for. */
  raw?: unknown
}

export interface ReadRecordsOptions {
  /** Add each record's original JSON under `raw`. */
  raw?: boolean
  /** The file's format (from its validation), for records that hold no recognising key. */
  format?: string | null
  /** Start at the first record on this line or after it, instead of `offset`. */
  fromLine?: number
  /** A page ends early once its records' lines reach this many bytes (RECORDS_PAGE_BYTES). */
  maxPageBytes?: number
}

/**
 * The line bytes a page of records may hold: lines go up to 8 MiB, so `limit` of them alone
 * would not bound a request's memory. A page that reaches it ends there (`next_offset` goes on).
 */
export const RECORDS_PAGE_BYTES = 16 * 1024 * 1024

const RAW_PREVIEW = 4000

function view (line: number, bytes: Buffer, options: ReadRecordsOptions): RecordView {
  const text = bytes.toString('utf8')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    value = undefined
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { line, conversation_id: null, format: null, turns: null, raw: text.length > RAW_PREVIEW ? text.slice(0, RAW_PREVIEW) + '…' : text }
  }
  const recognised = detectFormat(value)
  const index = recognised !== -1 ? recognised : formatIndex(options.format)
  const id = own(value, 'conversation_id') ?? (index > 0 ? own(value, 'id') : undefined) ?? null
  const record: RecordView = { line, conversation_id: id, format: null, turns: null }
  if (index !== -1) {
    const format = FORMATS[index]
    const scope = new RecordScope([], null)
    format.read(value, scope)
    record.format = format.name
    record.turns = scope.turnsValid || scope.turns.length > 0 ? scope.turns : null
    if (format.name === 'text') record.text = scope.text
    if (scope.tools !== null) record.tools = scope.tools
  }
  if (options.raw) record.raw = value
  return record
}

/**
 * A page of the records of a stored file (files/stored-file.ts reads every kind), `limit` of
 * them, read as a stream and stopped as soon as the page is full. Where the page starts:
 * JSON Lines, after physical line `offset` (blank and too-long lines are skipped); a JSON array,
 * after `offset` elements; Parquet, after `offset` rows (only those rows' pages are read where
 * the file has a page index). With `fromLine` ("jump to line N"), the page starts at the first
 * record on line N or after it (Parquet: row N) instead. `next_offset` continues after this
 * page, null at the end; a page also ends at RECORDS_PAGE_BYTES of line bytes. Throws when the file cannot be read before its first record (storage down).
 */
export async function readRecords (file: StoredFile, offset: number, limit: number, options: ReadRecordsOptions = {}): Promise<{ records: RecordView[], next_offset: number | null }> {
  const records: RecordView[] = []
  const fromLine = options.fromLine
  let kind: StoredFileKind = 'jsonl'
  const maxPageBytes = options.maxPageBytes ?? RECORDS_PAGE_BYTES
  let pageBytes = 0
  let full = false
  let skipped = 0 // elements or rows the reader skipped
  let counted = 0 // elements or rows handed on before the page was full (too-long ones too)
  const sink: RecordSink = {
    bom: () => {},
    blank: () => {},
    tooLong: () => { if (!full) counted++ },
    record: (line, bytes) => {
      if (full) return
      counted++
      if (kind === 'jsonl' ? line <= (fromLine !== undefined ? fromLine - 1 : offset) : fromLine !== undefined && line < fromLine) return
      records.push(view(line, bytes, options))
      pageBytes += bytes.length
      if (records.length === limit || pageBytes >= maxPageBytes) full = true
    }
  }
  try {
    await readStoredFile(file, sink, {
      maxLineBytes: DEFAULT_MAX_LINE_BYTES,
      stop: () => full,
      skipRecords: known => {
        skipped = known === 'jsonl' ? 0 : fromLine === undefined ? offset : known === 'parquet' ? Math.max(0, fromLine - 1) : 0
        return skipped
      },
      takeRecords: limit,
      onKind: known => { kind = known }
    })
  } catch (error) {
    // A stream that breaks off ends the records there (the validation report says why);
    // storage that cannot be read at all is the caller's error.
    if (records.length === 0) throw error
  }
  const last = records[records.length - 1]
  if (!full || !last) return { records, next_offset: null }
  return { records, next_offset: kind === 'jsonl' ? last.line : skipped + counted }
}
