import type { RecordWriter } from './writer.js'
import { refuse } from './writer.js'

const FROM = { user: 'human', assistant: 'gpt', system: 'system', tool: 'observation' } as const

/** A call's arguments as LLaMA-Factory writes them: an object when that loses nothing, else the text. */
function callArguments (text: string): unknown {
  try {
    const value: unknown = JSON.parse(text)
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && JSON.stringify(value) === text) return value
  } catch {
    // not JSON: written as the text it is
  }
  return text
}

/**
 * ShareGPT as LLaMA-Factory reads it: `{"conversations": [{"from", "value"}], "system"?, "tools"?}`
 * with `human`, `gpt`, `function_call` (one entry per call: JSON `{"name", "arguments"}`) and
 * `observation`; a first system turn goes to `system`, declared tools to `tools` (a JSON string of
 * bare declarations). An assistant turn with text and calls becomes a `gpt` entry, then its calls.
 * ShareGPT has no weights, reasoning or call ids: a weight-0 assistant turn or reasoning is
 * refused (either would change what is trained); call ids are not kept.
 */
export const sharegptWriter: RecordWriter = {
  format: 'sharegpt',
  write (record) {
    const { conversation } = record
    if (conversation.text !== null) refuse(record, 'sharegpt', 'a text record has no turns (export it as text)')
    const turns = conversation.turns
    let system: string | null = null
    const entries: Array<{ from: string, value: string }> = []
    for (let i = 0; i < turns.length; i++) {
      const turn = turns[i]
      if (turn.reasoning !== null) refuse(record, 'sharegpt', `turn ${i} has reasoning, which sharegpt cannot hold`)
      if (turn.weight === 0 && turn.role === 'assistant') refuse(record, 'sharegpt', `turn ${i} is a weight-0 assistant turn, which sharegpt cannot hold`)
      if (i === 0 && turn.role === 'system') {
        system = turn.content
        continue
      }
      const calls = turn.tool_calls ?? []
      if (calls.length === 0 || turn.content !== '') entries.push({ from: FROM[turn.role], value: turn.content })
      for (const call of calls) entries.push({ from: 'function_call', value: JSON.stringify({ name: call.name, arguments: callArguments(call.arguments) }) })
    }
    if (entries.length === 0) refuse(record, 'sharegpt', 'it has only a system turn')
    const out: Record<string, unknown> = {}
    if (record.id !== null) out.conversation_id = record.id
    out.conversations = entries
    if (system !== null) out.system = system
    if (conversation.tools !== null) {
      out.tools = JSON.stringify(conversation.tools.map(tool => (tool as { function: unknown }).function))
    }
    return out
  }
}
