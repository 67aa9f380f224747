import type { ToolCall } from '../turns/turn.js'
import { own } from '../turns/own.js'
import { describe, isObject, type RecordScope } from './scope.js'

/** The declared tools of a record: their names, in OpenAI's shape; null when none are declared. */
export interface DeclaredTools { names: Set<string>, tools: unknown[] }

/** Whether text holds one JSON value; the parser's complaint when it does not. */
export function jsonProblem (text: string): string | null {
  try {
    JSON.parse(text)
    return null
  } catch (error) {
    return (error as Error).message
  }
}

/**
 * A tools list: each item a function declaration with a name (`wrapped`: OpenAI's
 * `{"type": "function", "function": {...}}`, else ShareGPT's bare `{...}`). Either the tools,
 * or what is wrong with the list.
 */
export function readToolList (list: unknown[], wrapped: boolean): DeclaredTools | string {
  const names = new Set<string>()
  const tools: unknown[] = []
  for (let k = 0; k < list.length; k++) {
    const item = list[k]
    const declaration = wrapped && isObject(item) && own(item, 'type') === 'function' ? own(item, 'function') : wrapped ? undefined : item
    const name = isObject(declaration) ? own(declaration, 'name') : undefined
    if (typeof name !== 'string' || name === '') {
      return wrapped
        ? `tools[${k}] must be {"type": "function", "function": {"name": ..., ...}}; it is ${describe(item)}${isObject(item) ? ' without that shape' : ''}.`
        : `tools[${k}] must be {"name": ..., ...}; it is ${describe(item)}${isObject(item) ? ' without a "name" string' : ''}.`
    }
    names.add(name)
    tools.push(wrapped ? item : { type: 'function', function: declaration })
  }
  return { names, tools }
}

/** The warning for a call of a tool the record does not declare (only when it declares tools). */
export function checkDeclared (call: ToolCall, declared: DeclaredTools | null, path: string, scope: RecordScope): void {
  if (declared && !declared.names.has(call.name)) {
    scope.issue('undeclared_tool', path, `${path} calls ${JSON.stringify(call.name)}, which "tools" does not declare.`)
  }
}
