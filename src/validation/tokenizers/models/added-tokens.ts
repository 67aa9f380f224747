/**
 * Finds a tokenizer's added tokens in text as Hugging Face's AddedVocabulary does: leftmost
 * match first, the longest at that position (Aho-Corasick, LeftmostLongest). A trie of Maps
 * walked from each position whose character can start a token.
 */

interface TrieNode {
  next: Map<number, TrieNode>
  /** Set when a token ends here. */
  end: boolean
}

export class AddedTokenMatcher {
  private readonly root: TrieNode = { next: new Map(), end: false }
  private readonly starts = new Uint8Array(65536)
  readonly size: number
  /** Set by find: the end of the match it returned. */
  matchEnd = -1

  constructor (tokens: readonly string[]) {
    this.size = tokens.length
    for (const token of tokens) {
      if (token.length === 0) continue
      let node = this.root
      for (let i = 0; i < token.length; i++) {
        const c = token.charCodeAt(i)
        let child = node.next.get(c)
        if (!child) {
          child = { next: new Map(), end: false }
          node.next.set(c, child)
        }
        node = child
      }
      node.end = true
      this.starts[token.charCodeAt(0)] = 1
    }
  }

  /** The start of the leftmost-longest token in text[from, to), or -1; its end goes to matchEnd. */
  find (text: string, from: number, to: number): number {
    if (this.size === 0) return -1
    const starts = this.starts
    for (let i = from; i < to; i++) {
      if (starts[text.charCodeAt(i)] === 0) continue
      let node: TrieNode | undefined = this.root
      let end = -1
      for (let j = i; j < to; j++) {
        node = node.next.get(text.charCodeAt(j))
        if (!node) break
        if (node.end) end = j + 1
      }
      if (end !== -1) {
        this.matchEnd = end
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
