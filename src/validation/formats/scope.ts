import { SEVERITY, type IssueCode } from '../types.js'
import type { Conversation, Turn } from '../turns/turn.js'
import { hashId } from '../turns/hash.js'
import { own } from '../turns/own.js'
import type { SpecialTokens } from '../tokenizers/index.js'

/** One issue of a line, before the line number is known to the report: [code, path, message]. */
export type LineIssue = [IssueCode, string, string]

const WHITE_SPACE_ONLY = /^\p{White_Space}*$/u

export function isBlank (text: string): boolean {
  return WHITE_SPACE_ONLY.test(text)
}

export function describe (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'number') return Number.isInteger(value) ? `the number ${value}` : `the fraction ${value}`
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string'
  if (typeof value === 'boolean') return `the boolean ${value}`
  return typeof value === 'object' ? 'an object' : typeof value
}

export function preview (text: string): string {
  return JSON.stringify(text.length > 60 ? text.slice(0, 57) + '…' : text)
}

export function isObject (value: unknown): value is object {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * The special-token string text holds first in the tokenizer's list order, or null: one scan
 * for "<|" (every special token starts with it) instead of one scan per special token.
 */
function findSpecialToken (text: string, specials: readonly string[]): string | null {
  let found: string | null = null
  let foundIndex = -1
  for (let at = text.indexOf('<|'); at !== -1; at = text.indexOf('<|', at + 2)) {
    for (let i = 0; i < specials.length; i++) {
      if ((found === null || i < foundIndex) && text.startsWith(specials[i], at)) {
        found = specials[i]
        foundIndex = i
      }
    }
    if (foundIndex === 0) break
  }
  return found
}

/**
 * What a record reader fills while it reads one record: the issues in path order, the turns it
 * could read (each with its path), and the conversation id. `turnsValid` stays true only when
 * the whole turn list was read without an error: the conversation-level rules need it.
 */
export class RecordScope {
  readonly issues: LineIssue[] = []
  hasError = false
  turnsValid = true
  readonly turns: Turn[] = []
  /** The path of each turn, for the issues that point at a turn. */
  readonly paths: string[] = []
  tools: unknown[] | null = null
  text: string | null = null
  /** The id's value as written (conversation_id, else id outside native), or null. */
  id: unknown = null
  idHash: [number, number] | null = null
  idText: string | null = null
  idPath = 'conversation_id'

  /** `source`: the line's JSON text, for what JSON.parse cannot tell (how a number was written). */
  constructor (readonly specials: SpecialTokens, readonly source: string | null) {}

  issue (code: IssueCode, path: string, message: string): void {
    this.issues.push([code, path, message])
    if (SEVERITY[code] === 'error') this.hasError = true
  }

  /** An error in the turn list: the conversation cannot be read whole. */
  turnError (code: IssueCode, path: string, message: string): void {
    this.issue(code, path, message)
    this.turnsValid = false
  }

  turn (path: string, turn: Turn): void {
    this.turns.push(turn)
    this.paths.push(path)
  }

  /**
   * Text that is trained or shown: empty or white-space-only content, special-token strings.
   * The path is `path` + `field` (".content"), joined only for an issue: this runs for every turn.
   */
  checkText (path: string, text: string, field = ''): void {
    if (isBlank(text)) {
      const at = path + field
      this.issue('empty_content', at, text === '' ? `${at} is empty.` : `${at} holds only white space.`)
      return
    }
    this.checkSpecialTokens(path, text, field)
  }

  checkSpecialTokens (path: string, text: string, field = ''): void {
    const specials = this.specials
    let special: string | null
    if (typeof specials === 'function') special = specials(text)
    else if (specials.length === 0 || !text.includes('<|')) return
    else special = findSpecialToken(text, specials)
    if (special !== null) this.issue('special_token_in_content', path + field, `${path + field} contains the special-token string ${special}; it is counted as plain text.`)
  }

  conversation (): Conversation {
    return { turns: this.turns, tools: this.tools, text: this.text }
  }
}

/**
 * The conversation id (v1 rules): `conversation_id`, required in native; elsewhere optional, and
 * `id` names the conversation when `conversation_id` is absent or null.
 */
export function readId (record: object, scope: RecordScope, required: boolean): void {
  let key = 'conversation_id'
  let id = own(record, key)
  if (!required && (id === undefined || id === null)) {
    key = 'id'
    id = own(record, key)
    if (id === undefined || id === null) return
  }
  if (id === undefined || id === null) {
    scope.issue('missing_conversation_id', key, id === null ? `"${key}" is null.` : `The record has no "${key}".`)
  } else if ((typeof id === 'string' && id !== '') || (typeof id === 'number' && Number.isInteger(id))) {
    scope.id = id
    scope.idPath = key
    scope.idText = JSON.stringify(id)
    scope.idHash = hashId(id)
  } else {
    scope.issue('invalid_conversation_id', key, `"${key}" must be a non-empty string or an integer; it is ${describe(id)}.`)
  }
}

/** The turns container (`turns`, `messages`, `conversations`): a non-empty array, else null. */
export function readContainer (record: object, key: string, scope: RecordScope): unknown[] | null {
  const value = own(record, key)
  if (value === undefined) {
    scope.turnError('missing_turns', key, `The record has no "${key}".`)
  } else if (!Array.isArray(value)) {
    scope.turnError('invalid_turns', key, `"${key}" must be a non-empty array; it is ${describe(value)}.`)
  } else if (value.length === 0) {
    scope.turnError('invalid_turns', key, `"${key}" is an empty array.`)
  } else {
    return value
  }
  return null
}

/** A required string field (`prompt`, `instruction`, `text`, ...): checked, or missing_content. */
export function readRequiredText (record: object, key: string, scope: RecordScope): string | null {
  const value = own(record, key)
  if (typeof value !== 'string') {
    scope.turnError('missing_content', key, value === undefined ? `The record has no "${key}".` : `"${key}" must be a string; it is ${describe(value)}.`)
    return null
  }
  scope.checkText(key, value)
  return value
}

/** An optional string field (`system`, `input`): absent or null is none; another type is invalid_field. */
export function readOptionalText (record: object, key: string, scope: RecordScope): string | null {
  const value = own(record, key)
  if (value === undefined || value === null) return null
  if (typeof value !== 'string') {
    scope.turnError('invalid_field', key, `"${key}" must be a string; it is ${describe(value)}.`)
    return null
  }
  return value
}

export function plainTurn (role: Turn['role'], content: string): Turn {
  return { role, content, tool_calls: null, reasoning: null, weight: 1, tool_call_id: null }
}
