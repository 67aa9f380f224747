// Schema elements of the columns the Parquet tests and the benchmark write.
import type { parquetWriteBuffer } from 'hyparquet-writer'

// hyparquet-writer brings its own hyparquet: its types, not the reader's.
export type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>[number]
/** One column: its element, or a nested column's whole subtree. */
export type ColumnSchema = SchemaElement[]

const text = (name: string): SchemaElement => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' })

/** A chat column as the Hugging Face Hub stores it (UltraChat): list<struct<role, content>>. */
export function messagesSchema (name = 'messages'): SchemaElement[] {
  return [
    { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', repetition_type: 'OPTIONAL', num_children: 2 },
    text('role'),
    text('content')
  ]
}

export const columns = {
  text,
  int64: (name: string): SchemaElement => ({ name, type: 'INT64', repetition_type: 'OPTIONAL' }),
  binary: (name: string): SchemaElement => ({ name, type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' }),
  date: (name: string): SchemaElement => ({ name, type: 'INT32', converted_type: 'DATE', repetition_type: 'OPTIONAL' }),
  timestamp: (name: string): SchemaElement => ({ name, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type: 'OPTIONAL' }),
  double: (name: string): SchemaElement => ({ name, type: 'DOUBLE', repetition_type: 'OPTIONAL' }),
  boolean: (name: string): SchemaElement => ({ name, type: 'BOOLEAN', repetition_type: 'OPTIONAL' })
}

