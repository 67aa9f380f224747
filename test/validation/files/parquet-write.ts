// Parquet files for the tests and the benchmark, written with hyparquet-writer and real
// compressors: zlib's gzip and brotli, zstd-codec's zstd and lz4js's LZ4 blocks.
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { parquetWriteBuffer } from 'hyparquet-writer'
import type { CompressionCodec } from 'hyparquet'
import type { ColumnSchema } from './parquet-schema.js'
import lz4 from 'lz4js'
import zstdCodec from 'zstd-codec'

const zstd = await new Promise<{ compress: (data: Uint8Array, level: number) => Uint8Array }>(resolve => {
  zstdCodec.ZstdCodec.run(binding => resolve(new binding.Simple()))
})

function lz4Block (input: Uint8Array): Uint8Array {
  const output = new Uint8Array(lz4.compressBound(input.length))
  const length = lz4.compressBlock(input, output, 0, input.length, new Uint32Array(1 << 16))
  if (length > 0) return output.subarray(0, length)
  // lz4js answers 0 when it found no match: then the block is one run of literals.
  const head = [Math.min(input.length, 15) << 4]
  if (input.length >= 15) {
    let rest = input.length - 15
    for (; rest >= 255; rest -= 255) head.push(255)
    head.push(rest)
  }
  return Buffer.concat([Uint8Array.from(head), input])
}

export const COMPRESSORS = {
  GZIP: (input: Uint8Array) => gzipSync(input),
  BROTLI: (input: Uint8Array) => brotliCompressSync(input),
  ZSTD: (input: Uint8Array) => zstd.compress(input, 3),
  LZ4_RAW: lz4Block,
  // The deprecated LZ4 codec as Hadoop frames it: big-endian sizes, then one block.
  LZ4: (input: Uint8Array) => {
    const block = lz4Block(input)
    const framed = Buffer.alloc(8 + block.length)
    framed.writeUInt32BE(input.length, 0)
    framed.writeUInt32BE(block.length, 4)
    framed.set(block, 8)
    return framed
  }
}

/**
 * A Parquet file of `data` (one array of cells per column, in schema order): `schema` lists
 * the columns' elements (a nested column's whole subtree), `rowGroupSize` rows per group.
 */
export function writeParquet (schema: ColumnSchema[], data: unknown[][], { codec = 'SNAPPY' as CompressionCodec, rowGroupSize = 1000, pageSize = 1024 * 1024 }: { codec?: CompressionCodec, rowGroupSize?: number, pageSize?: number } = {}): Buffer {
  const elements = [{ name: 'root', num_children: schema.length }, ...schema.flat()]
  const buffer = parquetWriteBuffer({
    schema: elements,
    codec,
    compressors: COMPRESSORS,
    rowGroupSize,
    pageSize,
    columnData: schema.map((column, i) => ({ name: column[0].name, data: data[i] }))
  })
  return Buffer.from(buffer)
}
