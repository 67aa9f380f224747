import type { RecordView } from '../datasets/records.js'
import type { Turn } from '../validation/index.js'
import { vocabulary } from '../datasets/vocabulary.js'

// What the conversation viewer (views/datasets/_records.eta) shows of a record's turns: each
// tool call with its arguments pretty-printed and an anchor, each tool result with the call it
// answers, weight-0 assistant turns marked. The turns themselves are the records API's turn model.

export interface ShownCall { anchor: string, name: string, id: string | null, arguments: string }

export interface ShownTurn {
  role: string
  /** A role the viewer has a colour for. */
  known: boolean
  content: string
  reasoning: string | null
  /** An assistant turn of weight 0: context, not trained. */
  notTrained: boolean
  calls: ShownCall[]
  /** A tool turn: the call it answers (by tool_call_id, else the next unanswered call), when there is one. */
  answers: { anchor: string, name: string, id: string | null } | null
  toolCallId: string | null
}

/** Arguments as JSON text, indented; text that is not JSON as written. */
export function prettyArguments (text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}

export function shownTurns (record: Pick<RecordView, 'line' | 'turns'>): ShownTurn[] {
  const byId = new Map<string, ShownCall>()
  // ShareGPT's function_call/observation pairs have no ids: results answer the calls in order.
  let pending: ShownCall[] = []
  return (record.turns ?? []).map((turn: Turn, t) => {
    const calls = (turn.tool_calls ?? []).map((call, c): ShownCall => ({
      anchor: `line-${record.line}-call-${t}-${c}`, name: call.name, id: call.id, arguments: prettyArguments(call.arguments)
    }))
    if (calls.length > 0) {
      pending = [...calls]
      for (const call of calls) if (call.id !== null) byId.set(call.id, call)
    }
    let answers: ShownTurn['answers'] = null
    if (turn.role === 'tool') {
      const call = turn.tool_call_id !== null ? byId.get(turn.tool_call_id) : pending[0]
      if (call) {
        answers = { anchor: call.anchor, name: call.name, id: call.id }
        pending = pending.filter(other => other !== call)
      }
    }
    return {
      role: turn.role,
      known: vocabulary.isKnownRole(turn.role),
      content: turn.content,
      reasoning: turn.reasoning,
      notTrained: turn.role === 'assistant' && turn.weight === 0,
      calls,
      answers,
      toolCallId: turn.tool_call_id
    }
  })
}
