import type { Conversation } from '../turns/turn.js'
import type { RecordWriter } from './writer.js'
import { refuse } from './writer.js'

/** Renders a conversation as the model's chat template does (add_generation_prompt false); throws the template's error. */
export type RenderConversation = (conversation: Conversation) => string

/**
 * `{"text": ...}` for continued pre-training: a text record as it is; a conversation rendered
 * with the dataset's model chat template (`render`), which an encoding does not have: then
 * conversations are refused. A template that raises refuses the record with its message.
 */
export function textWriter (render: RenderConversation | null): RecordWriter {
  return {
    format: 'text',
    write (record) {
      const { conversation } = record
      const out: Record<string, unknown> = {}
      if (record.id !== null) out.conversation_id = record.id
      if (conversation.text !== null) {
        out.text = conversation.text
        return out
      }
      if (render === null) refuse(record, 'text', 'rendering a conversation as text needs a model\'s chat template, and the dataset\'s tokenizer is an encoding')
      try {
        out.text = render(conversation)
      } catch (error) {
        refuse(record, 'text', `the chat template refuses it (${(error as Error).message})`)
      }
      return out
    }
  }
}
