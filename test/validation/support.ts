import { Readable } from 'node:stream'
import { validate } from '../../src/validation/index.js'
import type { Report, ValidationOptions } from '../../src/validation/index.js'

/** Validates bytes given whole, or in chunks of `chunkSize` to exercise chunk boundaries. */
export async function check (input: string | Buffer, options: ValidationOptions & { chunkSize?: number } = {}): Promise<Report> {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input
  const size = options.chunkSize ?? 64 * 1024
  const chunks: Buffer[] = []
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size))
  return await validate(Readable.from(chunks), options)
}

export const turn = (role: string, content: string) => ({ role, content })
export const record = (id: unknown, turns: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ conversation_id: id, turns, ...extra })
export const ok = (id: unknown = 'c1') => record(id, [turn('user', `Hi ${JSON.stringify(id)}`), turn('assistant', 'Hello!')])

/** [line, code, path] of every issue kept, errors then warnings. */
export const issues = (report: Report) => [...report.errors, ...report.warnings].map(i => [i.line, i.code, i.path])
export const codes = (report: Report) => [...report.errors, ...report.warnings].map(i => i.code)
