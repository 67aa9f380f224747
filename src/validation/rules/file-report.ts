import { FORMATS } from '../formats/index.js'
import type { IssueCode, RecordVerdict, Report } from '../types.js'
import { NOT_A_RECORD, type LineResult } from './record.js'
import { ReportBuilder } from './report.js'

/**
 * The report of a file whose format is learnt as its lines come, in order (dataset-format.md,
 * "Record formats"): the first record that holds a recognising key sets the file's format; a
 * record of another format is `mixed_formats`. Until the format is known, every line goes to
 * one report per format (a record with no recognising key with its result under that format),
 * and the one of the file's format is kept: memory stays bounded however late the format
 * shows, and the lines before it get exactly the issues of the file's format. With no
 * recognised record at all, the file is native.
 */
export class FileReport {
  private builders: ReportBuilder[]
  private format = -1
  private formatLine = 0

  private readonly verdict: RecordVerdict = { error: false, overLimit: false, hash: null }

  constructor (maxIssues: number, private readonly contextLimit: number, private readonly onRecord: ((line: number, verdict: RecordVerdict) => void) | null = null) {
    this.builders = FORMATS.map(format => new ReportBuilder(maxIssues, contextLimit, format))
  }

  /** A line that is an error whatever the file's format (too long). */
  errorLine (line: number): void {
    if (this.onRecord === null) return
    this.verdict.error = true
    this.verdict.overLimit = false
    this.verdict.hash = null
    this.onRecord(line, this.verdict)
  }

  private tell (line: number, result: LineResult | null): void {
    if (this.onRecord === null) return
    // null: a record of another format than the file's, or with no recognising key before the
    // file's format is known (it lacks that format's key whatever the format turns out to be).
    const error = result === null || result.hasError
    this.verdict.error = error
    this.verdict.overLimit = !error && result.stats !== null && result.stats.tokens > this.contextLimit
    this.verdict.hash = result === null ? null : result.conversationHash
    this.onRecord(line, this.verdict)
  }

  /** The file's format as an index of FORMATS, or -1 while no record has named it. */
  get knownFormat (): number {
    return this.format
  }

  add (line: number, code: IssueCode, path: string, message: string): void {
    for (const builder of this.builders) builder.add(line, code, path, message)
  }

  addMany (line: number, count: number, code: IssueCode, path: string, message: string): void {
    for (const builder of this.builders) builder.addMany(line, count, code, path, message)
  }

  nonBlankLine (): void {
    for (const builder of this.builders) builder.nonBlankLine()
  }

  addLine (line: number, result: LineResult): void {
    if (result.format >= 0 && this.format === -1) {
      this.format = result.format
      this.formatLine = line
      this.builders = [this.builders[result.format]]
    }
    if (result.format === NOT_A_RECORD) {
      for (const builder of this.builders) builder.addLine(line, result)
      this.tell(line, result)
    } else if (result.format >= 0) {
      if (result.format === this.format) {
        this.builders[0].addLine(line, result)
        this.tell(line, result)
      } else {
        this.builders[0].addMixed(line, FORMATS[result.format].name, this.formatLine)
        this.tell(line, null)
      }
    } else if (this.format >= 0) {
      const chosen = result.under === this.format ? result : result.alternatives![this.format]
      this.builders[0].addLine(line, chosen)
      this.tell(line, chosen)
    } else {
      for (let f = 0; f < this.builders.length; f++) this.builders[f].addLine(line, result.under === f ? result : result.alternatives![f])
      this.tell(line, null)
    }
  }

  get hasRecords (): boolean {
    return this.builders[0].hasRecords
  }

  finish (bytes: number, lines: number): Report {
    return this.builders[0].finish(bytes, lines)
  }
}
