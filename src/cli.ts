import { createReadStream, statSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { ConfigError, loadEngineSettings } from './config.js'
import { fileByteSource } from './validation/files/byte-source.js'
import { FILE_KIND_LABELS, type StoredFileKind as FileKind } from './validation/files/stored-file.js'
import { DEFAULT_CONTEXT_LIMIT, isTokenizerName, severityOf, threadsFor, TOKENIZERS, validate, type Issue, type Report } from './validation/index.js'

const USAGE = `Usage: validate FILE [--tokenizer ${TOKENIZERS.join('|')}] [--context-limit N] [--json]
Validates a conversation dataset (JSON Lines or a JSON array, plain or gzip; Parquet) with the engine the server uses.
Exit status: 0 ready, 1 error, 2 usage or I/O problem.`

const SHOWN_ISSUES = 20

class UsageError extends Error {}

function parse (argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      tokenizer: { type: 'string', default: 'o200k_base' },
      'context-limit': { type: 'string', default: String(DEFAULT_CONTEXT_LIMIT) },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) return null
  const [command, file, ...extra] = positionals
  if (command !== 'validate') throw new UsageError(command === undefined ? 'No command given.' : `Unknown command "${command}".`)
  if (!file) throw new UsageError('No FILE given.')
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}".`)
  if (!isTokenizerName(values.tokenizer)) throw new UsageError(`Unknown tokenizer "${values.tokenizer}": use ${TOKENIZERS.join(' or ')}.`)
  const limit = values['context-limit']
  if (!/^\d+$/.test(limit) || Number(limit) < 1) throw new UsageError(`--context-limit must be a positive whole number, got "${limit}".`)
  return { file, tokenizer: values.tokenizer, contextLimit: Number(limit), json: values.json }
}

const n = (value: number) => value.toLocaleString('en-US')

function issueLines (issues: Issue[]): string[] {
  return issues.slice(0, SHOWN_ISSUES).map(issue =>
    `  line ${issue.line}${issue.path ? ` ${issue.path}` : ''}: ${issue.code}: ${issue.message}`)
}

export function formatReport (file: string, tokenizer: string, report: Report, kind: FileKind = 'jsonl'): string {
  const { stats, counts } = report
  const t = stats.tokens_per_conversation
  let errorCount = 0
  let warningCount = 0
  for (const [code, count] of Object.entries(counts)) {
    if (severityOf(code) === 'error') errorCount += count!
    else warningCount += count!
  }
  const out = [
    `${basename(file)}: ${report.outcome === 'ready' ? 'READY' : 'ERROR'} (${n(errorCount)} errors, ${n(warningCount)} warnings)`,
    `  ${n(stats.conversations)} conversations, ${n(stats.turns)} turns (avg ${stats.avg_turns}), ${n(stats.training_pairs)} training pairs`,
    `  ${n(stats.tokens)} tokens (${tokenizer}), ${n(stats.assistant_tokens)} in assistant turns`,
    `  tokens per conversation: min ${n(t.min)}, p50 ${n(t.p50)}, p95 ${n(t.p95)}, max ${n(t.max)}`,
    `  format ${stats.format}, ${n(stats.tool_calls)} tool calls; ${n(stats.packed_sequences)} packed sequences, ${n(stats.over_limit)} conversations over the context limit`,
    `  roles: ${Object.entries(stats.role_counts).map(([role, count]) => `${role} ${n(count)}`).join(', ')}`,
    `  ${FILE_KIND_LABELS[kind]}: ${n(stats.bytes)} bytes, ${n(stats.lines)} ${kind === 'parquet' ? 'rows' : 'lines'}`
  ]
  for (const note of report.notes ?? []) out.splice(1, 0, `  note: ${note.message}`)
  const codes = Object.entries(counts).map(([code, count]) => `${code} ×${n(count!)}`)
  if (codes.length) out.push(`  issues: ${codes.join(', ')}`)
  if (report.errors.length) out.push(`Errors (first ${Math.min(SHOWN_ISSUES, report.errors.length)}):`, ...issueLines(report.errors))
  if (report.warnings.length) out.push(`Warnings (first ${Math.min(SHOWN_ISSUES, report.warnings.length)}):`, ...issueLines(report.warnings))
  return out.join('\n') + '\n'
}

export async function main (argv: string[]): Promise<number> {
  let options
  try {
    options = parse(argv)
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`)
    return 2
  }
  let settings
  try {
    settings = loadEngineSettings()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`${error.message}\n`)
    return 2
  }
  if (options === null) {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  let size: number
  try {
    const stat = statSync(options.file)
    if (!stat.isFile()) throw new Error('not a regular file')
    size = stat.size
  } catch (error) {
    process.stderr.write(`Cannot read ${options.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`)
    return 2
  }
  let report: Report
  let source: Awaited<ReturnType<typeof fileByteSource>> | null = null
  let kind: FileKind = 'jsonl'
  try {
    source = await fileByteSource(options.file)
    report = await validate({ name: options.file, stream: () => createReadStream(options.file), range: () => source! }, {
      tokenizer: options.tokenizer,
      contextLimit: options.contextLimit,
      threads: threadsFor(size, availableParallelism()),
      settings,
      onFileKind: read => { kind = read }
    })
  } catch (error) {
    process.stderr.write(`Cannot read ${options.file}: ${(error as Error).message}\n`)
    return 2
  } finally {
    await source?.close()
  }
  process.stdout.write(options.json ? JSON.stringify(report) + '\n' : formatReport(options.file, options.tokenizer, report, kind))
  return report.outcome === 'ready' ? 0 : 1
}

main(process.argv.slice(2)).then(code => { process.exitCode = code }, error => {
  process.stderr.write(`validate failed: ${(error as Error).message}\n`)
  process.exitCode = 2
})
