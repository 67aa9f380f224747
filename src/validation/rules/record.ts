import { isUtf8 } from 'node:buffer'
import { detectFormat, FORMATS } from '../formats/index.js'
import { describe, RecordScope, type LineIssue } from '../formats/scope.js'
import type { Tokenizer } from '../tokenizers/index.js'
import { conversationRules, type RecordStats } from './conversation.js'

export type { LineIssue } from '../formats/scope.js'
export type { RecordStats } from './conversation.js'

/** `LineResult.format` of a record that holds no format's recognising key. */
export const UNRECOGNISED = -1
/** `LineResult.format` of a line that is no record (invalid UTF-8, invalid JSON, not an object): the same in every format. */
export const NOT_A_RECORD = -2

/**
 * What one non-blank line yields, independent of every other line, so lines can be analysed
 * on any thread. Checks that need earlier lines (duplicates, the file's format) are left to the
 * report: the hashes say what to compare, the indexes say where their warnings go.
 */
export interface LineResult {
  issues: LineIssue[]
  hasError: boolean
  /** 64-bit hash of a valid conversation id (type and value), as two uint32. */
  idHash: [number, number] | null
  idText: string | null
  /** The key that named the conversation: `conversation_id`, or `id` outside native. */
  idPath: string
  /** 64-bit hash of the turns (or the text), when they were all read. */
  conversationHash: [number, number] | null
  /** Where a duplicate_conversation warning goes among `issues`. */
  duplicateAt: number
  stats: RecordStats | null
  /** The format the record's keys name (an index of FORMATS), UNRECOGNISED or NOT_A_RECORD. */
  format: number
  /** The format the record was read under (-1 for NOT_A_RECORD). */
  under: number
  /**
   * A record with no recognising key, met before the file's format was known: its result under
   * every format, by index (this result is the one under format 0).
   */
  alternatives: LineResult[] | null
}

export interface AnalysisContext {
  tokenizer: Tokenizer
  contextLimit: number
}

function notARecord (code: 'invalid_utf8' | 'invalid_json' | 'not_an_object', message: string): LineResult {
  return {
    issues: [[code, '', message]], hasError: true, idHash: null, idText: null, idPath: 'conversation_id',
    conversationHash: null, duplicateAt: -1, stats: null, format: NOT_A_RECORD, under: -1, alternatives: null
  }
}

/** The record read under one format, with the conversation-level rules when its turns were all read. */
function readAs (record: object, source: string, formatIndex: number, recognised: number, context: AnalysisContext): LineResult {
  const format = FORMATS[formatIndex]
  const scope = new RecordScope(context.tokenizer.specialTokens, source)
  format.read(record, scope)
  const conversation = scope.turnsValid
    ? conversationRules(scope, format.name, format.conversationPath, context.tokenizer, context.contextLimit)
    : { conversationHash: null, duplicateAt: -1, stats: null }
  return {
    issues: scope.issues,
    hasError: scope.hasError,
    idHash: scope.idHash,
    idText: scope.idText,
    idPath: scope.idPath,
    conversationHash: conversation.conversationHash,
    duplicateAt: conversation.duplicateAt,
    stats: scope.hasError ? null : conversation.stats,
    format: recognised,
    under: formatIndex,
    alternatives: null
  }
}

/**
 * One line: UTF-8, JSON, an object, then read by the format its keys name. A record with no
 * recognising key is read by the file's format (`fileFormat`), or, while that is not known yet
 * (-1), by every format, for the report to pick from once it is.
 */
export function analyseLine (bytes: Buffer, context: AnalysisContext, fileFormat = -1): LineResult {
  if (!isUtf8(bytes)) return notARecord('invalid_utf8', 'The line holds bytes that are not valid UTF-8.')
  const source = bytes.toString('utf8')
  let record: unknown
  try {
    record = JSON.parse(source)
  } catch (error) {
    return notARecord('invalid_json', `The line is not valid JSON: ${(error as Error).message}.`)
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    return notARecord('not_an_object', `Each line must be a JSON object; this one is ${describe(record)}.`)
  }
  const recognised = detectFormat(record)
  if (recognised !== -1) return readAs(record, source, recognised, recognised, context)
  if (fileFormat >= 0) return readAs(record, source, fileFormat, UNRECOGNISED, context)
  const alternatives = FORMATS.map((_, i) => readAs(record, source, i, UNRECOGNISED, context))
  alternatives[0].alternatives = alternatives
  return alternatives[0]
}
