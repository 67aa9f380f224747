import t from 'tap'
import fc from 'fast-check'
import { gzipSync } from 'node:zlib'
import { check } from './support.js'
import { SEVERITY, type IssueCode, type Report } from '../../src/validation/index.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 150)

const turn = fc.record({ role: fc.constantFrom('system', 'user', 'assistant', 'tool'), content: fc.string({ maxLength: 80 }) })
const validLine = fc.record({ conversation_id: fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.integer()), turns: fc.array(turn, { minLength: 1, maxLength: 5 }) })
  .map(record => JSON.stringify(record))
const dataset = fc.array(validLine, { minLength: 1, maxLength: 30 }).map(lines => Buffer.from(lines.join('\n') + '\n'))

/** One mutation of the bytes: what real files get wrong, and worse. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip'), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate'), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert'), at: fc.nat(), bytes: fc.constantFrom('\r', '\n', '\r\n', '\ufeff', '\0', '\xff\xfe', '\u2028', '{', '"', '\\') }),
  fc.record({ kind: fc.constant('deep'), at: fc.nat(), depth: fc.integer({ min: 1, max: 20_000 }) }),
  fc.record({ kind: fc.constant('huge'), at: fc.nat(), size: fc.integer({ min: 1000, max: 300_000 }) }),
  fc.record({ kind: fc.constant('gzip') })
)

function mutate (bytes: Buffer, m: { kind: string, at?: number, byte?: number, bytes?: string, depth?: number, size?: number }): Buffer {
  const at = (m.at ?? 0) % (bytes.length + 1)
  switch (m.kind) {
    case 'flip': { const copy = Buffer.from(bytes); if (copy.length) copy[at % copy.length] = m.byte!; return copy }
    case 'truncate': return bytes.subarray(0, at)
    case 'insert': return Buffer.concat([bytes.subarray(0, at), Buffer.from(m.bytes!, m.bytes === '\xff\xfe' ? 'latin1' : 'utf8'), bytes.subarray(at)])
    case 'deep': return Buffer.concat([bytes.subarray(0, at), Buffer.from('['.repeat(m.depth!) + ']'.repeat(m.depth!)), bytes.subarray(at)])
    case 'huge': return Buffer.concat([bytes.subarray(0, at), Buffer.alloc(m.size!, 'x'), bytes.subarray(at)])
    default: return gzipSync(bytes)
  }
}

function consistent (report: Report, lines: number): string | null {
  const kept = [...report.errors, ...report.warnings]
  if (kept.some(issue => issue.line < 0 || issue.line > lines)) return 'line number outside the file'
  if (report.errors.some(i => i.severity !== 'error') || report.warnings.some(i => i.severity !== 'warning')) return 'severity in the wrong list'
  for (const [code, count] of Object.entries(report.counts)) {
    const listed = kept.filter(issue => issue.code === code).length
    if (listed > count!) return `${code}: more issues listed than counted`
    const list = SEVERITY[code as IssueCode] === 'error' ? report.errors : report.warnings
    if (list.length < 100 && listed !== count) return `${code}: count ${count} but ${listed} listed under the cap`
  }
  const errors = Object.entries(report.counts).filter(([code]) => SEVERITY[code as IssueCode] === 'error').reduce((n, [, c]) => n + c!, 0)
  if ((errors > 0) !== (report.outcome === 'error')) return 'outcome disagrees with the error count'
  if (report.stats.conversations > report.stats.lines) return 'more conversations than lines'
  return null
}

t.test('mutated datasets: the engine never throws, stays bounded and reports consistent counts', async t => {
  let worst = 0
  await fc.assert(fc.asyncProperty(dataset, fc.array(mutation, { minLength: 1, maxLength: 4 }), async (bytes, mutations) => {
    const input = mutations.reduce(mutate, bytes)
    const before = process.memoryUsage().rss
    const report = await check(input, { chunkSize: 1 + (input.length % 7919), maxLineBytes: 200_000 })
    worst = Math.max(worst, process.memoryUsage().rss - before)
    const problem = consistent(report, report.stats.lines)
    if (problem) throw new Error(problem)
  }), { numRuns: RUNS })
  t.ok(worst < 256 * 1024 * 1024, `memory growth stayed bounded (worst ${Math.round(worst / 1048576)} MiB)`)
})
