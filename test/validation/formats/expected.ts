// Token counts of well-formed records in every format, computed without the engine's readers.
type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any
export interface Expected { tokens: number, assistant: number, turns: number, toolCalls: number }

/** The counts the contract gives for well-formed records, worked out from the raw JSON alone. */
export function expectedCounts (list: unknown[], count: (text: string) => number): Expected {
  const out: Expected = { tokens: 0, assistant: 0, turns: 0, toolCalls: 0 }
  const turn = (role: string, texts: string[], trained = true, calls = 0) => {
    const n = texts.reduce((sum, text) => sum + count(text), 0)
    out.tokens += n
    out.turns++
    if (role === 'assistant') {
      out.toolCalls += calls
      if (trained) out.assistant += n
    }
  }
  for (const r of list as Json[]) {
    if (r.messages) {
      for (const m of r.messages) {
        const content = Array.isArray(m.content) ? m.content.map((p: Json) => p.text).join('') : m.content ?? ''
        const calls: Json[] = [...(m.tool_calls ?? []).map((c: Json) => c.function), ...(m.function_call ? [m.function_call] : [])]
        const texts = [content, m.reasoning_content ?? '', ...calls.flatMap(c => [c.name, c.arguments])]
        turn(m.role === 'developer' ? 'system' : m.role === 'function' ? 'tool' : m.role, texts, m.weight !== 0, calls.length)
      }
    } else if (r.conversations) {
      if (r.system) turn('system', [r.system])
      for (const c of r.conversations) {
        if (c.from === 'function_call') {
          const call = JSON.parse(c.value)
          turn('assistant', [call.name, typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments)], true, 1)
        } else {
          turn(c.from === 'human' ? 'user' : c.from === 'gpt' ? 'assistant' : c.from === 'observation' ? 'tool' : c.from, [c.value])
        }
      }
    } else if (r.instruction !== undefined) {
      if (r.system) turn('system', [r.system])
      for (const [q, a] of r.history ?? []) { turn('user', [q]); turn('assistant', [a]) }
      turn('user', [r.input ? `${r.instruction}\n${r.input}` : r.instruction])
      turn('assistant', [r.output])
    } else if (r.prompt !== undefined) {
      turn('user', [r.prompt])
      turn('assistant', [r.completion])
    } else {
      const n = count(r.text)
      out.tokens += n
      out.assistant += n
    }
  }
  return out
}
