import { alpacaWriter } from './alpaca.js'
import { nativeWriter } from './native.js'
import { openaiWriter } from './openai.js'
import { sharegptWriter } from './sharegpt.js'
import { textWriter, type RenderConversation } from './text.js'
import type { ExportFormat, RecordWriter } from './writer.js'

export { EXPORT_FORMATS, isExportFormat, jsonLine, NotWritable, type ExportFormat, type RecordWriter, type WritableRecord } from './writer.js'
export { readWritable } from './read.js'
export type { RenderConversation } from './text.js'

/** The writer of a format; `text` renders conversations with `render` (a model's chat template) when given. */
export function writerFor (format: ExportFormat, render: RenderConversation | null = null): RecordWriter {
  switch (format) {
    case 'openai': return openaiWriter
    case 'sharegpt': return sharegptWriter
    case 'native': return nativeWriter
    case 'alpaca': return alpacaWriter
    case 'text': return textWriter(render)
  }
}
