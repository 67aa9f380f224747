// The same JSON Lines records as the other file kinds, for the benchmarks: one JSON array
// (one element per line, as most `.json` datasets are written) and Parquet written by
// hyparquet-writer (the npm writer; turns as list<struct<role, content>>, metadata a struct).
import { createReadStream, createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { fileWriter, parquetWriteRows } from 'hyparquet-writer'

async function * records (jsonl: string) {
  for await (const line of createInterface({ input: createReadStream(jsonl), crlfDelay: Infinity })) {
    if (line) yield JSON.parse(line) as Record<string, unknown>
  }
}

/** The records of a JSON Lines file as one JSON array, one element per line. */
export async function writeArray (jsonl: string, path: string): Promise<void> {
  const out = createWriteStream(path)
  out.write('[\n')
  let first = true
  for await (const line of createInterface({ input: createReadStream(jsonl), crlfDelay: Infinity })) {
    if (!line) continue
    if (!out.write((first ? '' : ',\n') + line)) await once(out, 'drain')
    first = false
  }
  out.end('\n]\n')
  await once(out, 'finish')
}

const text = (name: string) => ({ name, type: 'BYTE_ARRAY' as const, converted_type: 'UTF8' as const, repetition_type: 'OPTIONAL' as const })

/**
 * The records of a native-format JSON Lines file (bench/generate.ts) as Parquet, snappy pages,
 * `rowsPerGroup` rows per row group; `offsetIndex` false writes no page index (as pyarrow by default).
 */
export async function writeParquet (jsonl: string, path: string, rowsPerGroup: number, { offsetIndex = true, pageSize = 1024 * 1024 } = {}): Promise<void> {
  const schema = [
    { name: 'root', num_children: 3 },
    text('conversation_id'),
    { name: 'turns', repetition_type: 'OPTIONAL' as const, converted_type: 'LIST' as const, num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED' as const, num_children: 1 },
    { name: 'element', repetition_type: 'OPTIONAL' as const, num_children: 2 },
    text('role'),
    text('content'),
    { name: 'metadata', repetition_type: 'OPTIONAL' as const, num_children: 2 },
    text('source'),
    { name: 'index', type: 'INT64' as const, repetition_type: 'OPTIONAL' as const }
  ]
  async function * rows () {
    for await (const record of records(jsonl)) {
      const metadata = record.metadata as { source: string, index: number }
      yield { ...record, metadata: { source: metadata.source, index: BigInt(metadata.index) } }
    }
  }
  await parquetWriteRows({
    writer: fileWriter(path),
    rows: rows(),
    columns: ['conversation_id', 'turns', 'metadata'].map(name => ({ name, offsetIndex })),
    schema,
    codec: 'SNAPPY',
    rowGroupSize: rowsPerGroup,
    pageSize,
    // The generated texts repeat a few sentences; real chat text has no small dictionary, so
    // writers (pyarrow: past 1 MiB) store it plain: so here.
    dictionarySize: 64 * 1024
  })
}
