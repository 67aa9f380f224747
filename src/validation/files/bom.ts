/**
 * The UTF-8 byte-order mark at the start of a file: its first bytes are held until it is known
 * whether they are one (a file may come in chunks of a byte), then a BOM is dropped and reported.
 * Shared by the JSON Lines and JSON array readers.
 */
export class LeadingBom {
  private head: Buffer | null = Buffer.alloc(0)

  constructor (private readonly onBom: () => void) {}

  /** The bytes to read from `chunk` on (without a BOM), or null while they may still be one. */
  take (chunk: Buffer): Buffer | null {
    if (this.head === null) return chunk
    const head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk])
    if (head.length < 3 && head.equals(BOM.subarray(0, head.length))) {
      this.head = head
      return null
    }
    this.head = null
    if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) {
      this.onBom()
      return head.subarray(3)
    }
    return head
  }

  /** At the end of the file: the bytes still held (a file shorter than a BOM that began like one), or null. */
  rest (): Buffer | null {
    const head = this.head
    this.head = null
    return head !== null && head.length > 0 ? head : null
  }
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf])
