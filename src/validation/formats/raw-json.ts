// JSON.parse gives 1 for `1.0` and `1e0`: where the contract tells such spellings apart (a
// message's weight), the value's text is read back from the line. Runs on a line JSON.parse has
// accepted, and only when such a value was seen.

const WS = new Set([0x20, 0x09, 0x0a, 0x0d])

function skipSpace (text: string, at: number): number {
  while (at < text.length && WS.has(text.charCodeAt(at))) at++
  return at
}

/** The index just past the string that starts at `at` (a `"`). */
function skipString (text: string, at: number): number {
  for (let i = at + 1; ; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x5c) i++
    else if (c === 0x22) return i + 1
  }
}

function readKey (text: string, at: number): [string, number] {
  const end = skipString(text, at)
  const raw = text.slice(at, end)
  return [raw.includes('\\') ? JSON.parse(raw) as string : raw.slice(1, -1), end]
}

/** The index just past the value that starts at `at` (without recursion: depth does not matter). */
function skipValue (text: string, at: number): number {
  const c = text.charCodeAt(at)
  if (c === 0x22) return skipString(text, at)
  if (c === 0x7b || c === 0x5b) {
    let depth = 0
    for (let i = at; ; i++) {
      const d = text.charCodeAt(i)
      if (d === 0x22) i = skipString(text, i) - 1
      else if (d === 0x7b || d === 0x5b) depth++
      else if ((d === 0x7d || d === 0x5d) && --depth === 0) return i + 1
    }
  }
  let i = at
  while (i < text.length && !WS.has(text.charCodeAt(i)) && text[i] !== ',' && text[i] !== '}' && text[i] !== ']') i++
  return i
}

/** Calls `member(key, valueStart)` for each member of the object at `at`; returns the index past it. */
function eachMember (text: string, at: number, member: (key: string, start: number) => number): number {
  let i = skipSpace(text, at + 1)
  if (text[i] === '}') return i + 1
  for (;;) {
    const [key, afterKey] = readKey(text, i)
    const start = skipSpace(text, skipSpace(text, afterKey) + 1)
    i = skipSpace(text, member(key, start))
    if (text[i] === '}') return i + 1
    i = skipSpace(text, i + 1)
  }
}

/**
 * For the top-level `container` array of objects (the last one, as JSON.parse keeps the last of
 * duplicate keys): the text of each element's `field` value, by element index.
 */
export function memberTexts (text: string, container: string, field: string): Map<number, string> {
  let found = new Map<number, string>()
  eachMember(text, skipSpace(text, 0), (key, start) => {
    if (key !== container || text[start] !== '[') return skipValue(text, start)
    const texts = new Map<number, string>()
    let i = skipSpace(text, start + 1)
    for (let index = 0; text[i] !== ']'; index++) {
      if (text[i] === '{') {
        i = eachMember(text, i, (name, valueStart) => {
          const end = skipValue(text, valueStart)
          if (name === field) texts.set(index, text.slice(valueStart, end))
          return end
        })
      } else {
        i = skipValue(text, i)
      }
      i = skipSpace(text, i)
      if (text[i] === ',') i = skipSpace(text, i + 1)
    }
    found = texts
    return i + 1
  })
  return found
}
