import { own } from '../turns/own.js'
import type { RecordFormat } from './record-format.js'
import { describe, isBlank, plainTurn, readId, readOptionalText, readRequiredText } from './scope.js'

/**
 * Alpaca (LLaMA-Factory's `instruction`/`input`/`output`, with `system` and `history`): the
 * system turn, each history pair, then the instruction (and its input) and the output.
 */
export const alpaca: RecordFormat = {
  name: 'alpaca',
  recognises: record => Object.hasOwn(record, 'instruction'),
  conversationPath: '',
  read (record, scope) {
    readId(record, scope, false)
    const system = readOptionalText(record, 'system', scope)
    if (system !== null && !isBlank(system)) {
      scope.checkSpecialTokens('system', system)
      scope.turn('system', plainTurn('system', system))
    }
    const history = own(record, 'history')
    if (history !== undefined && history !== null) {
      if (!Array.isArray(history)) {
        scope.turnError('invalid_field', 'history', `"history" must be an array of [instruction, answer] pairs of strings; it is ${describe(history)}.`)
      } else {
        for (let k = 0; k < history.length; k++) {
          const pair: unknown = history[k]
          const path = `history[${k}]`
          if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
            scope.turnError('invalid_field', path, `${path} must be an [instruction, answer] pair of strings; it is ${Array.isArray(pair) ? `an array of ${pair.length} ${pair.length === 1 ? 'item' : 'items'}${pair.length === 2 ? ' that are not both strings' : ''}` : describe(pair)}.`)
            continue
          }
          scope.checkText(`${path}[0]`, pair[0])
          scope.checkText(`${path}[1]`, pair[1])
          scope.turn(path, plainTurn('user', pair[0]))
          scope.turn(path, plainTurn('assistant', pair[1]))
        }
      }
    }
    const instruction = readRequiredText(record, 'instruction', scope)
    const input = readOptionalText(record, 'input', scope)
    if (input !== null && input !== '') scope.checkSpecialTokens('input', input)
    const output = readRequiredText(record, 'output', scope)
    if (instruction === null || output === null) return
    scope.turn('instruction', plainTurn('user', input ? `${instruction}\n${input}` : instruction))
    scope.turn('output', plainTurn('assistant', output))
  }
}
