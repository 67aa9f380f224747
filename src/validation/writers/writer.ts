import type { Conversation } from '../turns/turn.js'

/** The formats a dataset can be written in (api.md v2, export and derive). */
export const EXPORT_FORMATS = ['openai', 'sharegpt', 'native', 'alpaca', 'text'] as const
export type ExportFormat = typeof EXPORT_FORMATS[number]

export function isExportFormat (value: unknown): value is ExportFormat {
  return typeof value === 'string' && (EXPORT_FORMATS as readonly string[]).includes(value)
}

/** One record read into the turn model, with where it came from. */
export interface WritableRecord {
  /** The record's physical line in the source file. */
  line: number
  /** Its conversation id as written (conversation_id, or id outside native), or null. */
  id: string | number | null
  conversation: Conversation
}

/**
 * A record that the target format cannot hold without losing what it trains on (a tool call in
 * native, a multi-turn conversation in alpaca, ...). Writers never drop data silently: they
 * refuse the record, and the caller says which one (export: 409; derive: dropped as
 * `not_convertible`, counted in the recipe).
 */
export class NotWritable extends Error {
  constructor (readonly line: number, readonly format: ExportFormat, readonly reason: string) {
    super(`Line ${line} cannot be written as ${format}: ${reason}.`)
    this.name = 'NotWritable'
  }
}

/** One output format: a record in the turn model → the JSON value of its output line. */
export interface RecordWriter {
  format: ExportFormat
  write: (record: WritableRecord) => Record<string, unknown>
}

/** A refusal for `record` in `format`. */
export function refuse (record: WritableRecord, format: ExportFormat, reason: string): never {
  throw new NotWritable(record.line, format, reason)
}

/** The one line of JSON Lines for a value (JSON.stringify never writes a raw newline). */
export function jsonLine (value: unknown): string {
  return JSON.stringify(value) + '\n'
}
