// The Parquet files the tests read: what each holds, and what each row must become. The
// files are written by parquet-make.ts in a child process (tap's TypeScript loader cannot
// resolve hyparquet-writer's `hyparquet/src/*.js` imports; plain Node can).
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import type { CompressionCodec } from 'hyparquet'
import { columns, messagesSchema, type ColumnSchema } from './parquet-schema.js'

export const CODECS: CompressionCodec[] = ['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI', 'ZSTD', 'LZ4', 'LZ4_RAW']

export const conversation = (i: number) => [{ role: 'user', content: `Question ${i} é 😀` }, { role: 'assistant', content: `Answer ${i}` }]
export const SCHEMA: ColumnSchema[] = [[columns.int64('id')], messagesSchema(), [columns.binary('image')], [columns.text('source')]]

export function sample (rows: number, imageBytes = (i: number) => i % 5): unknown[][] {
  return [
    Array.from({ length: rows }, (_, i) => i === 1 ? null : BigInt(i)),
    Array.from({ length: rows }, (_, i) => i === 2 ? null : conversation(i)),
    Array.from({ length: rows }, (_, i) => Uint8Array.from({ length: imageBytes(i) }, (_, k) => (k * 7919 + i * 31) % 251)),
    Array.from({ length: rows }, (_, i) => i % 3 === 0 ? null : `src-${i}`)
  ]
}

/** What row i of `sample` becomes. */
export const expected = (i: number) => ({
  id: i === 1 ? null : i,
  messages: i === 2 ? null : conversation(i),
  image: { $binary: i % 5 },
  source: i % 3 === 0 ? null : `src-${i}`
})

export interface FileSpec {
  schema: ColumnSchema[]
  data: () => unknown[][]
  codec?: CompressionCodec
  rowGroupSize?: number
  pageSize?: number
}

export const INVALID_UTF8 = [0x61, 0xff, 0x22, 0x5c, 0x0a, 0xc3]

export const FILES: Record<string, FileSpec> = {
  ...Object.fromEntries(CODECS.map(codec => [`codec-${codec}`, { schema: SCHEMA, data: () => sample(25), codec, rowGroupSize: 10 }])),
  int64: {
    schema: [[columns.int64('id')]],
    data: () => [[0n, 9007199254740991n, 9007199254740992n, -9007199254740992n, -(2n ** 63n), null]]
  },
  types: {
    schema: [[columns.date('day')], [columns.timestamp('at')], [columns.double('score')], [columns.boolean('flag')]],
    data: () => [[0, 19874, null], [0n, 1717158601250n, null], [1.5, Number.NaN, null], [true, false, null]]
  },
  wide: { schema: SCHEMA, data: () => sample(200, () => 5000), codec: 'UNCOMPRESSED', rowGroupSize: 50 },
  binary: {
    schema: [[columns.binary('content')], [columns.text('text')]],
    data: () => [[new Uint8Array([104, 105])], [new Uint8Array(INVALID_UTF8)]]
  },
  drain: { schema: SCHEMA, data: () => sample(1200), rowGroupSize: 600 },
  gzip: { schema: SCHEMA, data: () => sample(30), codec: 'GZIP', rowGroupSize: 10 },
  small: { schema: SCHEMA, data: () => sample(20), rowGroupSize: 10 },
  zstd: { schema: SCHEMA, data: () => sample(12), codec: 'ZSTD', rowGroupSize: 5 },
  // Small pages: every column chunk has many, and an offset index that finds them by row.
  paged: { schema: SCHEMA, data: () => sample(300), rowGroupSize: 150, pageSize: 1000 }
}

/** Writes every file of FILES into `dir` as NAME.parquet. */
export function makeFiles (dir: string): void {
  execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'parquet-make.ts'), dir], { stdio: 'inherit' })
}
