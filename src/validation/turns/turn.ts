/**
 * The turn model (../shared/dataset-format.md, "Turns: one model for every format"): every record
 * format is read into this list; rules, duplicates, statistics, token counts and templates work on it.
 */
export type Role = 'system' | 'user' | 'assistant' | 'tool'

export interface ToolCall {
  /** The call's id (`openai` tool_calls[j].id); null where the format has none (legacy function_call, sharegpt). */
  id: string | null
  name: string
  /** The arguments as JSON text: as written for openai, compact JSON.stringify text when given as an object. */
  arguments: string
}

export interface Turn {
  role: Role
  /** "" where the turn had no content (an assistant turn with only tool calls). */
  content: string
  tool_calls: ToolCall[] | null
  /** `reasoning_content` of an assistant turn, else null. */
  reasoning: string | null
  /** 1: trained when the role is assistant; 0: context only. */
  weight: 0 | 1
  /** `tool_call_id` of a tool turn, else null. */
  tool_call_id: string | null
}

/** A record read into turns: `text` records have no turns and one trained segment. */
export interface Conversation {
  turns: Turn[]
  /** Declared tools in OpenAI's shape ([{type: "function", function: {...}}]), or null. */
  tools: unknown[] | null
  /** `text` format only: the text (turns is then empty). */
  text: string | null
}
