import type { FormatName } from '../formats/index.js'
import type { LineIssue, RecordScope } from '../formats/scope.js'
import type { Tokenizer } from '../tokenizers/index.js'
import { conversationHash, textHash } from '../turns/hash.js'
import type { Turn } from '../turns/turn.js'

/** Counts a record without errors adds to the statistics. */
export interface RecordStats {
  turns: number
  /** Turns per role, in ROLES order (system, user, assistant, tool). */
  roles: [number, number, number, number]
  trainingPairs: number
  tokens: number
  assistantTokens: number
  toolCalls: number
}

export interface ConversationResult {
  conversationHash: [number, number] | null
  /** Where a duplicate_conversation warning goes among the issues. */
  duplicateAt: number
  stats: RecordStats | null
}

const n = (value: number) => value.toLocaleString('en-US')

/** Tokens for encodings (dataset-format.md, "Tokens"): content, reasoning, each call's name and arguments. */
function turnTokens (turn: Turn, count: (text: string) => number): number {
  let tokens = count(turn.content)
  if (turn.reasoning !== null) tokens += count(turn.reasoning)
  if (turn.tool_calls !== null) for (const call of turn.tool_calls) tokens += count(call.name) + count(call.arguments)
  return tokens
}

function tooManyTokens (issues: LineIssue[], path: string, tokens: number, limit: number): void {
  if (tokens > limit) {
    issues.push(['too_many_tokens', path, `The conversation has ${n(tokens)} tokens, more than the context limit of ${n(limit)}.`])
  }
}

/**
 * The conversation-level rules, on a record whose turns were all read (dataset-format.md,
 * "Conversation-level rules"): no trained assistant turn, consecutive roles, a late system
 * turn, then the duplicate check's place, then the token limit; and the record's statistics.
 */
export function conversationRules (scope: RecordScope, format: FormatName, path: string, tokenizer: Tokenizer, contextLimit: number): ConversationResult {
  const issues = scope.issues
  if (format === 'text') {
    const text = scope.text!
    const tokens = tokenizer.count(text)
    const duplicateAt = issues.length
    tooManyTokens(issues, path, tokens, contextLimit)
    return { conversationHash: textHash(text), duplicateAt, stats: { turns: 0, roles: [0, 0, 0, 0], trainingPairs: 0, tokens, assistantTokens: tokens, toolCalls: 0 } }
  }
  const { turns, paths } = scope
  // A model counts the conversation as its chat template renders it (tokens, trained tokens).
  const modelCount = tokenizer.conversation ? tokenizer.conversation(scope.conversation()) : null
  const roles: [number, number, number, number] = [0, 0, 0, 0]
  let tokens = 0
  let assistantTokens = 0
  let trainingPairs = 0
  let toolCalls = 0
  let assistants = 0
  let trained = 0
  let seenUser = false
  for (const turn of turns) {
    const count = modelCount ? 0 : turnTokens(turn, tokenizer.count)
    tokens += count
    if (turn.role === 'assistant') {
      roles[2]++
      assistants++
      toolCalls += turn.tool_calls?.length ?? 0
      if (turn.weight === 1) {
        trained++
        assistantTokens += count
        if (seenUser) trainingPairs++
      }
    } else if (turn.role === 'user') {
      roles[1]++
      seenUser = true
    } else {
      roles[turn.role === 'system' ? 0 : 3]++
    }
  }
  if (trained === 0) {
    issues.push(['no_assistant_turn', path, assistants === 0
      ? 'The conversation has no assistant turn: there is nothing to train on.'
      : 'The conversation has no trained assistant turn (every one has weight 0): there is nothing to train on.'])
  }
  for (let i = 1; i < turns.length; i++) {
    const role = turns[i].role
    if (role === turns[i - 1].role && role !== 'tool') {
      issues.push(['consecutive_roles', paths[i], `${paths[i]} is a second ${role} turn in a row; many chat templates refuse that.`])
    }
  }
  for (let i = 1; i < turns.length; i++) {
    if (turns[i].role === 'system') issues.push(['system_not_first', paths[i], `${paths[i]} is a system turn after the first turn; many chat templates refuse that.`])
  }
  if (modelCount) {
    if (modelCount.templateError !== null) {
      scope.issue('template_error', path, modelCount.templateError) // the template's own message (the contract)
    }
    tokens = modelCount.tokens
    assistantTokens = modelCount.assistantTokens
  }
  const duplicateAt = issues.length
  if (modelCount?.templateError == null) tooManyTokens(issues, path, tokens, contextLimit)
  return {
    conversationHash: conversationHash(turns),
    duplicateAt,
    stats: { turns: turns.length, roles, trainingPairs, tokens, assistantTokens, toolCalls }
  }
}
