import type { RecordWriter } from './writer.js'
import { refuse } from './writer.js'

/**
 * Alpaca (LLaMA-Factory): `{"instruction", "input", "output", "system"?, "history"?}`. Only
 * conversations of an optional system turn then alternating user → assistant exchanges of plain,
 * trained text fit: the last exchange becomes instruction and output, the earlier ones history.
 * The user's text goes to `instruction` whole (`input` is ""): reading joins them anyway.
 */
export const alpacaWriter: RecordWriter = {
  format: 'alpaca',
  write (record) {
    const { conversation } = record
    if (conversation.text !== null) refuse(record, 'alpaca', 'a text record has no exchanges (export it as text)')
    if (conversation.tools !== null) refuse(record, 'alpaca', 'it declares tools, which alpaca cannot hold')
    const turns = conversation.turns
    let start = 0
    let system: string | null = null
    if (turns.length > 0 && turns[0].role === 'system') {
      system = turns[0].content
      start = 1
    }
    const pairs: Array<[string, string]> = []
    for (let i = start; i < turns.length; i += 2) {
      const user = turns[i]
      const assistant = turns[i + 1]
      if (user.role !== 'user') refuse(record, 'alpaca', `turn ${i} is ${user.role}, where alpaca needs a user turn (only user → assistant exchanges fit)`)
      if (assistant === undefined) refuse(record, 'alpaca', `turn ${i}, a user turn, has no assistant answer`)
      if (assistant.role !== 'assistant') refuse(record, 'alpaca', `turn ${i + 1} is ${assistant.role}, where alpaca needs the assistant's answer`)
      if (assistant.tool_calls !== null && assistant.tool_calls.length > 0) refuse(record, 'alpaca', `turn ${i + 1} makes tool calls, which alpaca cannot hold`)
      if (assistant.reasoning !== null) refuse(record, 'alpaca', `turn ${i + 1} has reasoning, which alpaca cannot hold`)
      if (assistant.weight === 0) refuse(record, 'alpaca', `turn ${i + 1} is a weight-0 assistant turn, which alpaca cannot hold`)
      pairs.push([user.content, assistant.content])
    }
    if (pairs.length === 0) refuse(record, 'alpaca', 'it has no user → assistant exchange')
    const [instruction, output] = pairs[pairs.length - 1]
    const out: Record<string, unknown> = {}
    if (record.id !== null) out.conversation_id = record.id
    out.instruction = instruction
    out.input = ''
    out.output = output
    if (system !== null) out.system = system
    if (pairs.length > 1) out.history = pairs.slice(0, -1)
    return out
  }
}
