import type { LineIssue, LineResult, RecordStats } from '../rules/record.js'
import type { IssueCode } from '../types.js'

/**
 * A batch's LineResults in three flat values for postMessage: numbers (FIELDS per result), the
 * conversation ids' text in one string, and the issues' strings in one array. Structured
 * cloning that costs a fraction of a tree of small objects per line, and the reading side
 * allocates nothing per line but the issues it is given. A line's alternatives (a record read
 * under every format) follow it as results of their own.
 */
export interface PackedResults { numbers: Float64Array, ids: string, issues: string[] }

const FLAGS = 0
const ID_HASH = 1
const CONVERSATION_HASH = 3
const DUPLICATE_AT = 5
const TURNS = 6
const ROLES = 7
const TRAINING_PAIRS = 11
const TOKENS = 12
const ASSISTANT_TOKENS = 13
const TOOL_CALLS = 14
const ISSUES = 15
const ID_TEXT = 16
const FORMAT = 18
const UNDER = 19
const ALTERNATIVES = 20
const FIELDS = 21

const HAS_ERROR = 1
const HAS_ID = 2
const HAS_CONVERSATION = 4
const HAS_STATS = 8
const ID_FROM_ID = 16 // the id came from `id`, not `conversation_id`

function count (results: LineResult[]): number {
  let entries = 0
  for (const result of results) entries += result.alternatives ? result.alternatives.length : 1
  return entries
}

export function packResults (results: LineResult[]): PackedResults {
  const numbers = new Float64Array(count(results) * FIELDS)
  const issues: string[] = []
  let ids = ''
  let at = 0
  const pack = (result: LineResult, alternatives: number) => {
    let flags = result.hasError ? HAS_ERROR : 0
    if (result.idHash) {
      flags |= HAS_ID
      if (result.idPath === 'id') flags |= ID_FROM_ID
      numbers[at + ID_HASH] = result.idHash[0]
      numbers[at + ID_HASH + 1] = result.idHash[1]
      numbers[at + ID_TEXT] = ids.length
      ids += result.idText ?? ''
      numbers[at + ID_TEXT + 1] = ids.length
    }
    if (result.conversationHash) {
      flags |= HAS_CONVERSATION
      numbers[at + CONVERSATION_HASH] = result.conversationHash[0]
      numbers[at + CONVERSATION_HASH + 1] = result.conversationHash[1]
    }
    numbers[at + DUPLICATE_AT] = result.duplicateAt
    if (result.stats) {
      flags |= HAS_STATS
      numbers[at + TURNS] = result.stats.turns
      for (let r = 0; r < 4; r++) numbers[at + ROLES + r] = result.stats.roles[r]
      numbers[at + TRAINING_PAIRS] = result.stats.trainingPairs
      numbers[at + TOKENS] = result.stats.tokens
      numbers[at + ASSISTANT_TOKENS] = result.stats.assistantTokens
      numbers[at + TOOL_CALLS] = result.stats.toolCalls
    }
    numbers[at + FLAGS] = flags
    numbers[at + FORMAT] = result.format
    numbers[at + UNDER] = result.under
    numbers[at + ALTERNATIVES] = alternatives
    numbers[at + ISSUES] = result.issues.length
    for (const [code, path, message] of result.issues) issues.push(code, path, message)
    at += FIELDS
  }
  for (const result of results) {
    const alternatives = result.alternatives
    if (alternatives === null) {
      pack(result, 0)
    } else {
      for (const alternative of alternatives) pack(alternative, alternatives.length)
    }
  }
  return { numbers, ids, issues }
}

const newStats = (): RecordStats => ({ turns: 0, roles: [0, 0, 0, 0], trainingPairs: 0, tokens: 0, assistantTokens: 0, toolCalls: 0 })
const newResult = (): LineResult => ({
  issues: [], hasError: false, idHash: null, idText: null, idPath: 'conversation_id', conversationHash: null,
  duplicateAt: -1, stats: null, format: -1, under: -1, alternatives: null
})

/** Reads a PackedResults line by line, in order, into one reused LineResult (valid until the next read). */
export class PackedReader {
  private readonly reused = { result: newResult(), idHash: [0, 0] as [number, number], conversationHash: [0, 0] as [number, number], stats: newStats() }
  private entry = 0
  private issueAt = 0

  constructor (private readonly packed: PackedResults) {}

  /** The next line's result; a line read under every format comes with its alternatives (new objects: a rare path). */
  next (): LineResult {
    const alternatives = this.packed.numbers[this.entry * FIELDS + ALTERNATIVES]
    if (alternatives === 0) return this.read(this.reused)
    const all: LineResult[] = []
    for (let i = 0; i < alternatives; i++) all.push(this.read({ result: newResult(), idHash: [0, 0], conversationHash: [0, 0], stats: newStats() }))
    all[0].alternatives = all
    return all[0]
  }

  private read (into: { result: LineResult, idHash: [number, number], conversationHash: [number, number], stats: RecordStats }): LineResult {
    const { numbers, ids, issues } = this.packed
    const at = this.entry++ * FIELDS
    const flags = numbers[at + FLAGS]
    const result = into.result
    result.hasError = (flags & HAS_ERROR) !== 0
    if (flags & HAS_ID) {
      into.idHash[0] = numbers[at + ID_HASH]
      into.idHash[1] = numbers[at + ID_HASH + 1]
      result.idHash = into.idHash
      result.idText = ids.slice(numbers[at + ID_TEXT], numbers[at + ID_TEXT + 1])
      result.idPath = flags & ID_FROM_ID ? 'id' : 'conversation_id'
    } else {
      result.idHash = null
      result.idText = null
    }
    if (flags & HAS_CONVERSATION) {
      into.conversationHash[0] = numbers[at + CONVERSATION_HASH]
      into.conversationHash[1] = numbers[at + CONVERSATION_HASH + 1]
      result.conversationHash = into.conversationHash
    } else {
      result.conversationHash = null
    }
    result.duplicateAt = numbers[at + DUPLICATE_AT]
    if (flags & HAS_STATS) {
      const stats = into.stats
      stats.turns = numbers[at + TURNS]
      for (let r = 0; r < 4; r++) stats.roles[r] = numbers[at + ROLES + r]
      stats.trainingPairs = numbers[at + TRAINING_PAIRS]
      stats.tokens = numbers[at + TOKENS]
      stats.assistantTokens = numbers[at + ASSISTANT_TOKENS]
      stats.toolCalls = numbers[at + TOOL_CALLS]
      result.stats = stats
    } else {
      result.stats = null
    }
    result.format = numbers[at + FORMAT]
    result.under = numbers[at + UNDER]
    result.alternatives = null
    const issueCount = numbers[at + ISSUES]
    if (issueCount === 0) {
      if (result.issues.length > 0) result.issues = []
    } else {
      const lineIssues: LineIssue[] = []
      for (let i = 0; i < issueCount; i++, this.issueAt += 3) lineIssues.push([issues[this.issueAt] as IssueCode, issues[this.issueAt + 1], issues[this.issueAt + 2]])
      result.issues = lineIssues
    }
    return result
  }
}
