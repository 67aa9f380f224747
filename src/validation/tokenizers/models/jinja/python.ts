/**
 * Python's semantics for the values a chat template sees, as Jinja2 gives them: strings,
 * numbers, booleans, None (null), lists (arrays), dicts (plain objects, read through
 * Object.hasOwn only), Jinja2's Undefined, namespaces and callables. Template output must be
 * byte-identical to Jinja2's, so str(), repr(), str.strip() and json.dumps() follow CPython.
 */

export class TemplateError extends Error {}

/** Jinja2's default Undefined: prints as "", is falsy and iterates as empty; using it otherwise fails with its hint. */
export class Undefined {
  constructor (readonly hint: string) {}
  fail (): never {
    throw new TemplateError(this.hint)
  }
}

export class Namespace {
  readonly attributes = new Map<string, unknown>()
}

export interface Arguments {
  args: unknown[]
  kwargs: Map<string, unknown>
}

/** A callable: a global, a method bound to its value, or a macro. */
export type Callable = (call: Arguments) => unknown

export const isDict = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Undefined) && !(value instanceof Namespace)

export function typeName (value: unknown): string {
  if (value === null) return 'NoneType'
  if (value instanceof Undefined) return 'Undefined'
  if (typeof value === 'string') return 'str'
  if (typeof value === 'boolean') return 'bool'
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float'
  if (Array.isArray(value)) return 'list'
  if (typeof value === 'function') return 'function'
  if (value instanceof Namespace) return 'Namespace'
  return 'dict'
}

export function truthy (value: unknown): boolean {
  if (value === null || value === undefined || value instanceof Undefined) return false
  if (typeof value === 'string') return value.length > 0
  if (typeof value === 'number') return value !== 0
  if (typeof value === 'boolean') return value
  if (Array.isArray(value)) return value.length > 0
  if (isDict(value)) return Object.keys(value).length > 0
  return true
}

// CPython's str.isspace(): Unicode White_Space plus the separators U+001C–U+001F (U+FEFF is not).
// eslint-disable-next-line no-control-regex -- the control characters are the point
const PY_SPACE = /^[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]$/

const isSpace = (c: string) => PY_SPACE.test(c)

/** str.strip / lstrip / rstrip with Python's whitespace, or the characters given. */
export function strip (text: string, chars: unknown, left: boolean, right: boolean): string {
  const drop = typeof chars === 'string' ? (c: string) => chars.includes(c) : isSpace
  let start = 0
  let end = text.length
  if (left) while (start < end && drop(text[start])) start++
  if (right) while (end > start && drop(text[end - 1])) end--
  return text.slice(start, end)
}

/** repr() of a str: single quotes unless the text has ' and no ". */
function reprString (text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'"
  let out = quote
  for (const c of text) {
    const code = c.codePointAt(0)!
    if (c === quote || c === '\\') out += '\\' + c
    else if (c === '\n') out += '\\n'
    else if (c === '\r') out += '\\r'
    else if (c === '\t') out += '\\t'
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0')
    else out += c
  }
  return out + quote
}

function formatNumber (value: number): string {
  if (Number.isInteger(value)) return String(value)
  if (Number.isNaN(value)) return 'nan'
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf'
  return String(value)
}

export function repr (value: unknown): string {
  if (typeof value === 'string') return reprString(value)
  if (Array.isArray(value)) return '[' + value.map(repr).join(', ') + ']'
  if (isDict(value)) return '{' + Object.entries(value).map(([k, v]) => reprString(k) + ': ' + repr(v)).join(', ') + '}'
  return pyStr(value)
}

/** str(value), as `{{ value }}` prints it ("" for Undefined). */
export function pyStr (value: unknown): string {
  if (typeof value === 'string') return value
  if (value === null) return 'None'
  if (value === undefined || value instanceof Undefined) return ''
  if (typeof value === 'boolean') return value ? 'True' : 'False'
  if (typeof value === 'number') return formatNumber(value)
  if (value instanceof Namespace) return '<Namespace>'
  if (typeof value === 'function') return '<function>'
  return repr(value)
}

const JSON_ESCAPES = new Map([['"', '\\"'], ['\\', '\\\\'], ['\n', '\\n'], ['\r', '\\r'], ['\t', '\\t'], ['\b', '\\b'], ['\f', '\\f']])

/** A JSON string as json.dumps(ensure_ascii=False) writes it: a lone surrogate stays as it is (JSON.stringify would escape it). */
function jsonString (text: string): string {
  // eslint-disable-next-line no-control-regex -- json.dumps escapes the control characters
  return '"' + text.replace(/["\\\x00-\x1f]/g, c => JSON_ESCAPES.get(c) ?? '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) + '"'
}

/** json.dumps(value, ensure_ascii=False, indent, separators, sort_keys), as transformers' tojson filter calls it. */
export function pyJson (value: unknown, indent: number | string | null, separators: [string, string] | null, sortKeys: boolean): string {
  const pad = typeof indent === 'number' ? ' '.repeat(Math.max(0, indent)) : indent
  const [item, key] = separators ?? (pad === null ? [', ', ': '] : [',', ': '])
  const write = (v: unknown, depth: number): string => {
    if (v instanceof Undefined) v.fail()
    if (v === null || v === undefined) return 'null'
    if (typeof v === 'boolean') return v ? 'true' : 'false'
    if (typeof v === 'number') return Number.isFinite(v) ? formatNumber(v) : Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'
    if (typeof v === 'string') return jsonString(v)
    let entries: Array<[string | null, unknown]>
    let open: string, close: string
    if (Array.isArray(v)) {
      entries = v.map(x => [null, x])
      open = '['
      close = ']'
    } else if (isDict(v)) {
      entries = Object.entries(v)
      if (sortKeys) entries.sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0))
      open = '{'
      close = '}'
    } else {
      throw new TemplateError(`Object of type ${typeName(v)} is not JSON serializable`)
    }
    if (entries.length === 0) return open + close
    const parts = entries.map(([k, x]) => (k === null ? '' : jsonString(k) + key) + write(x, depth + 1))
    if (pad === null) return open + parts.join(item) + close
    const inner = '\n' + pad.repeat(depth + 1)
    return open + inner + parts.join(item + inner) + '\n' + pad.repeat(depth) + close
  }
  return write(value, 0)
}

export function pyEquals (a: unknown, b: unknown): boolean {
  if (a instanceof Undefined || b instanceof Undefined) return a instanceof Undefined && b instanceof Undefined
  if ((typeof a === 'number' || typeof a === 'boolean') && (typeof b === 'number' || typeof b === 'boolean')) return Number(a) === Number(b)
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]))
  if (isDict(a) && isDict(b)) {
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length && keys.every(k => Object.hasOwn(b, k) && pyEquals(a[k], b[k]))
  }
  return a === b
}

/** The items a for loop or filter iterates: a dict's keys, a string's characters. */
export function iterate (value: unknown): unknown[] {
  if (Array.isArray(value)) return value
  if (typeof value === 'string') return Array.from(value)
  if (value instanceof Undefined || value === undefined) return []
  if (isDict(value)) return Object.keys(value)
  throw new TemplateError(`'${typeName(value)}' object is not iterable`)
}

export function length (value: unknown): number {
  if (typeof value === 'string') return Array.from(value).length
  if (Array.isArray(value)) return value.length
  if (isDict(value)) return Object.keys(value).length
  if (value instanceof Undefined) return 0
  throw new TemplateError(`object of type '${typeName(value)}' has no len()`)
}

/** Python's `in`. */
export function contains (container: unknown, item: unknown): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string') throw new TemplateError(`'in <string>' requires string as left operand, not ${typeName(item)}`)
    return container.includes(item)
  }
  if (Array.isArray(container)) return container.some(x => pyEquals(x, item))
  if (isDict(container)) return typeof item === 'string' && Object.hasOwn(container, item)
  if (container instanceof Undefined) container.fail()
  throw new TemplateError(`argument of type '${typeName(container)}' is not iterable`)
}

/** Python's index of a list or string (negative from the end), or Undefined like Jinja2's getitem. */
export function index (value: string | unknown[], at: number, hint: string): unknown {
  const items = typeof value === 'string' ? Array.from(value) : value
  const i = at < 0 ? items.length + at : at
  return Number.isInteger(i) && i >= 0 && i < items.length ? items[i] : new Undefined(hint)
}

/** Python's slice [start:stop:step] of a list or string. */
export function slice (value: string | unknown[], start: unknown, stop: unknown, step: unknown): string | unknown[] {
  const items = typeof value === 'string' ? Array.from(value) : value
  const n = items.length
  const by = step === null || step === undefined || step instanceof Undefined ? 1 : Number(step)
  if (by === 0) throw new TemplateError('slice step cannot be zero')
  const bound = (x: unknown, fallback: number, low: number, high: number) => {
    if (x === null || x === undefined || x instanceof Undefined) return fallback
    const v = Number(x) < 0 ? Number(x) + n : Number(x)
    return Math.min(Math.max(v, low), high)
  }
  const out: unknown[] = []
  if (by > 0) {
    for (let i = bound(start, 0, 0, n), end = bound(stop, n, 0, n); i < end; i += by) out.push(items[i])
  } else {
    for (let i = bound(start, n - 1, -1, n - 1), end = bound(stop, -1, -1, n - 1); i > end; i += by) out.push(items[i])
  }
  return typeof value === 'string' ? out.join('') : out
}
