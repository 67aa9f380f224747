import type { RecordFormat } from './record-format.js'
import { readId, readRequiredText } from './scope.js'

/** Plain text for continued pre-training: no turns, every token is trained. */
export const text: RecordFormat = {
  name: 'text',
  recognises: record => Object.hasOwn(record, 'text'),
  conversationPath: 'text',
  read (record, scope) {
    readId(record, scope, false)
    scope.text = readRequiredText(record, 'text', scope)
  }
}
