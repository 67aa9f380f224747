import type { Role, ToolCall } from '../turns/turn.js'
import { own } from '../turns/own.js'
import { memberTexts } from './raw-json.js'
import type { RecordFormat } from './record-format.js'
import { describe, isObject, preview, readContainer, readId, type RecordScope } from './scope.js'
import { checkDeclared, jsonProblem, readToolList, type DeclaredTools } from './tools.js'

// `developer` is read as system, legacy `function` as tool. A Map: outside strings are never object keys.
const ROLES = new Map<string, Role>([
  ['system', 'system'], ['developer', 'system'], ['user', 'user'], ['assistant', 'assistant'], ['tool', 'tool'], ['function', 'tool']
])

function readTools (record: object): DeclaredTools | string | null {
  const value = own(record, 'tools')
  if (value === undefined || value === null) return null
  if (!Array.isArray(value)) return `"tools" must be an array of function declarations; it is ${describe(value)}.`
  return readToolList(value, true)
}

/** The text of `content`: a string, or text parts joined; null when it cannot be read (issues given). */
function readContent (message: object, path: string, scope: RecordScope, optional: boolean): string | null {
  const content = own(message, 'content')
  if (content === undefined || content === null) {
    if (optional) return ''
    scope.turnError('missing_content', `${path}.content`, content === null ? `${path}.content is null.` : `${path} has no "content".`)
    return null
  }
  if (typeof content === 'string') {
    if (!(optional && content === '')) scope.checkText(path, content, '.content')
    return content
  }
  if (!Array.isArray(content)) {
    scope.turnError('missing_content', `${path}.content`, `${path}.content must be a string or an array of content parts; it is ${describe(content)}.`)
    return null
  }
  let text = ''
  let readable = true
  for (let j = 0; j < content.length; j++) {
    const part = content[j]
    const partPath = `${path}.content[${j}]`
    const type = isObject(part) ? own(part, 'type') : undefined
    const partText = isObject(part) ? own(part, 'text') : undefined
    if (type === 'text' && typeof partText === 'string') {
      text += partText
    } else {
      readable = false
      scope.turnError('unsupported_content', partPath, type === 'text'
        ? `${partPath} is a text part without a "text" string.`
        : `${partPath} is ${typeof type === 'string' ? `a part of type ${preview(type)}` : describe(part)}: only text parts can be trained (this pipeline trains text models).`)
    }
  }
  if (!readable) return null
  if (!(optional && text === '')) scope.checkText(path, text, '.content')
  return text
}

/** What is wrong with one call of `tool_calls`, or the call. */
function readCall (call: unknown): ToolCall | string[] {
  if (!isObject(call)) return [`must be an object; it is ${describe(call)}`]
  const problems: string[] = []
  const id = own(call, 'id')
  if (typeof id !== 'string' || id === '') problems.push(id === undefined ? 'has no "id"' : `"id" must be a non-empty string; it is ${describe(id)}`)
  if (own(call, 'type') !== 'function') problems.push(`"type" must be "function"; it is ${own(call, 'type') === undefined ? 'missing' : describe(own(call, 'type'))}`)
  const fn = own(call, 'function')
  let name: unknown
  let args: unknown
  if (!isObject(fn)) {
    problems.push(fn === undefined ? 'has no "function"' : `"function" must be an object; it is ${describe(fn)}`)
  } else {
    name = own(fn, 'name')
    args = own(fn, 'arguments')
    if (typeof name !== 'string' || name === '') problems.push(name === undefined ? 'has no "function.name"' : `"function.name" must be a non-empty string; it is ${describe(name)}`)
    if (typeof args !== 'string') {
      problems.push(args === undefined ? 'has no "function.arguments"' : `"function.arguments" must be a string holding JSON; it is ${describe(args)}`)
    } else {
      const problem = jsonProblem(args)
      if (problem !== null) problems.push(`"function.arguments" is not valid JSON (${problem})`)
    }
  }
  if (problems.length > 0) return problems
  return { id: id as string, name: name as string, arguments: args as string }
}

/** Legacy `function_call`: `{"name", "arguments"}`, one call without an id. */
function readFunctionCall (value: unknown): ToolCall | string[] {
  if (!isObject(value)) return [`must be an object; it is ${describe(value)}`]
  const name = own(value, 'name')
  const args = own(value, 'arguments')
  const problems: string[] = []
  if (typeof name !== 'string' || name === '') problems.push(name === undefined ? 'has no "name"' : `"name" must be a non-empty string; it is ${describe(name)}`)
  if (typeof args !== 'string') problems.push(args === undefined ? 'has no "arguments"' : `"arguments" must be a string holding JSON; it is ${describe(args)}`)
  else if (jsonProblem(args) !== null) problems.push(`"arguments" is not valid JSON (${jsonProblem(args)})`)
  return problems.length > 0 ? problems : { id: null, name: name as string, arguments: args as string }
}

/** The weight: 0 or 1 written as such; absent or null is 1. Undefined when invalid (issue given). */
function readWeight (message: object, index: number, role: Role, path: string, scope: RecordScope, raw: () => Map<number, string> | null): 0 | 1 | undefined {
  const weight = own(message, 'weight')
  if (weight === undefined || weight === null) return 1
  let problem: string | null = null
  if (weight !== 0 && weight !== 1) {
    problem = `it is ${describe(weight)}`
  } else {
    const text = raw()?.get(index)
    if (text !== undefined && text !== '0' && text !== '1') problem = `it is written ${text}`
  }
  if (problem !== null) {
    scope.turnError('invalid_weight', `${path}.weight`, `${path}.weight must be the integer 0 or 1; ${problem}.`)
    return undefined
  }
  if (weight === 1 && role !== 'assistant') {
    scope.issue('weight_ignored', `${path}.weight`, `${path}.weight 1 has no effect on a ${role} message: only assistant turns are trained.`)
  }
  return weight === 0 ? 0 : 1
}

/** OpenAI chat fine-tuning: `{"messages": [...], "tools"?: [...]}`. */
export const openai: RecordFormat = {
  name: 'openai',
  recognises: record => Object.hasOwn(record, 'messages'),
  conversationPath: 'messages',
  read (record, scope) {
    readId(record, scope, false)
    const declaredOrProblem = readTools(record)
    const declared = typeof declaredOrProblem === 'string' ? null : declaredOrProblem
    const messages = readContainer(record, 'messages', scope)
    if (messages !== null) {
      let rawWeights: Map<number, string> | null | undefined
      const raw = () => (rawWeights ??= scope.source === null ? null : memberTexts(scope.source, 'messages', 'weight'))
      const callIds = new Set<string>()
      for (let i = 0; i < messages.length; i++) readMessage(messages[i], i, scope, declared, callIds, raw)
    }
    if (typeof declaredOrProblem === 'string') scope.issue('invalid_tools', 'tools', declaredOrProblem)
    else if (declaredOrProblem !== null) scope.tools = declaredOrProblem.tools
  }
}

function readMessage (message: unknown, i: number, scope: RecordScope, declared: DeclaredTools | null, callIds: Set<string>, raw: () => Map<number, string> | null): void {
  const path = `messages[${i}]`
  if (!isObject(message)) {
    scope.turnError('invalid_turn', path, `${path} must be an object; it is ${describe(message)}.`)
    return
  }
  const roleValue = own(message, 'role')
  let role: Role | undefined
  if (typeof roleValue !== 'string') {
    scope.turnError('missing_role', `${path}.role`, roleValue === undefined ? `${path} has no "role".` : `${path}.role must be a string; it is ${describe(roleValue)}.`)
  } else if ((role = ROLES.get(roleValue)) === undefined) {
    scope.turnError('unknown_role', `${path}.role`, `${path}.role ${preview(roleValue)} is not one of system, developer, user, assistant, tool, function.`)
  }
  const toolCalls = own(message, 'tool_calls')
  const functionCall = own(message, 'function_call')
  const makesCalls = (Array.isArray(toolCalls) && toolCalls.length > 0) || (functionCall !== undefined && functionCall !== null)
  const content = readContent(message, path, scope, role === 'assistant' && makesCalls)

  let reasoning: string | null = null
  if (role === 'assistant') {
    const value = own(message, 'reasoning_content')
    if (typeof value === 'string') {
      reasoning = value
      scope.checkSpecialTokens(`${path}.reasoning_content`, value)
    } else if (value !== undefined && value !== null) {
      scope.turnError('invalid_field', `${path}.reasoning_content`, `${path}.reasoning_content must be a string; it is ${describe(value)}.`)
    }
  }

  const calls: ToolCall[] = []
  let callsValid = true
  if (toolCalls !== undefined && toolCalls !== null) {
    if (!Array.isArray(toolCalls)) {
      callsValid = false
      scope.turnError('invalid_tool_call', `${path}.tool_calls`, `${path}.tool_calls must be an array of tool calls; it is ${describe(toolCalls)}.`)
    } else if (toolCalls.length > 0 && role !== undefined && role !== 'assistant') {
      callsValid = false
      scope.turnError('invalid_tool_call', `${path}.tool_calls`, `${path}.tool_calls: only assistant messages make tool calls; this is a ${roleValue as string} message.`)
    } else {
      for (let j = 0; j < toolCalls.length; j++) {
        const callPath = `${path}.tool_calls[${j}]`
        const call = readCall(toolCalls[j])
        if (Array.isArray(call)) {
          callsValid = false
          scope.turnError('invalid_tool_call', callPath, `${callPath} ${call.join('; ')}.`)
        } else {
          calls.push(call)
          callIds.add(call.id!)
          checkDeclared(call, declared, callPath, scope)
        }
      }
    }
  }
  if (functionCall !== undefined && functionCall !== null) {
    const callPath = `${path}.function_call`
    const call = role === undefined || role === 'assistant' ? readFunctionCall(functionCall) : [`is only for assistant messages; this is a ${roleValue as string} message`]
    if (Array.isArray(call)) {
      callsValid = false
      scope.turnError('invalid_tool_call', callPath, `${callPath} ${call.join('; ')}.`)
    } else {
      calls.push(call)
      checkDeclared(call, declared, callPath, scope)
    }
  }

  let toolCallId: string | null = null
  if (role === 'tool' && roleValue === 'tool') {
    const id = own(message, 'tool_call_id')
    if (typeof id === 'string' && callIds.has(id)) {
      toolCallId = id
    } else {
      scope.turnError('unknown_tool_call_id', `${path}.tool_call_id`, typeof id !== 'string'
        ? `${path} is a tool result without a "tool_call_id" string naming the call it answers.`
        : `${path}.tool_call_id ${preview(id)} names no tool call of an earlier assistant message.`)
    }
  }

  const weight = role === undefined ? 1 : readWeight(message, i, role, path, scope, raw)
  if (role === undefined || content === null || !callsValid || weight === undefined) return
  scope.turn(path, { role, content, tool_calls: calls.length > 0 ? calls : null, reasoning, weight, tool_call_id: toolCallId })
}
