import type { Role, ToolCall } from '../turns/turn.js'
import { own } from '../turns/own.js'
import type { RecordFormat } from './record-format.js'
import { describe, isBlank, isObject, plainTurn, preview, readContainer, readId, readOptionalText, RecordScope } from './scope.js'
import { checkDeclared, readToolList, type DeclaredTools } from './tools.js'

// `from` values (FastChat, LLaMA-Factory). A Map: outside strings are never object keys.
const FROM = new Map<string, Role | 'function_call'>([
  ['human', 'user'], ['user', 'user'], ['gpt', 'assistant'], ['assistant', 'assistant'], ['system', 'system'],
  ['function_call', 'function_call'], ['observation', 'tool'], ['tool', 'tool']
])

/** `tools`: a string holding a JSON array of `{"name", ...}`; "" is none (LLaMA-Factory writes it). */
function readTools (record: object): DeclaredTools | string | null {
  const value = own(record, 'tools')
  if (value === undefined || value === null || value === '') return null
  if (typeof value !== 'string') return `"tools" must be a string holding a JSON array of function declarations; it is ${describe(value)}.`
  let list: unknown
  try {
    list = JSON.parse(value)
  } catch (error) {
    return `"tools" is not valid JSON (${(error as Error).message}).`
  }
  if (!Array.isArray(list)) return `"tools" must hold a JSON array of function declarations; it holds ${describe(list)}.`
  return readToolList(list, false)
}

/** A `function_call` turn's value: JSON `{"name", "arguments": object or string}`. */
function readCall (value: string): ToolCall | string {
  let call: unknown
  try {
    call = JSON.parse(value)
  } catch (error) {
    return `is not valid JSON (${(error as Error).message})`
  }
  if (!isObject(call)) return `must hold a JSON object {"name", "arguments"}; it holds ${describe(call)}`
  const name = own(call, 'name')
  const args = own(call, 'arguments')
  const problems: string[] = []
  if (typeof name !== 'string' || name === '') problems.push(name === undefined ? 'has no "name"' : `"name" must be a non-empty string; it is ${describe(name)}`)
  if (typeof args !== 'string' && !isObject(args)) problems.push(args === undefined ? 'has no "arguments"' : `"arguments" must be an object or a string; it is ${describe(args)}`)
  if (problems.length > 0) return problems.join('; ')
  // Arguments given as an object become their compact JSON text wherever the text is used.
  return { id: null, name: name as string, arguments: typeof args === 'string' ? args : JSON.stringify(args) }
}

/** ShareGPT (FastChat, LLaMA-Factory): `{"conversations": [{"from", "value"}], "system"?, "tools"?}`. */
export const sharegpt: RecordFormat = {
  name: 'sharegpt',
  recognises: record => Object.hasOwn(record, 'conversations'),
  conversationPath: 'conversations',
  read (record, scope) {
    readId(record, scope, false)
    const toolsOrProblem = readTools(record)
    const declared = typeof toolsOrProblem === 'string' ? null : toolsOrProblem
    // The system field comes first among the turns, but its issues after those of `conversations`.
    const system = new RecordScope(scope.specials, null)
    const systemText = readOptionalText(record, 'system', system)
    if (systemText !== null && !isBlank(systemText)) {
      system.checkSpecialTokens('system', systemText)
      scope.turn('system', plainTurn('system', systemText))
    }
    const conversations = readContainer(record, 'conversations', scope)
    if (conversations !== null) {
      for (let i = 0; i < conversations.length; i++) readEntry(conversations[i], `conversations[${i}]`, scope, declared)
    }
    for (const [code, path, message] of system.issues) {
      if (system.turnsValid) scope.issue(code, path, message)
      else scope.turnError(code, path, message)
    }
    if (typeof toolsOrProblem === 'string') scope.issue('invalid_tools', 'tools', toolsOrProblem)
    else if (toolsOrProblem !== null) scope.tools = toolsOrProblem.tools
  }
}

function readEntry (entry: unknown, path: string, scope: RecordScope, declared: DeclaredTools | null): void {
  if (!isObject(entry)) {
    scope.turnError('invalid_turn', path, `${path} must be an object; it is ${describe(entry)}.`)
    return
  }
  const from = own(entry, 'from')
  const value = own(entry, 'value')
  let kind: Role | 'function_call' | undefined
  if (typeof from !== 'string') {
    scope.turnError('missing_role', `${path}.from`, from === undefined ? `${path} has no "from".` : `${path}.from must be a string; it is ${describe(from)}.`)
  } else if ((kind = FROM.get(from)) === undefined) {
    scope.turnError('unknown_role', `${path}.from`, `${path}.from ${preview(from)} is not one of human, user, gpt, assistant, system, function_call, observation, tool.`)
  }
  if (typeof value !== 'string') {
    scope.turnError('missing_content', `${path}.value`, value === undefined ? `${path} has no "value".` : `${path}.value must be a string; it is ${describe(value)}.`)
    return
  }
  if (kind === 'function_call') {
    const call = readCall(value)
    if (typeof call === 'string') {
      scope.turnError('invalid_tool_call', `${path}.value`, `${path}.value ${call}.`)
      return
    }
    checkDeclared(call, declared, `${path}.value`, scope)
    scope.turn(path, { role: 'assistant', content: '', tool_calls: [call], reasoning: null, weight: 1, tool_call_id: null })
    return
  }
  scope.checkText(path, value, '.value')
  if (kind !== undefined) scope.turn(path, plainTurn(kind, value))
}
