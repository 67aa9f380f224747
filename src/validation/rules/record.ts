import { isUtf8 } from 'node:buffer'
import { ROLES, SEVERITY, type IssueCode } from '../types.js'
import type { Tokenizer } from '../tokenizers/index.js'
import { hashId, turnsHash } from '../turns/hash.js'
import { own } from '../turns/own.js'

/** One issue of a line, before the line number is known to the report: [code, path, message]. */
export type LineIssue = [IssueCode, string, string]

/** Counts a record without errors adds to the statistics. */
export interface RecordStats {
  turns: number
  /** Turns per role, in ROLES order. */
  roles: [number, number, number, number]
  trainingPairs: number
  tokens: number
  assistantTokens: number
}

/**
 * What one non-blank line yields, independent of every other line, so lines can be analysed
 * on any thread. Checks that need earlier lines (duplicates) are left to the report: the
 * hashes say what to compare, the indexes say where their warnings go.
 */
export interface LineResult {
  issues: LineIssue[]
  hasError: boolean
  /** 64-bit hash of a valid conversation_id (type and value), as two uint32. */
  idHash: [number, number] | null
  idText: string | null
  /** 64-bit hash of the (role, content) sequence, when the turns array is fully valid. */
  conversationHash: [number, number] | null
  /** Where a duplicate_conversation warning goes among `issues`. */
  duplicateAt: number
  stats: RecordStats | null
}

// A Map, never an object: `role in {...}` would take "constructor" or "__proto__" for a role.
const ROLE_INDEX = new Map<string, number>(ROLES.map((role, i) => [role, i]))
const WHITE_SPACE_ONLY = /^\p{White_Space}*$/u

/**
 * The special-token string content holds first in the tokenizer's list order, or null: one scan
 * for "<|" (every special token starts with it) instead of one scan per special token.
 */
function findSpecialToken (content: string, specials: readonly string[]): string | null {
  let found: string | null = null
  let foundIndex = -1
  for (let at = content.indexOf('<|'); at !== -1; at = content.indexOf('<|', at + 2)) {
    for (let i = 0; i < specials.length; i++) {
      if ((found === null || i < foundIndex) && content.startsWith(specials[i], at)) {
        found = specials[i]
        foundIndex = i
      }
    }
    if (foundIndex === 0) break
  }
  return found
}

function describe (value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'number') return Number.isInteger(value) ? `the number ${value}` : `the fraction ${value}`
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string'
  if (typeof value === 'boolean') return `the boolean ${value}`
  return typeof value === 'object' ? 'an object' : typeof value
}

function preview (text: string): string {
  return JSON.stringify(text.length > 60 ? text.slice(0, 57) + '…' : text)
}

export interface AnalysisContext {
  tokenizer: Tokenizer
  contextLimit: number
}

function fail (issues: LineIssue[], code: IssueCode, path: string, message: string): LineResult {
  issues.push([code, path, message])
  return { issues, hasError: true, idHash: null, idText: null, conversationHash: null, duplicateAt: -1, stats: null }
}

export function analyseLine (bytes: Buffer, context: AnalysisContext): LineResult {
  const issues: LineIssue[] = []
  if (!isUtf8(bytes)) return fail(issues, 'invalid_utf8', '', 'The line holds bytes that are not valid UTF-8.')
  let record: unknown
  try {
    record = JSON.parse(bytes.toString('utf8'))
  } catch (error) {
    return fail(issues, 'invalid_json', '', `The line is not valid JSON: ${(error as Error).message}.`)
  }
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    return fail(issues, 'not_an_object', '', `Each line must be a JSON object; this one is ${describe(record)}.`)
  }
  const object = record as object

  // conversation_id
  let idHash: [number, number] | null = null
  let idText: string | null = null
  const id = own(object, 'conversation_id')
  if (id === undefined || id === null) {
    issues.push(['missing_conversation_id', 'conversation_id', id === null ? '"conversation_id" is null.' : 'The record has no "conversation_id".'])
  } else if ((typeof id === 'string' && id !== '') || (typeof id === 'number' && Number.isInteger(id))) {
    idText = JSON.stringify(id)
    idHash = hashId(id)
  } else {
    issues.push(['invalid_conversation_id', 'conversation_id', `"conversation_id" must be a non-empty string or an integer; it is ${describe(id)}.`])
  }

  // turns
  const turns = own(object, 'turns')
  let turnsValid = false
  if (turns === undefined) {
    issues.push(['missing_turns', 'turns', 'The record has no "turns".'])
  } else if (!Array.isArray(turns)) {
    issues.push(['invalid_turns', 'turns', `"turns" must be a non-empty array; it is ${describe(turns)}.`])
  } else if (turns.length === 0) {
    issues.push(['invalid_turns', 'turns', '"turns" is an empty array.'])
  } else {
    turnsValid = true
    for (let i = 0; i < turns.length; i++) {
      const turn = turns[i]
      const path = `turns[${i}]`
      if (turn === null || typeof turn !== 'object' || Array.isArray(turn)) {
        issues.push(['invalid_turn', path, `${path} must be an object; it is ${describe(turn)}.`])
        turnsValid = false
        continue
      }
      const role = own(turn, 'role')
      const content = own(turn, 'content')
      if (typeof role !== 'string') {
        issues.push(['missing_role', `${path}.role`, role === undefined ? `${path} has no "role".` : `${path}.role must be a string; it is ${describe(role)}.`])
        turnsValid = false
      } else if (!ROLE_INDEX.has(role)) {
        issues.push(['unknown_role', `${path}.role`, `${path}.role ${preview(role)} is not one of ${ROLES.join(', ')}.`])
        turnsValid = false
      }
      if (typeof content !== 'string') {
        issues.push(['missing_content', `${path}.content`, content === undefined ? `${path} has no "content".` : `${path}.content must be a string; it is ${describe(content)}.`])
        turnsValid = false
      } else if (WHITE_SPACE_ONLY.test(content)) {
        issues.push(['empty_content', `${path}.content`, content === '' ? `${path}.content is empty.` : `${path}.content holds only white space.`])
      } else {
        const special = findSpecialToken(content, context.tokenizer.specialTokens)
        if (special !== null) {
          issues.push(['special_token_in_content', `${path}.content`,
            `${path}.content contains the special-token string ${special}; it is counted as plain text.`])
        }
      }
    }
  }

  let conversationHash: [number, number] | null = null
  let duplicateAt = -1
  let stats: RecordStats | null = null
  if (turnsValid) {
    const list = turns as Array<{ role: string, content: string }>
    const roles: [number, number, number, number] = [0, 0, 0, 0]
    let tokens = 0
    let assistantTokens = 0
    let trainingPairs = 0
    let seenUser = false
    for (const turn of list) {
      const count = context.tokenizer.count(turn.content)
      tokens += count
      roles[ROLE_INDEX.get(turn.role)!]++
      if (turn.role === 'assistant') {
        assistantTokens += count
        if (seenUser) trainingPairs++
      } else if (turn.role === 'user') {
        seenUser = true
      }
    }
    if (roles[2] === 0) issues.push(['no_assistant_turn', 'turns', 'The conversation has no assistant turn: there is nothing to train on.'])
    conversationHash = turnsHash(list, role => ROLE_INDEX.get(role)!)
    duplicateAt = issues.length
    if (tokens > context.contextLimit) {
      issues.push(['too_many_tokens', 'turns',
        `The conversation has ${tokens.toLocaleString('en-US')} tokens, more than the context limit of ${context.contextLimit.toLocaleString('en-US')}.`])
    }
    stats = { turns: list.length, roles, trainingPairs, tokens, assistantTokens }
  }
  const hasError = issues.some(([code]) => SEVERITY[code] === 'error')
  return { issues, hasError, idHash, idText, conversationHash, duplicateAt, stats: hasError ? null : stats }
}
