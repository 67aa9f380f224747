import type { RecordWriter } from './writer.js'
import { refuse } from './writer.js'

/**
 * OpenAI chat fine-tuning: `{"messages": [...], "tools"?}`. Tool calls, tool results, reasoning
 * (`reasoning_content`) and weight 0 are kept; weight 1 is the default and is not written. Calls
 * without an id (ShareGPT, legacy function_call) get `call_<turn>_<k>`, and a tool result
 * without a `tool_call_id` answers the earliest unanswered call before it (ShareGPT's
 * `observation` answers in order).
 */
export const openaiWriter: RecordWriter = {
  format: 'openai',
  write (record) {
    const { conversation } = record
    if (conversation.text !== null) refuse(record, 'openai', 'a text record has no messages (export it as text)')
    const pending: string[] = []
    let lastCall: string | null = null
    const messages = conversation.turns.map((turn, i) => {
      const message: Record<string, unknown> = { role: turn.role, content: turn.content }
      if (turn.tool_calls !== null && turn.tool_calls.length > 0) {
        message.tool_calls = turn.tool_calls.map((call, k) => {
          const id = call.id ?? `call_${i}_${k}`
          pending.push(id)
          lastCall = id
          return { id, type: 'function', function: { name: call.name, arguments: call.arguments } }
        })
      }
      if (turn.reasoning !== null) message.reasoning_content = turn.reasoning
      if (turn.role === 'tool') {
        let id = turn.tool_call_id
        if (id !== null) {
          const at = pending.indexOf(id)
          if (at !== -1) pending.splice(at, 1)
        } else {
          id = pending.shift() ?? lastCall
        }
        if (id === null) refuse(record, 'openai', `turn ${i} is a tool result that answers no earlier tool call`)
        message.tool_call_id = id
      }
      if (turn.weight === 0 && turn.role === 'assistant') message.weight = 0
      return message
    })
    const out: Record<string, unknown> = {}
    if (record.id !== null) out.conversation_id = record.id
    out.messages = messages
    if (conversation.tools !== null) out.tools = conversation.tools
    return out
  }
}
