import type { RecordScope } from './scope.js'

export type FormatName = 'native' | 'openai' | 'sharegpt' | 'prompt_completion' | 'alpaca' | 'text'

/**
 * One record format (dataset-format.md, "Record formats"): how a record is recognised, and how
 * it is read into turns with its own field names in every issue path. A new format is one new
 * file that exports one of these, listed in formats/index.ts.
 */
export interface RecordFormat {
  name: FormatName
  /** Whether the record holds this format's recognising key(s) (own keys only). */
  recognises: (record: object) => boolean
  /** Where conversation-level issues point: the turns container, `text`, or "" (the whole record). */
  conversationPath: string
  /** Reads the record into `scope`: issues in the record's path order, then the turns. */
  read: (record: object, scope: RecordScope) => void
}
