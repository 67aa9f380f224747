import type { FormatName, IssueCode } from '../validation/index.js'
import { vocabulary } from './vocabulary.js'

// The /formats page's content: one valid example line per record format (each validates `ready`,
// test/datasets/format-guide.test.ts), and the mistakes people make most, by their issue code.

export interface FormatGuideEntry {
  id: FormatName
  title: string
  /** The key(s) a record must hold to be read in this format. */
  keys: string[]
  summary: string
  /** One line of a JSON Lines file. */
  example: string
}

const line = (value: unknown) => JSON.stringify(value)

const ENTRIES: Array<Omit<FormatGuideEntry, 'title'>> = [
  {
    id: 'openai',
    keys: ['messages'],
    summary: 'OpenAI\'s chat fine-tuning format. Roles system (or developer), user, assistant and tool; an assistant turn may call tools, and each tool turn answers one call by its tool_call_id; "weight": 0 marks an assistant turn as context, not trained; tools may be declared in "tools".',
    example: line({
      messages: [
        { role: 'system', content: 'You are a weather assistant.' },
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: '{"temp_c":18}' },
        { role: 'assistant', content: 'It is 18 °C in Paris.' }
      ],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]
    })
  },
  {
    id: 'sharegpt',
    keys: ['conversations'],
    summary: 'FastChat, LLaMA-Factory and most Hugging Face chat sets. "from" is human, gpt, system, function_call or observation, and "value" the text; "system" and "tools" (a JSON text) are optional fields of the record.',
    example: line({
      conversations: [
        { from: 'human', value: 'What is 2 + 2?' },
        { from: 'gpt', value: '2 + 2 = 4.' }
      ],
      system: 'You are a careful math tutor.'
    })
  },
  {
    id: 'alpaca',
    keys: ['instruction'],
    summary: 'One instruction and its answer ("output"). "input" is added to the instruction after a new line, "history" holds earlier [question, answer] pairs, "system" is optional.',
    example: line({ instruction: 'Translate to French.', input: 'Good morning', output: 'Bonjour' })
  },
  {
    id: 'prompt_completion',
    keys: ['prompt', 'completion'],
    summary: 'TRL\'s prompt-completion format: the prompt is the user turn, the completion the trained assistant turn.',
    example: line({ prompt: 'The capital of Japan is', completion: ' Tokyo.' })
  },
  {
    id: 'text',
    keys: ['text'],
    summary: 'Continued pre-training: every token of the text is trained; no roles, no chat template.',
    example: line({ text: 'Photosynthesis turns light, water and carbon dioxide into sugar and oxygen.' })
  },
  {
    id: 'native',
    keys: ['turns'],
    summary: 'This service\'s first format: a required conversation_id and a list of turns, each with a role (system, user, assistant, tool) and its content.',
    example: line({ conversation_id: 'c-001', turns: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello! How can I help?' }] })
  }
]

export const FORMAT_GUIDE: FormatGuideEntry[] = ENTRIES.map(entry => ({ ...entry, title: vocabulary.formatLabel(entry.id) ?? entry.id }))

export interface FileKindGuide { kind: string, names: string[], rules: string }

/** The kinds of file accepted, and how each is recognised and read (dataset-format.md, "File"). */
export const FILE_KINDS: FileKindGuide[] = [
  { kind: 'JSON Lines', names: ['.jsonl', '.ndjson', '.jsonl.gz', '.ndjson.gz'], rules: 'One JSON object per line; an issue\'s line is the line of the file. Blank lines are skipped.' },
  { kind: 'JSON array', names: ['.json', '.json.gz'], rules: 'A .json file whose first character is [ is one array of records, read element by element (never whole): an issue\'s line is where its element starts. A .json file that does not start with [ is read as JSON Lines.' },
  { kind: 'Parquet', names: ['.parquet'], rules: 'Recognised by its PAR1 magic, whatever its name. Each row is a record and its columns are the keys (list and struct columns become arrays and objects, null cells null); an issue\'s line is the row number. Only the columns the format reads are read; snappy, gzip, zstd, brotli and lz4 pages are fine.' },
  { kind: 'gzip', names: ['.gz'], rules: 'Recognised by its magic bytes and decompressed while it is read.' }
]

export interface Mistake { code: IssueCode, meaning: string, fix: string }

export const COMMON_MISTAKES: Mistake[] = [
  { code: 'invalid_json', meaning: 'The line is not valid JSON: a trailing comma, single quotes, or one record spread over several lines.', fix: 'Write one complete JSON object per line.' },
  { code: 'invalid_utf8', meaning: 'The line holds bytes that are not UTF-8 (a file saved as Windows-1252, say).', fix: 'Save the file as UTF-8.' },
  { code: 'mixed_formats', meaning: 'This line is in another format than the file\'s first recognised record.', fix: 'Convert every line to one format.' },
  { code: 'missing_conversation_id', meaning: 'A record with "turns" (the native format) needs a conversation_id; the other formats do not.', fix: 'Add a conversation_id, or write the record as "messages" (OpenAI chat).' },
  { code: 'unknown_role', meaning: 'A role (or ShareGPT "from") the format does not know: "bot", or "human" in an OpenAI file.', fix: 'Use the format\'s own role names.' },
  { code: 'missing_content', meaning: 'A turn without its text, or text that is not a string.', fix: 'Give every turn a string content; only an assistant turn with tool calls may leave it out.' },
  { code: 'invalid_tool_call', meaning: 'A tool call without an id or a function name, or with arguments that are not JSON text.', fix: 'Write each call as {"id": ..., "type": "function", "function": {"name": ..., "arguments": "<JSON text>"}}.' },
  { code: 'unknown_tool_call_id', meaning: 'A tool result whose tool_call_id names no earlier call.', fix: 'Answer each call with its own id, after the call.' },
  { code: 'invalid_weight', meaning: 'A weight that is not the integer 0 or 1.', fix: 'Use 0 (context only) or 1 (trained), without quotes.' },
  { code: 'no_assistant_turn', meaning: 'Nothing to learn from: no assistant turn, or only assistant turns of weight 0.', fix: 'Add the answer the model should learn.' },
  { code: 'consecutive_roles', meaning: 'Two user (or assistant, or system) turns in a row: many chat templates refuse them.', fix: 'Merge the two turns, or put the missing turn between them.' },
  { code: 'duplicate_conversation', meaning: 'The same conversation appeared earlier in the file.', fix: 'Remove the copy.' },
  { code: 'too_many_tokens', meaning: 'The conversation is longer than the context limit: a trainer would cut or drop it.', fix: 'Shorten or split it, or raise the context limit if the model allows it.' }
]
