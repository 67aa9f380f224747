import { detectFormat, FORMATS } from '../formats/index.js'

/** The columns each format reads (beyond its recognising keys), plus the id columns. */
const FORMAT_COLUMNS: Record<string, string[]> = {
  native: ['conversation_id', 'turns'],
  openai: ['conversation_id', 'id', 'messages', 'tools'],
  sharegpt: ['conversation_id', 'id', 'conversations', 'system', 'tools'],
  prompt_completion: ['conversation_id', 'id', 'prompt', 'completion'],
  alpaca: ['conversation_id', 'id', 'system', 'history', 'instruction', 'input', 'output'],
  text: ['conversation_id', 'id', 'text']
}

/**
 * A Parquet file's columns that its record format reads: every row holds every column, so the
 * file's format is that of a record holding all of them (native when none is recognised).
 */
export function parquetColumnsFor (columns: string[]): string[] {
  const record = Object.fromEntries(columns.map(name => [name, null]))
  const index = detectFormat(record)
  const wanted = new Set(FORMAT_COLUMNS[FORMATS[index === -1 ? 0 : index].name])
  return columns.filter(name => wanted.has(name))
}
