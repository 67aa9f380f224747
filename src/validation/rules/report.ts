import type { FormatName, RecordFormat } from '../formats/index.js'
import { HashLineMap } from './hash-map.js'
import { packedSequences } from './packing.js'
import type { LineResult } from './record.js'
import { ROLES, severityOf, type HistogramBin, type Issue, type IssueCode, type Report, type Stats } from '../types.js'

const HISTOGRAM_BINS = 20

/** Round half up to 2 decimals of a / b, exactly (no floating-point drift). */
export function ratio2 (a: number, b: number): number {
  if (b === 0) return 0
  return Math.floor((200 * a + b) / (2 * b)) / 100
}

/** Nearest-rank percentile of sorted values. */
function percentile (sorted: Uint32Array, p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]
}

/** The index of the first value above `limit` in ascending values. */
function upperBound (sorted: Uint32Array, limit: number): number {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (sorted[middle] <= limit) low = middle + 1
    else high = middle
  }
  return low
}

function histogram (sorted: Uint32Array): HistogramBin[] {
  if (sorted.length === 0) return []
  const max = sorted[sorted.length - 1]
  const width = Math.max(1, Math.ceil((max + 1) / HISTOGRAM_BINS))
  const bins: HistogramBin[] = []
  for (let from = 0; from <= max; from += width) bins.push({ from, to: from + width, count: 0 })
  for (const value of sorted) bins[Math.floor(value / width)].count++
  return bins
}

/**
 * Collects issues and statistics in file order: keeps the first N issues of each severity
 * and the exact count of every code, and runs the checks that compare a line with earlier
 * ones (duplicate ids and conversations).
 */
export class ReportBuilder {
  private readonly counts = new Map<IssueCode, number>()
  private readonly errors: Issue[] = []
  private readonly warnings: Issue[] = []
  private readonly ids = new HashLineMap()
  private readonly conversations = new HashLineMap()
  private tokensPerConversation = new Uint32Array(1024)
  private conversationCount = 0
  private turns = 0
  private trainingPairs = 0
  private tokens = 0
  private assistantTokens = 0
  private toolCalls = 0
  private readonly roles = [0, 0, 0, 0]
  private records = 0

  constructor (private readonly maxIssues: number, private readonly contextLimit: number, private readonly format: RecordFormat) {}

  add (line: number, code: IssueCode, path: string, message: string): void {
    this.counts.set(code, (this.counts.get(code) ?? 0) + 1)
    const severity = severityOf(code)!
    const list = severity === 'error' ? this.errors : this.warnings
    if (list.length < this.maxIssues) list.push({ line, code, severity, path, message })
  }

  /** The same issue on `count` consecutive lines from `line` on. */
  addMany (line: number, count: number, code: IssueCode, path: string, message: string): void {
    const list = severityOf(code) === 'error' ? this.errors : this.warnings
    const kept = Math.min(count, this.maxIssues - list.length)
    for (let i = 0; i < kept; i++) this.add(line + i, code, path, message)
    this.counts.set(code, (this.counts.get(code) ?? 0) + count - Math.max(0, kept))
  }

  /** A line that was not blank (counts towards "the file has records"). */
  nonBlankLine (): void {
    this.records++
  }

  addLine (line: number, result: LineResult): void {
    this.records++
    if (result.idHash) {
      const first = this.ids.firstLineOrAdd(result.idHash[0], result.idHash[1], line)
      if (first) this.add(line, 'duplicate_conversation_id', result.idPath, `${result.idPath} ${result.idText} already appeared on line ${first}.`)
    }
    const issues = result.issues
    for (let i = 0; i <= issues.length; i++) {
      if (i === result.duplicateAt && result.conversationHash) {
        const first = this.conversations.firstLineOrAdd(result.conversationHash[0], result.conversationHash[1], line)
        if (first) this.add(line, 'duplicate_conversation', this.format.conversationPath, `The same conversation already appeared on line ${first}.`)
      }
      if (i < issues.length) this.add(line, issues[i][0], issues[i][1], issues[i][2])
    }
    const stats = result.stats
    if (stats && !result.hasError) {
      if (this.conversationCount === this.tokensPerConversation.length) {
        const grown = new Uint32Array(this.tokensPerConversation.length * 2)
        grown.set(this.tokensPerConversation)
        this.tokensPerConversation = grown
      }
      this.tokensPerConversation[this.conversationCount++] = stats.tokens
      this.turns += stats.turns
      this.trainingPairs += stats.trainingPairs
      this.tokens += stats.tokens
      this.assistantTokens += stats.assistantTokens
      this.toolCalls += stats.toolCalls
      for (let r = 0; r < 4; r++) this.roles[r] += stats.roles[r]
    }
  }

  /** A record of another format than the file's: that is all that is said about it. */
  addMixed (line: number, format: FormatName, since: number): void {
    this.records++
    this.add(line, 'mixed_formats', '', `This record is in the ${format} format, but the file's format is ${this.format.name} (from line ${since}): a file holds one format.`)
  }

  get hasRecords (): boolean {
    return this.records > 0
  }

  finish (bytes: number, lines: number): Report {
    const sorted = this.tokensPerConversation.slice(0, this.conversationCount).sort()
    const n = this.conversationCount
    const stats: Stats = {
      conversations: n,
      turns: this.turns,
      avg_turns: ratio2(this.turns, n),
      training_pairs: this.trainingPairs,
      tokens: this.tokens,
      assistant_tokens: this.assistantTokens,
      tokens_per_conversation: {
        min: n ? sorted[0] : 0,
        p50: percentile(sorted, 0.5),
        p95: percentile(sorted, 0.95),
        max: n ? sorted[n - 1] : 0
      },
      tokens_histogram: histogram(sorted),
      role_counts: Object.fromEntries(ROLES.map((role, i) => [role, this.roles[i]])) as Stats['role_counts'],
      bytes,
      lines,
      format: this.format.name,
      packed_sequences: packedSequences(sorted, this.contextLimit),
      over_limit: n - upperBound(sorted, this.contextLimit),
      tool_calls: this.toolCalls
    }
    const hasErrors = [...this.counts].some(([code, count]) => severityOf(code) === 'error' && count > 0)
    return { outcome: hasErrors ? 'error' : 'ready', stats, counts: Object.fromEntries(this.counts), errors: this.errors, warnings: this.warnings }
  }
}
