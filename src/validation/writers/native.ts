import type { RecordWriter } from './writer.js'
import { refuse } from './writer.js'

/**
 * The v1 format: `{"conversation_id", "turns": [{"role", "content"}]}`. It holds roles and text
 * only: a record with tool calls, declared tools, reasoning or a weight-0 assistant turn is
 * refused. A record without an id gets `line-<N>` (its line in the source file): native needs one.
 */
export const nativeWriter: RecordWriter = {
  format: 'native',
  write (record) {
    const { conversation } = record
    if (conversation.text !== null) refuse(record, 'native', 'a text record has no turns (export it as text)')
    if (conversation.tools !== null) refuse(record, 'native', 'it declares tools, which native cannot hold')
    const turns = conversation.turns.map((turn, i) => {
      if (turn.tool_calls !== null && turn.tool_calls.length > 0) refuse(record, 'native', `turn ${i} makes tool calls, which native cannot hold`)
      if (turn.reasoning !== null) refuse(record, 'native', `turn ${i} has reasoning, which native cannot hold`)
      if (turn.weight === 0 && turn.role === 'assistant') refuse(record, 'native', `turn ${i} is a weight-0 assistant turn, which native cannot hold`)
      return { role: turn.role, content: turn.content }
    })
    return { conversation_id: record.id ?? `line-${record.line}`, turns }
  }
}
