export { validate } from './validate.js'
export { loadTokenizer, isTokenizerName, isTokenizerId, modelList, TOKENIZERS, TOKENIZER_IDS, TOKENIZER_CHOICES, type TokenizerName, type TokenizerId, type Tokenizer } from './tokenizers/index.js'
export { createAnalysisPool, type AnalysisPool } from './threads/pool.js'
export { FORMATS, FORMAT_NAMES, detectFormat, formatIndex, type FormatName, type RecordFormat } from './formats/index.js'
export type { Conversation, ToolCall, Turn } from './turns/turn.js'
export * from './types.js'

/** Analysis threads worth using for an input of this many stored bytes (1: no worker threads). */
export function threadsFor (bytes: number, cpus: number): number {
  return bytes >= 16 * 1024 * 1024 ? Math.max(1, Math.min(cpus, 4)) : 1
}
