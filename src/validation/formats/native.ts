import type { Role } from '../turns/turn.js'
import { own } from '../turns/own.js'
import type { RecordFormat } from './record-format.js'
import { describe, isObject, plainTurn, preview, readContainer, readId } from './scope.js'

// A Map, never an object: `role in {...}` would take "constructor" or "__proto__" for a role.
const ROLES = new Map<string, Role>([['system', 'system'], ['user', 'user'], ['assistant', 'assistant'], ['tool', 'tool']])

/** The v1 format: `{"conversation_id", "turns": [{"role", "content"}]}`. */
export const native: RecordFormat = {
  name: 'native',
  recognises: record => Object.hasOwn(record, 'turns'),
  conversationPath: 'turns',
  read (record, scope) {
    readId(record, scope, true)
    const turns = readContainer(record, 'turns', scope)
    if (turns === null) return
    for (let i = 0; i < turns.length; i++) {
      const turn = turns[i]
      const path = `turns[${i}]`
      if (!isObject(turn)) {
        scope.turnError('invalid_turn', path, `${path} must be an object; it is ${describe(turn)}.`)
        continue
      }
      const role = own(turn, 'role')
      const content = own(turn, 'content')
      let known: Role | undefined
      if (typeof role !== 'string') {
        scope.turnError('missing_role', `${path}.role`, role === undefined ? `${path} has no "role".` : `${path}.role must be a string; it is ${describe(role)}.`)
      } else if ((known = ROLES.get(role)) === undefined) {
        scope.turnError('unknown_role', `${path}.role`, `${path}.role ${preview(role)} is not one of system, user, assistant, tool.`)
      }
      if (typeof content !== 'string') {
        scope.turnError('missing_content', `${path}.content`, content === undefined ? `${path} has no "content".` : `${path}.content must be a string; it is ${describe(content)}.`)
      } else {
        scope.checkText(path, content, '.content')
        if (known) scope.turn(path, plainTurn(known, content))
      }
    }
  }
}
