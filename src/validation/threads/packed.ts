import type { LineIssue, LineResult, RecordStats } from '../rules/record.js'
import type { IssueCode } from '../types.js'

/**
 * A batch's LineResults in three flat values for postMessage: numbers (FIELDS per line), the
 * conversation ids' text in one string, and the issues' strings in one array. Structured
 * cloning that costs a fraction of a tree of small objects per line, and the reading side
 * allocates nothing per line but the issues it is given.
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
const ISSUES = 14
const ID_TEXT = 15
const FIELDS = 17

const HAS_ERROR = 1
const HAS_ID = 2
const HAS_CONVERSATION = 4
const HAS_STATS = 8

export function packResults (results: LineResult[]): PackedResults {
  const numbers = new Float64Array(results.length * FIELDS)
  const issues: string[] = []
  let ids = ''
  for (let i = 0; i < results.length; i++) {
    const result = results[i]
    const at = i * FIELDS
    let flags = result.hasError ? HAS_ERROR : 0
    if (result.idHash) {
      flags |= HAS_ID
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
    }
    numbers[at + FLAGS] = flags
    numbers[at + ISSUES] = result.issues.length
    for (const [code, path, message] of result.issues) issues.push(code, path, message)
  }
  return { numbers, ids, issues }
}

/** Reads a PackedResults in order into one reused LineResult (valid until the next read). */
export class PackedReader {
  private readonly idHash: [number, number] = [0, 0]
  private readonly conversationHash: [number, number] = [0, 0]
  private readonly stats: RecordStats = { turns: 0, roles: [0, 0, 0, 0], trainingPairs: 0, tokens: 0, assistantTokens: 0 }
  private readonly result: LineResult = { issues: [], hasError: false, idHash: null, idText: null, conversationHash: null, duplicateAt: -1, stats: null }
  private issueAt = 0

  constructor (private readonly packed: PackedResults) {}

  get length (): number {
    return this.packed.numbers.length / FIELDS
  }

  read (index: number): LineResult {
    const { numbers, ids, issues } = this.packed
    const at = index * FIELDS
    const flags = numbers[at + FLAGS]
    const result = this.result
    result.hasError = (flags & HAS_ERROR) !== 0
    if (flags & HAS_ID) {
      this.idHash[0] = numbers[at + ID_HASH]
      this.idHash[1] = numbers[at + ID_HASH + 1]
      result.idHash = this.idHash
      result.idText = ids.slice(numbers[at + ID_TEXT], numbers[at + ID_TEXT + 1])
    } else {
      result.idHash = null
      result.idText = null
    }
    if (flags & HAS_CONVERSATION) {
      this.conversationHash[0] = numbers[at + CONVERSATION_HASH]
      this.conversationHash[1] = numbers[at + CONVERSATION_HASH + 1]
      result.conversationHash = this.conversationHash
    } else {
      result.conversationHash = null
    }
    result.duplicateAt = numbers[at + DUPLICATE_AT]
    if (flags & HAS_STATS) {
      const stats = this.stats
      stats.turns = numbers[at + TURNS]
      for (let r = 0; r < 4; r++) stats.roles[r] = numbers[at + ROLES + r]
      stats.trainingPairs = numbers[at + TRAINING_PAIRS]
      stats.tokens = numbers[at + TOKENS]
      stats.assistantTokens = numbers[at + ASSISTANT_TOKENS]
      result.stats = stats
    } else {
      result.stats = null
    }
    const count = numbers[at + ISSUES]
    if (count === 0) {
      if (result.issues.length > 0) result.issues = []
    } else {
      const lineIssues: LineIssue[] = []
      for (let i = 0; i < count; i++, this.issueAt += 3) lineIssues.push([issues[this.issueAt] as IssueCode, issues[this.issueAt + 1], issues[this.issueAt + 2]])
      result.issues = lineIssues
    }
    return result
  }
}
