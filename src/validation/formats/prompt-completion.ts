import type { RecordFormat } from './record-format.js'
import { plainTurn, readId, readRequiredText } from './scope.js'

/** TRL's prompt/completion: a user turn, then the assistant turn that is trained. */
export const promptCompletion: RecordFormat = {
  name: 'prompt_completion',
  recognises: record => Object.hasOwn(record, 'prompt') && Object.hasOwn(record, 'completion'),
  conversationPath: '',
  read (record, scope) {
    readId(record, scope, false)
    const prompt = readRequiredText(record, 'prompt', scope)
    const completion = readRequiredText(record, 'completion', scope)
    if (prompt === null || completion === null) return
    scope.turn('prompt', plainTurn('user', prompt))
    scope.turn('completion', plainTurn('assistant', completion))
  }
}
