/**
 * Chat templates compiled into JavaScript closures. @huggingface/jinja lexes and parses the
 * template (with Jinja2's trim_blocks and lstrip_blocks, as transformers sets them); the tree is
 * then compiled here rather than interpreted by @huggingface/jinja's runtime, for two reasons:
 * - speed: its interpreter wraps every value and builds an environment per render (0.3–1.5 ms
 *   a render of a short conversation measured here), while a count needs one render per trained
 *   turn; a closure tree renders in microseconds;
 * - exactness: its string methods ignore arguments (`strip('\n')` strips all whitespace, which
 *   the Qwen 3 template relies on), and whitespace, str() and tojson differ from CPython's.
 * Values follow Python and Jinja2 (python.ts, builtins.ts). A construct or filter not supported
 * is refused at compile time (TemplateCompileError), so a new template is checked when added.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- nodes of @huggingface/jinja's parse tree, read by their `type` */

import { parse, tokenize } from '@huggingface/jinja'
import { compareValues, FILTERS, GLOBALS, method, TESTS } from './builtins.js'
import {
  contains, index, isDict, iterate, Namespace, pyEquals, pyStr, slice, TemplateError, truthy, typeName, Undefined,
  type Arguments, type Callable
} from './python.js'

export class TemplateCompileError extends Error {}

interface Scope { vars: Map<string, unknown>, parent: Scope | null }
interface Output { text: string }
type Expr = (scope: Scope) => unknown
// What a statement tells the loop around it: go on, break or continue.
const NEXT = 0
const BREAK = 1
const CONTINUE = 2
type Stmt = (scope: Scope, out: Output) => number

const CONSTANTS = new Map<string, unknown>([['true', true], ['false', false], ['none', null], ['True', true], ['False', false], ['None', null]])

function lookup (scope: Scope, name: string): unknown {
  for (let s: Scope | null = scope; s !== null; s = s.parent) {
    const value = s.vars.get(name)
    if (value !== undefined) return value
  }
  return GLOBALS.get(name) ?? new Undefined(`'${name}' is undefined`)
}

function getattr (value: unknown, name: string): unknown {
  if (value instanceof Undefined) value.fail()
  if (value instanceof Namespace) return value.attributes.has(name) ? value.attributes.get(name) : new Undefined(`'Namespace' object has no attribute '${name}'`)
  const bound = method(value, name)
  if (bound) return bound
  if (isDict(value) && Object.hasOwn(value, name)) return value[name]
  return new Undefined(`'${typeName(value)} object' has no attribute '${name}'`)
}

function getitem (value: unknown, key: unknown): unknown {
  if (value instanceof Undefined) value.fail()
  if ((typeof value === 'string' || Array.isArray(value)) && typeof key === 'number') {
    return index(value, key, `${typeName(value)} object has no element ${key}`)
  }
  if (isDict(value) && typeof key === 'string' && Object.hasOwn(value, key)) return value[key]
  if (typeof key === 'string') return getattr(value, key)
  return new Undefined(`'${typeName(value)} object' has no element ${pyStr(key)}`)
}

function defined (value: unknown): unknown {
  if (value instanceof Undefined) value.fail()
  return value
}

function binary (op: string, a: unknown, b: unknown): unknown {
  switch (op) {
    case '==': return pyEquals(a, b)
    case '!=': return !pyEquals(a, b)
    case '<': return compareValues(defined(a), defined(b)) < 0
    case '>': return compareValues(defined(a), defined(b)) > 0
    case '<=': return compareValues(defined(a), defined(b)) <= 0
    case '>=': return compareValues(defined(a), defined(b)) >= 0
    case 'in': return contains(b, a)
    case 'not in': return !contains(b, a)
    case '~': return pyStr(a) + pyStr(b)
  }
  defined(a)
  defined(b)
  const numbers = (typeof a === 'number' || typeof a === 'boolean') && (typeof b === 'number' || typeof b === 'boolean')
  const x = Number(a)
  const y = Number(b)
  if (op === '+') {
    if (numbers) return x + y
    if (typeof a === 'string' && typeof b === 'string') return a + b
    if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b]
    if (typeof a === 'string' || Array.isArray(a)) throw new TemplateError(`can only concatenate ${typeName(a)} (not "${typeName(b)}") to ${typeName(a)}`)
  } else if (op === '*') {
    if (numbers) return x * y
    if (typeof a === 'string' && Number.isInteger(b)) return a.repeat(Math.max(0, y))
    if (typeof b === 'string' && Number.isInteger(a)) return b.repeat(Math.max(0, x))
  } else if (numbers) {
    if ((op === '/' || op === '//' || op === '%') && y === 0) throw new TemplateError('division by zero')
    switch (op) {
      case '-': return x - y
      case '/': return x / y
      case '//': return Math.floor(x / y)
      case '%': return x - y * Math.floor(x / y)
      case '**': return x ** y
    }
  }
  throw new TemplateError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`)
}

function call (fn: unknown, args: Arguments): unknown {
  if (fn instanceof Undefined) fn.fail()
  if (typeof fn !== 'function') throw new TemplateError(`'${typeName(fn)}' object is not callable`)
  return (fn as Callable)(args)
}

function compileArguments (nodes: any[]): (scope: Scope) => Arguments {
  const parts = nodes.map(node => {
    if (node.type === 'KeywordArgumentExpression') return { key: node.key.value as string, value: compileExpr(node.value) }
    if (node.type === 'SpreadExpression') return { spread: compileExpr(node.argument) }
    return { value: compileExpr(node) }
  })
  return scope => {
    const result: Arguments = { args: [], kwargs: new Map() }
    for (const part of parts) {
      if ('spread' in part) result.args.push(...iterate(part.spread!(scope)))
      else if (part.key !== undefined) result.kwargs.set(part.key, part.value(scope))
      else result.args.push(part.value(scope))
    }
    return result
  }
}

function compileExpr (node: any): Expr {
  switch (node.type) {
    case 'StringLiteral':
    case 'IntegerLiteral':
    case 'FloatLiteral': {
      const value = node.value
      return () => value
    }
    case 'ArrayLiteral':
    case 'TupleLiteral': {
      const items = (node.value as any[]).map(compileExpr)
      return scope => items.map(item => item(scope))
    }
    case 'ObjectLiteral': {
      const entries = Array.from(node.value as Map<any, any>, ([k, v]) => [compileExpr(k), compileExpr(v)] as const)
      return scope => {
        const out: Record<string, unknown> = {}
        for (const [k, v] of entries) Object.defineProperty(out, pyStr(k(scope)), { value: v(scope), enumerable: true, writable: true, configurable: true })
        return out
      }
    }
    case 'Identifier': {
      const name = node.value as string
      if (CONSTANTS.has(name)) {
        const value = CONSTANTS.get(name)
        return () => value
      }
      return scope => lookup(scope, name)
    }
    case 'MemberExpression': {
      const object = compileExpr(node.object)
      const property = node.property
      if (!node.computed) {
        const name = String(property.value)
        return property.type === 'IntegerLiteral' ? scope => getitem(object(scope), property.value) : scope => getattr(object(scope), name)
      }
      if (property.type === 'SliceExpression') {
        const [start, stop, step] = [property.start, property.stop, property.step].map(part => part ? compileExpr(part) : () => null)
        return scope => {
          const value = defined(object(scope))
          if (typeof value !== 'string' && !Array.isArray(value)) throw new TemplateError(`'${typeName(value)}' object is not subscriptable`)
          return slice(value, start(scope), stop(scope), step(scope))
        }
      }
      const key = compileExpr(property)
      return scope => getitem(object(scope), key(scope))
    }
    case 'CallExpression': {
      const args = compileArguments(node.args)
      const callee = compileExpr(node.callee)
      return scope => call(callee(scope), args(scope))
    }
    case 'BinaryExpression': {
      const op = node.operator.value as string
      const left = compileExpr(node.left)
      const right = compileExpr(node.right)
      if (op === 'and') return scope => { const a = left(scope); return truthy(a) ? right(scope) : a }
      if (op === 'or') return scope => { const a = left(scope); return truthy(a) ? a : right(scope) }
      // The commonest operators without binary()'s dispatch: the same values (a render runs thousands).
      if (op === '==') return scope => pyEquals(left(scope), right(scope))
      if (op === '!=') return scope => !pyEquals(left(scope), right(scope))
      if (op === '+') {
        return scope => {
          const a = left(scope)
          const b = right(scope)
          return typeof a === 'string' && typeof b === 'string' ? a + b : binary(op, a, b)
        }
      }
      return scope => binary(op, left(scope), right(scope))
    }
    case 'UnaryExpression': {
      const argument = compileExpr(node.argument)
      const op = node.operator.value as string
      if (op === 'not') return scope => !truthy(argument(scope))
      if (op === '-') return scope => -Number(defined(argument(scope)))
      return scope => Number(defined(argument(scope)))
    }
    case 'FilterExpression': return compileFilter(node.filter, compileExpr(node.operand))
    case 'TestExpression': {
      const isCall = node.test.type === 'CallExpression'
      const name = (isCall ? node.test.callee.value : node.test.value) as string
      const test = TESTS.get(name)
      if (!test) throw new TemplateCompileError(`unsupported test "${name}"`)
      const operand = compileExpr(node.operand)
      const args = compileArguments(isCall ? node.test.args : [])
      const negate = node.negate as boolean
      return scope => test(operand(scope), args(scope)) !== negate
    }
    case 'Ternary': {
      const condition = compileExpr(node.condition)
      const yes = compileExpr(node.trueExpr)
      const no = compileExpr(node.falseExpr)
      return scope => truthy(condition(scope)) ? yes(scope) : no(scope)
    }
    case 'SelectExpression': {
      const value = compileExpr(node.lhs)
      const test = compileExpr(node.test)
      return scope => truthy(test(scope)) ? value(scope) : new Undefined('the condition of an if-expression was false')
    }
    default: throw new TemplateCompileError(`unsupported expression "${node.type}"`)
  }
}

function compileFilter (filter: any, operand: Expr): Expr {
  const isCall = filter.type === 'CallExpression'
  const name = (isCall ? filter.callee.value : filter.value) as string
  const apply = FILTERS.get(name)
  if (!apply) throw new TemplateCompileError(`unsupported filter "${name}"`)
  const args = compileArguments(isCall ? filter.args : [])
  return scope => apply(operand(scope), args(scope))
}

function compileBody (nodes: any[]): Stmt {
  const statements = nodes.filter(node => node.type !== 'Comment').map(compileStmt)
  return (scope, out) => {
    for (const statement of statements) {
      const flow = statement(scope, out)
      if (flow !== NEXT) return flow
    }
    return NEXT
  }
}

function assign (target: any): (scope: Scope, value: unknown) => void {
  if (target.type === 'Identifier') {
    const name = target.value as string
    return (scope, value) => { scope.vars.set(name, value) }
  }
  if (target.type === 'TupleLiteral' || target.type === 'ArrayLiteral') {
    const parts = (target.value as any[]).map(assign)
    return (scope, value) => {
      const items = iterate(value)
      if (items.length !== parts.length) throw new TemplateError(`expected ${parts.length} values to unpack, got ${items.length}`)
      parts.forEach((part, i) => part(scope, items[i]))
    }
  }
  if (target.type === 'MemberExpression' && !target.computed) {
    const object = compileExpr(target.object)
    const name = target.property.value as string
    return (scope, value) => {
      const ns = object(scope)
      if (!(ns instanceof Namespace)) throw new TemplateError('cannot assign attribute on non-namespace object')
      ns.attributes.set(name, value)
    }
  }
  throw new TemplateCompileError(`unsupported assignment to "${target.type}"`)
}

function compileFor (node: any): Stmt {
  const filtered = node.iterable.type === 'SelectExpression'
  const iterable = compileExpr(filtered ? node.iterable.lhs : node.iterable)
  const condition = filtered ? compileExpr(node.iterable.test) : null
  const bind = assign(node.loopvar)
  const body = compileBody(node.body)
  const otherwise = compileBody(node.defaultBlock)
  // The loop variable is made only for bodies that name it (a render runs many loops).
  const usesLoop = JSON.stringify(node.body).includes('"value":"loop"')
  return (scope, out) => {
    let items = iterate(iterable(scope))
    if (condition) items = items.filter(item => { const inner = { vars: new Map(), parent: scope }; bind(inner, item); return truthy(condition(inner)) })
    const n = items.length
    for (let i = 0; i < n; i++) {
      const inner: Scope = { vars: new Map(), parent: scope }
      bind(inner, items[i])
      if (usesLoop) {
        const cycle: Callable = c => c.args[i % c.args.length]
        inner.vars.set('loop', {
          index: i + 1, index0: i, revindex: n - i, revindex0: n - i - 1, first: i === 0, last: i === n - 1, length: n, depth: 1, depth0: 0,
          previtem: i > 0 ? items[i - 1] : new Undefined('there is no previous item'), nextitem: i + 1 < n ? items[i + 1] : new Undefined('there is no next item'), cycle
        })
      }
      if (body(inner, out) === BREAK) break
    }
    return n === 0 ? otherwise(scope, out) : NEXT
  }
}

function compileStmt (node: any): Stmt {
  switch (node.type) {
    case 'If': {
      const test = compileExpr(node.test)
      const body = compileBody(node.body)
      const alternate = compileBody(node.alternate)
      return (scope, out) => truthy(test(scope)) ? body(scope, out) : alternate(scope, out)
    }
    case 'For': return compileFor(node)
    case 'Break': return () => BREAK
    case 'Continue': return () => CONTINUE
    case 'Set': {
      const target = assign(node.assignee)
      if (node.value !== null) {
        const value = compileExpr(node.value)
        return scope => { target(scope, value(scope)); return NEXT }
      }
      const body = compileBody(node.body)
      return scope => { const inner = { text: '' }; body(scope, inner); target(scope, inner.text); return NEXT }
    }
    case 'Macro': {
      const name = node.name.value as string
      const params = (node.args as any[]).map(p => p.type === 'KeywordArgumentExpression' ? { name: p.key.value as string, fallback: compileExpr(p.value) } : { name: p.value as string, fallback: null })
      const body = compileBody(node.body)
      return scope => {
        const macro: Callable = c => {
          const inner: Scope = { vars: new Map(), parent: scope }
          params.forEach((p, i) => inner.vars.set(p.name, c.kwargs.has(p.name) ? c.kwargs.get(p.name) : i < c.args.length ? c.args[i] : p.fallback ? p.fallback(inner) : new Undefined(`parameter '${p.name}' was not provided`)))
          const out = { text: '' }
          body(inner, out)
          return out.text
        }
        scope.vars.set(name, macro)
        return NEXT
      }
    }
    case 'FilterStatement': {
      const body = compileBody(node.body)
      let text = ''
      const apply = compileFilter(node.filter, () => text)
      return (scope, out) => { const inner = { text: '' }; body(scope, inner); text = inner.text; out.text += pyStr(apply(scope)); return NEXT }
    }
    case 'Comment': return () => NEXT
    default: {
      if (!/Expression$|Literal$|^Identifier$|^Ternary$/.test(node.type)) throw new TemplateCompileError(`unsupported statement "${node.type}"`)
      const value = compileExpr(node)
      return (scope, out) => { out.text += pyStr(value(scope)); return NEXT }
    }
  }
}

export type RenderTemplate = (context: ReadonlyMap<string, unknown>) => string

/** Compiles a chat template; rendering throws TemplateError with the template's own message when it raises. */
export function compileTemplate (source: string): RenderTemplate {
  let program
  try {
    program = parse(tokenize(source, { lstrip_blocks: true, trim_blocks: true }))
  } catch (error) {
    throw new TemplateCompileError(`the template does not parse: ${(error as Error).message}`)
  }
  const body = compileBody(program.body)
  return context => {
    const out = { text: '' }
    body({ vars: new Map(context), parent: null }, out)
    return out.text
  }
}
