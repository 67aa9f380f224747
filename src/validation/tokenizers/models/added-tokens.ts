/**
 * Finds a tokenizer's added tokens in text as Hugging Face's AddedVocabulary does: leftmost
 * match first, the longest at that position (Aho-Corasick, LeftmostLongest). A trie of Maps
 * walked from each position whose character can start a token.
 */

interface TrieNode {
  next: Map<number, TrieNode>
  /** Set when a token ends here: 1, or 2 for a token of the second set. */
  end: number
}

export class AddedTokenMatcher {
  private readonly root: TrieNode = { next: new Map(), end: 0 }
  // The characters a token starts with, as a one-character class: a regex search skips to the
  // next of them much faster than a loop over every character.
  private readonly startSearch: RegExp
  /** The one character every token starts with (indexOf is faster still), else ''. */
  private readonly startChar: string
  readonly size: number
  /** Set by find: the end of the match it returned, and whether it is of the second set. */
  matchEnd = -1
  matchSecond = false

  /** `second`: more tokens, told apart by matchSecond (one search finds both sets). */
  constructor (tokens: readonly string[], second: readonly string[] = []) {
    this.size = tokens.length + second.length
    const starts = new Set<number>()
    for (const [set, list] of [[1, tokens], [2, second]] as const) {
      for (const token of list) {
        if (token.length === 0) continue
        let node = this.root
        for (let i = 0; i < token.length; i++) {
          const c = token.charCodeAt(i)
          let child = node.next.get(c)
          if (!child) {
            child = { next: new Map(), end: 0 }
            node.next.set(c, child)
          }
          node = child
        }
        node.end = set
        starts.add(token.charCodeAt(0))
      }
    }
    const hex = (c: number) => '\\u' + c.toString(16).padStart(4, '0')
    this.startChar = starts.size === 1 ? String.fromCharCode([...starts][0]) : ''
    this.startSearch = new RegExp(starts.size ? `[${Array.from(starts, hex).join('')}]` : '[^\\s\\S]', 'g')
  }

  /** The start of the leftmost-longest token in text[from, to), or -1; its end goes to matchEnd. */
  find (text: string, from: number, to: number): number {
    if (this.size === 0) return -1
    const search = this.startSearch
    const single = this.startChar
    for (let i = from; i < to; i++) {
      if (single !== '') {
        i = text.indexOf(single, i)
        if (i === -1) return -1
      } else {
        search.lastIndex = i
        if (!search.test(text)) return -1
        i = search.lastIndex - 1
      }
      if (i >= to) return -1
      let node: TrieNode | undefined = this.root
      let end = -1
      let set = 0
      for (let j = i; j < to; j++) {
        node = node.next.get(text.charCodeAt(j))
        if (!node) break
        if (node.end !== 0) {
          end = j + 1
          set = node.end
        }
      }
      if (end !== -1) {
        this.matchEnd = end
        this.matchSecond = set === 2
        return i
      }
    }
    return -1
  }

  /** Whether text holds any of the tokens. */
  occursIn (text: string): boolean {
    return this.find(text, 0, text.length) !== -1
  }
}

/**
 * Whether two token sets can overlap in a text (one holds the other, or one's end is the
 * other's start): when they cannot, finding one set first and the other in the gaps finds what
 * one leftmost-longest search over both finds.
 */
export function tokenSetsOverlap (a: readonly string[], b: readonly string[]): string | null {
  for (const x of a) {
    for (const y of b) {
      if (x.includes(y) || y.includes(x)) return `"${x}" and "${y}"`
      for (let k = 1; k < Math.min(x.length, y.length); k++) {
        if (x.endsWith(y.slice(0, k)) || y.endsWith(x.slice(0, k))) return `"${x}" and "${y}"`
      }
    }
  }
  return null
}
