/**
 * The filters, tests, globals and methods chat templates use, with Jinja2's and CPython's
 * behaviour (transformers' own tojson, raise_exception and strftime_now included). A template
 * using one that is missing here is refused when it is compiled (compile.ts), not rendered
 * differently.
 */

import {
  contains, isDict, iterate, length, Namespace, pyEquals, pyJson, pyStr, strip, TemplateError, truthy, typeName, Undefined,
  type Arguments, type Callable
} from './python.js'

const arg = (call: Arguments, position: number, name: string, fallback: unknown = null): unknown =>
  call.kwargs.has(name) ? call.kwargs.get(name) : position >= 0 && position < call.args.length ? call.args[position] : fallback

const str = (value: unknown): string => {
  if (value instanceof Undefined) value.fail()
  return pyStr(value)
}

const attribute = (item: unknown, path: string): unknown => {
  let value = item
  for (const part of path.split('.')) value = isDict(value) && Object.hasOwn(value, part) ? value[part] : new Undefined(`no attribute '${part}'`)
  return value
}

export type Test = (value: unknown, call: Arguments) => boolean

export const TESTS = new Map<string, Test>([
  ['defined', v => !(v instanceof Undefined)],
  ['undefined', v => v instanceof Undefined],
  ['none', v => v === null],
  ['string', v => typeof v === 'string'],
  ['number', v => typeof v === 'number'],
  ['integer', v => typeof v === 'number' && Number.isInteger(v)],
  ['float', v => typeof v === 'number' && !Number.isInteger(v)],
  ['boolean', v => typeof v === 'boolean'],
  ['true', v => v === true],
  ['false', v => v === false],
  ['mapping', v => isDict(v)],
  ['iterable', v => typeof v === 'string' || Array.isArray(v) || isDict(v) || v instanceof Undefined],
  ['sequence', v => typeof v === 'string' || Array.isArray(v) || isDict(v)],
  ['callable', v => typeof v === 'function'],
  ['odd', v => Number(v) % 2 === 1],
  ['even', v => Number(v) % 2 === 0],
  ['divisibleby', (v, c) => Number(v) % Number(arg(c, 0, 'num')) === 0],
  ['lower', v => typeof v === 'string' && v === v.toLowerCase()],
  ['upper', v => typeof v === 'string' && v === v.toUpperCase()],
  ['in', (v, c) => contains(arg(c, 0, 'seq'), v)],
  ['sameas', (v, c) => v === arg(c, 0, 'other')],
  ['escaped', () => false]
])
for (const [names, compare] of [
  [['eq', 'equalto', '=='], (a: unknown, b: unknown) => pyEquals(a, b)],
  [['ne', '!='], (a: unknown, b: unknown) => !pyEquals(a, b)],
  [['lt', 'lessthan', '<'], (a: unknown, b: unknown) => compareValues(a, b) < 0],
  [['le', '<='], (a: unknown, b: unknown) => compareValues(a, b) <= 0],
  [['gt', 'greaterthan', '>'], (a: unknown, b: unknown) => compareValues(a, b) > 0],
  [['ge', '>='], (a: unknown, b: unknown) => compareValues(a, b) >= 0]
] as const) {
  for (const name of names) TESTS.set(name, (v, c) => compare(v, arg(c, 0, 'other')))
}

/** Python's ordering of numbers, strings and lists; anything else is a TypeError. */
export function compareValues (a: unknown, b: unknown): number {
  if ((typeof a === 'number' || typeof a === 'boolean') && (typeof b === 'number' || typeof b === 'boolean')) return Number(a) - Number(b)
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!pyEquals(a[i], b[i])) return compareValues(a[i], b[i])
    }
    return a.length - b.length
  }
  throw new TemplateError(`'<' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`)
}

const selectFilter = (keep: boolean, byAttribute: boolean) => (value: unknown, call: Arguments): unknown[] => {
  const path = byAttribute ? String(arg(call, 0, 'attribute')) : null
  const testName = byAttribute ? arg(call, 1, 'test', null) : arg(call, 0, 'test', null)
  const rest: Arguments = { args: call.args.slice(byAttribute ? 2 : 1), kwargs: new Map() }
  let test: Test = v => truthy(v)
  if (testName !== null) {
    const found = TESTS.get(String(testName))
    if (!found) throw new TemplateError(`No test named '${pyStr(testName)}'.`)
    test = found
  }
  return iterate(value).filter(item => test(path === null ? item : attribute(item, path), rest) === keep)
}

export type Filter = (value: unknown, call: Arguments) => unknown

export const FILTERS: Map<string, Filter> = new Map<string, Filter>([
  ['trim', (v, c) => strip(str(v), arg(c, 0, 'chars'), true, true)],
  ['tojson', (v, c) => {
    const indent = arg(c, 0, 'indent')
    const separators = arg(c, 2, 'separators')
    return pyJson(v, typeof indent === 'number' || typeof indent === 'string' ? indent : null,
      Array.isArray(separators) ? [String(separators[0]), String(separators[1])] : null, truthy(arg(c, 3, 'sort_keys', false)))
  }],
  ['length', v => length(v)],
  ['count', v => length(v)],
  ['string', v => pyStr(v)],
  ['upper', v => str(v).toUpperCase()],
  ['lower', v => str(v).toLowerCase()],
  ['capitalize', v => { const s = str(v); return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase() }],
  ['replace', (v, c) => str(v).split(String(arg(c, 0, 'old'))).join(String(arg(c, 1, 'new')))],
  ['first', v => iterate(v)[0] ?? new Undefined('No first item, sequence was empty.')],
  ['last', v => { const items = iterate(v); return items.length ? items[items.length - 1] : new Undefined('No last item, sequence was empty.') }],
  ['list', v => iterate(v).slice()],
  ['reverse', v => typeof v === 'string' ? Array.from(v).reverse().join('') : iterate(v).slice().reverse()],
  ['join', (v, c) => {
    const path = arg(c, 1, 'attribute')
    return iterate(v).map(item => pyStr(path === null ? item : attribute(item, String(path)))).join(pyStr(arg(c, 0, 'd', '')))
  }],
  ['default', (v, c) => (v instanceof Undefined || (truthy(arg(c, 1, 'boolean', false)) && !truthy(v))) ? arg(c, 0, 'default_value', '') : v],
  ['map', (v, c): unknown => {
    const path = arg(c, -1, 'attribute')
    if (path !== null) return iterate(v).map(item => attribute(item, String(path)))
    const filter: Filter | undefined = FILTERS.get(String(c.args[0]))
    if (!filter) throw new TemplateError(`No filter named '${pyStr(c.args[0])}'.`)
    return iterate(v).map(item => filter(item, { args: c.args.slice(1), kwargs: new Map() }))
  }],
  ['select', selectFilter(true, false)],
  ['reject', selectFilter(false, false)],
  ['selectattr', selectFilter(true, true)],
  ['rejectattr', selectFilter(false, true)],
  ['items', v => isDict(v) ? Object.entries(v) : iterate(v)],
  ['abs', v => Math.abs(Number(v))],
  ['int', v => { const n = Number.parseInt(pyStr(v), 10); return Number.isNaN(n) ? 0 : n }],
  ['unique', v => iterate(v).filter((x, i, all) => all.findIndex(y => pyEquals(x, y)) === i)],
  ['safe', v => v],
  ['indent', (v, c) => {
    const width = arg(c, 0, 'width', 4)
    const pad = typeof width === 'number' ? ' '.repeat(width) : String(width)
    const lines = str(v).split('\n')
    const first = truthy(arg(c, 1, 'first', false))
    const blank = truthy(arg(c, 2, 'blank', false))
    return lines.map((line, i) => (i === 0 && !first) || (!blank && line === '') ? line : pad + line).join('\n')
  }]
])
FILTERS.set('d', FILTERS.get('default')!)

/** The methods of a value reached by `value.name`, or undefined when it has none of that name. */
export function method (value: unknown, name: string): Callable | undefined {
  if (typeof value === 'string') {
    switch (name) {
      case 'strip': return c => strip(value, arg(c, 0, 'chars'), true, true)
      case 'lstrip': return c => strip(value, arg(c, 0, 'chars'), true, false)
      case 'rstrip': return c => strip(value, arg(c, 0, 'chars'), false, true)
      case 'startswith': return c => [arg(c, 0, 'prefix')].flat().some(p => value.startsWith(String(p)))
      case 'endswith': return c => [arg(c, 0, 'suffix')].flat().some(p => value.endsWith(String(p)))
      case 'split': return c => splitString(value, arg(c, 0, 'sep'), arg(c, 1, 'maxsplit', -1))
      case 'upper': return () => value.toUpperCase()
      case 'lower': return () => value.toLowerCase()
      case 'replace': return c => value.split(String(arg(c, 0, 'old'))).join(String(arg(c, 1, 'new')))
      case 'find': return c => value.indexOf(String(arg(c, 0, 'sub')))
      case 'count': return c => value.split(String(arg(c, 0, 'sub'))).length - 1
      case 'join': return c => iterate(arg(c, 0, 'iterable')).map(x => String(x)).join(value)
      default: return undefined
    }
  }
  if (isDict(value)) {
    switch (name) {
      case 'items': return () => Object.entries(value)
      case 'keys': return () => Object.keys(value)
      case 'values': return () => Object.values(value)
      case 'get': return c => { const key = arg(c, 0, 'key'); return typeof key === 'string' && Object.hasOwn(value, key) ? value[key] : arg(c, 1, 'default') }
      default: return undefined
    }
  }
  return undefined
}

function splitString (text: string, sep: unknown, maxsplit: unknown): string[] {
  const limit = typeof maxsplit === 'number' ? maxsplit : -1
  if (sep === null || sep instanceof Undefined) {
    const words = strip(text, null, true, false)
    const out: string[] = []
    let rest = words
    while (rest.length > 0) {
      if (limit >= 0 && out.length === limit) return [...out, rest]
      const end = Array.from(rest).findIndex(c => strip(c, null, true, true) === '')
      if (end === -1) return [...out, rest]
      const cut = Array.from(rest).slice(0, end).join('')
      out.push(cut)
      rest = strip(rest.slice(cut.length), null, true, false)
    }
    return out
  }
  const separator = String(sep)
  if (separator === '') throw new TemplateError('empty separator')
  const parts = text.split(separator)
  return limit >= 0 && parts.length > limit + 1 ? [...parts.slice(0, limit), parts.slice(limit).join(separator)] : parts
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

// Llama 3.2's template asks for today's date on every render: the text of a format is kept for
// the second it was made in (a clock read and a compare instead of formatting a date).
const nowCache = new Map<string, { second: number, text: string }>()

function strftimeNow (format: string): string {
  const now = Date.now()
  const second = Math.floor(now / 1000)
  const kept = nowCache.get(format)
  if (kept !== undefined && kept.second === second) return kept.text
  const text = strftime(new Date(now), format)
  if (nowCache.size > 64) nowCache.clear()
  nowCache.set(format, { second, text })
  return text
}

/** datetime.now().strftime(format) in the C locale. */
export function strftime (date: Date, format: string): string {
  const two = (n: number) => String(n).padStart(2, '0')
  return format.replace(/%([a-zA-Z%])/g, (all, code: string) => {
    switch (code) {
      case 'Y': return String(date.getFullYear())
      case 'y': return two(date.getFullYear() % 100)
      case 'm': return two(date.getMonth() + 1)
      case 'd': return two(date.getDate())
      case 'b': return MONTHS[date.getMonth()].slice(0, 3)
      case 'B': return MONTHS[date.getMonth()]
      case 'a': return DAYS[date.getDay()].slice(0, 3)
      case 'A': return DAYS[date.getDay()]
      case 'H': return two(date.getHours())
      case 'I': return two(((date.getHours() + 11) % 12) + 1)
      case 'p': return date.getHours() < 12 ? 'AM' : 'PM'
      case 'M': return two(date.getMinutes())
      case 'S': return two(date.getSeconds())
      case '%': return '%'
      default: return all
    }
  })
}

export const GLOBALS = new Map<string, unknown>([
  ['raise_exception', ((c: Arguments) => { throw new TemplateError(pyStr(arg(c, 0, 'message'))) }) as Callable],
  ['strftime_now', ((c: Arguments) => strftimeNow(String(arg(c, 0, 'format')))) as Callable],
  ['range', ((c: Arguments) => {
    const [a, b, step] = c.args.length === 1 ? [0, Number(c.args[0]), 1] : [Number(c.args[0]), Number(c.args[1]), Number(c.args[2] ?? 1)]
    const out: number[] = []
    for (let i = a; step > 0 ? i < b : i > b; i += step) out.push(i)
    return out
  }) as Callable],
  ['namespace', ((c: Arguments) => {
    const ns = new Namespace()
    for (const given of c.args) if (isDict(given)) for (const [k, v] of Object.entries(given)) ns.attributes.set(k, v)
    for (const [k, v] of c.kwargs) ns.attributes.set(k, v)
    return ns
  }) as Callable],
  ['dict', ((c: Arguments) => Object.fromEntries(c.kwargs)) as Callable]
])
