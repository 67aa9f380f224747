import type { TokenizerId } from './tokenizers/index.js'
import type { Role } from './turns/turn.js'
import type { FormatName } from './formats/record-format.js'

/** The validation contract's issue codes (../shared/dataset-format.md) and their severity. */
export const SEVERITY = {
  empty_file: 'error',
  line_too_long: 'error',
  invalid_json: 'error',
  invalid_utf8: 'error',
  not_an_object: 'error',
  missing_conversation_id: 'error',
  invalid_conversation_id: 'error',
  missing_turns: 'error',
  invalid_turns: 'error',
  invalid_turn: 'error',
  missing_role: 'error',
  unknown_role: 'error',
  missing_content: 'error',
  invalid_gzip: 'error',
  bom: 'warning',
  blank_line: 'warning',
  duplicate_conversation_id: 'warning',
  empty_content: 'warning',
  no_assistant_turn: 'warning',
  duplicate_conversation: 'warning',
  too_many_tokens: 'warning',
  special_token_in_content: 'warning',
  // v2: record formats
  mixed_formats: 'error',
  unsupported_content: 'error',
  invalid_tool_call: 'error',
  unknown_tool_call_id: 'error',
  invalid_tools: 'error',
  invalid_weight: 'error',
  invalid_field: 'error',
  undeclared_tool: 'warning',
  weight_ignored: 'warning',
  consecutive_roles: 'warning',
  system_not_first: 'warning',
  // v2: file kinds and models (read by their own modules)
  invalid_parquet: 'error',
  template_error: 'error'
} as const

export type IssueCode = keyof typeof SEVERITY
export type Severity = 'error' | 'warning'

// Codes read back from a stored report or a query are outside strings: looked up in a Map.
const SEVERITY_OF = new Map<string, Severity>(Object.entries(SEVERITY))

export function isIssueCode (value: unknown): value is IssueCode {
  return typeof value === 'string' && SEVERITY_OF.has(value)
}

/** The severity of a code, or undefined for a string that is not one. */
export function severityOf (code: string): Severity | undefined {
  return SEVERITY_OF.get(code)
}

export interface Issue {
  line: number
  code: IssueCode
  severity: Severity
  path: string
  message: string
}

export type { Role }
export const ROLES: readonly Role[] = ['system', 'user', 'assistant', 'tool']

export interface HistogramBin { from: number, to: number, count: number }

export interface Stats {
  conversations: number
  turns: number
  avg_turns: number
  training_pairs: number
  tokens: number
  assistant_tokens: number
  tokens_per_conversation: { min: number, p50: number, p95: number, max: number }
  /** Conversations per token-count bin; `to` is exclusive except in the last bin. */
  tokens_histogram: HistogramBin[]
  role_counts: Record<Role, number>
  bytes: number
  lines: number
  /** v2: the file's record format. */
  format: FormatName
  /** v2: sequences of the context limit that the conversations within it fill, packed first-fit decreasing. */
  packed_sequences: number
  /** v2: conversations with more tokens than the context limit. */
  over_limit: number
  /** v2: tool calls in assistant turns. */
  tool_calls: number
}

/** What a person must know about the whole file, in words (a UTF-16 file, say). */
export interface ReportNote {
  code: 'utf16'
  message: string
}

export interface Report {
  outcome: 'ready' | 'error'
  stats: Stats
  counts: Partial<Record<IssueCode, number>>
  errors: Issue[]
  warnings: Issue[]
  /** File-level hints; present only when there is one. */
  notes?: ReportNote[]
}

/** The engine's tuning, read from the environment by src/config.ts only (README, "Configuration"). */
export interface EngineSettings {
  /** Bytes of lines handed to an analysis thread at once. */
  batchBytes: number
  /** Batches each analysis thread may have queued. */
  batchesInFlight: number
  /** V8 heap caps of each analysis thread (old and young generation), in MB. */
  workerHeapMb: number
  workerYoungMb: number
  /** Counts of merged pieces cached per thread. */
  tokenizerCacheSize: number
  /** Directory of the rank-table files; null: where `npm run build` writes them. */
  ranksDir: string | null
}

export const DEFAULT_ENGINE_SETTINGS: EngineSettings = {
  batchBytes: 256 * 1024,
  batchesInFlight: 2,
  workerHeapMb: 64,
  workerYoungMb: 8,
  tokenizerCacheSize: 20_000,
  ranksDir: null
}

export interface ValidationOptions {
  /** An encoding or a model id (GET /api/models). Default o200k_base. */
  tokenizer?: TokenizerId
  /** Conversations with more tokens get `too_many_tokens`. Default 8,192. */
  contextLimit?: number
  /** Longest accepted line in bytes, terminator excluded. Default 8 MiB. */
  maxLineBytes?: number
  /** Issues kept per severity (the counts stay exact). Default 100. */
  maxIssuesPerSeverity?: number
  /** Threads that analyse records: the calling one plus threads − 1 workers. Default 1 (no workers). */
  threads?: number
  /** A long-lived pool of worker threads that does all the analysis (overrides `threads`). */
  pool?: import('./threads/pool.js').AnalysisPool
  /** Tuning; a given pool's settings, then these, then the defaults. */
  settings?: Partial<EngineSettings>
  /** Told how the file was read (`jsonl`, `json_array`, `parquet`) once the read is done. */
  onFileKind?: (kind: 'jsonl' | 'json_array' | 'parquet') => void
  /**
   * Called for every non-blank line in file order with what the report decided of it (derive
   * uses it to know which lines to keep): the stored report keeps only the first issues.
   */
  onRecord?: (line: number, verdict: RecordVerdict) => void
  /** Given each record's bytes as it is read, before it is analysed (and before its onRecord): the bytes are only valid during the call. */
  onRecordBytes?: (line: number, bytes: Buffer) => void
}

/** What validation decided of one line (ValidationOptions.onRecord). */
export interface RecordVerdict {
  /** The line has an error (it counts in no statistic). */
  error: boolean
  /** A line without errors whose conversation has more tokens than the context limit. */
  overLimit: boolean
  /** The 64-bit hash duplicate_conversation compares (two uint32), when the turns were read; only valid during the call. */
  hash: [number, number] | null
}

export const DEFAULT_CONTEXT_LIMIT = 8192
export const DEFAULT_MAX_LINE_BYTES = 8 * 1024 * 1024
export const DEFAULT_MAX_ISSUES = 100
