import { isUtf8 } from 'node:buffer'
import { detectFormat, FORMATS } from '../formats/index.js'
import { RecordScope } from '../formats/scope.js'
import type { WritableRecord } from './writer.js'

/**
 * One line read for writing: into the turn model by the file's format (an index of FORMATS),
 * or null when the line has an error under the record rules (not UTF-8, not JSON, not an object,
 * another format than the file's, or any error of its format's reader). The conversation-level
 * rules that need a tokenizer (template_error) are the caller's.
 */
export function readWritable (line: number, bytes: Uint8Array, fileFormat: number): WritableRecord | null {
  if (!isUtf8(bytes)) return null
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
  let value: unknown
  try {
    value = JSON.parse(source)
  } catch {
    return null
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null
  // A record without its file's recognising key gets that format's "missing" errors; another format's key is mixed_formats.
  if (fileFormat < 0 || detectFormat(value) !== fileFormat) return null
  const scope = new RecordScope([], source)
  FORMATS[fileFormat].read(value, scope)
  if (scope.hasError) return null
  return { line, id: scope.id as string | number | null, conversation: scope.conversation() }
}
