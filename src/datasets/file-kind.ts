/**
 * What a file is by its first bytes (its magic numbers). Pure: the upload guard uses it to
 * refuse what is certainly not a dataset, and a file reader can use it to pick its decoder.
 * A kind is named only when its signature leaves no doubt: anything else is `text`, which
 * validation then checks line by line (invalid bytes and NULs are issues on their lines).
 */
export type FileKind =
  | { kind: 'gzip' | 'parquet' | 'utf16le' | 'utf16be' | 'text' }
  | { kind: 'foreign', name: string }

/** How many first bytes are enough to tell (the upload guard looks at this many). */
export const SNIFF_BYTES = 4096

const startsWith = (head: Buffer, bytes: number[], at = 0) =>
  head.length >= at + bytes.length && bytes.every((byte, i) => head[at + i] === byte)
const ascii = (text: string) => [...text].map(c => c.charCodeAt(0))

/** Signatures of at least four bytes, or shorter ones that cannot begin a text line. */
const SIGNATURES: Array<{ name: string, test: (head: Buffer) => boolean }> = [
  { name: 'a PNG image', test: h => startsWith(h, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { name: 'a JPEG image', test: h => startsWith(h, [0xff, 0xd8, 0xff]) },
  { name: 'a GIF image', test: h => startsWith(h, ascii('GIF87a')) || startsWith(h, ascii('GIF89a')) },
  { name: 'a WebP image', test: h => startsWith(h, ascii('RIFF')) && startsWith(h, ascii('WEBP'), 8) },
  { name: 'a TIFF image', test: h => startsWith(h, [0x49, 0x49, 0x2a, 0x00]) || startsWith(h, [0x4d, 0x4d, 0x00, 0x2a]) },
  { name: 'a BMP image', test: isBmp },
  { name: 'an icon (ICO) image', test: isIco },
  { name: 'a PDF file', test: h => startsWith(h, ascii('%PDF-')) },
  { name: 'a 7z archive', test: h => startsWith(h, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) },
  { name: 'a RAR archive', test: h => startsWith(h, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07]) },
  { name: 'a bzip2 archive', test: h => startsWith(h, ascii('BZh')) && h[3] >= 0x31 && h[3] <= 0x39 && (startsWith(h, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59], 4) || startsWith(h, [0x17, 0x72, 0x45, 0x38, 0x50, 0x90], 4)) },
  { name: 'an xz archive', test: h => startsWith(h, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) },
  { name: 'a zstd archive', test: h => startsWith(h, [0x28, 0xb5, 0x2f, 0xfd]) },
  { name: 'an ELF executable', test: h => startsWith(h, [0x7f, 0x45, 0x4c, 0x46]) },
  { name: 'a Windows executable (PE)', test: isPortableExecutable }
]

/** "BM", then reserved zero bytes and a known DIB header size: a bitmap, not text starting "BM". */
function isBmp (head: Buffer): boolean {
  if (!startsWith(head, [0x42, 0x4d]) || head.length < 18) return false
  return head.readUInt32LE(6) === 0 && [12, 40, 52, 56, 64, 108, 124].includes(head.readUInt32LE(14))
}

/** Reserved 0, type 1 (icon) or 2 (cursor), a sane image count and a zero reserved byte in entry one. */
function isIco (head: Buffer): boolean {
  if (head.length < 22 || head.readUInt16LE(0) !== 0) return false
  const type = head.readUInt16LE(2)
  const count = head.readUInt16LE(4)
  return (type === 1 || type === 2) && count >= 1 && count <= 256 && head[9] === 0
}

/**
 * "MZ" whose header points at a "PE\0\0" signature within the sample, or that starts as the
 * DOS header Microsoft's linkers write (90 bytes on the last of 3 pages), even cut short.
 */
function isPortableExecutable (head: Buffer): boolean {
  if (startsWith(head, [0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00])) return true
  if (!startsWith(head, [0x4d, 0x5a]) || head.length < 0x40) return false
  return startsWith(head, [0x50, 0x45, 0x00, 0x00], head.readUInt32LE(0x3c))
}

/** ZIP, and the Office and Java kinds whose member names show within the sample. */
function zipKind (head: Buffer): string | null {
  const zip = startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06]) || startsWith(head, [0x50, 0x4b, 0x07, 0x08])
  if (!zip) return null
  const names = head.toString('latin1')
  if (names.includes('word/')) return 'a Word document (DOCX, a ZIP archive)'
  if (names.includes('xl/')) return 'an Excel workbook (XLSX, a ZIP archive)'
  if (names.includes('ppt/')) return 'a PowerPoint presentation (PPTX, a ZIP archive)'
  if (names.includes('application/vnd.oasis.opendocument')) return 'an OpenDocument file (a ZIP archive)'
  if (names.includes('META-INF/MANIFEST.MF')) return 'a Java archive (JAR, a ZIP archive)'
  return 'a ZIP archive (also XLSX, DOCX…)'
}

/**
 * UTF-16 by its byte-order mark, or without one by its NULs: every other byte of ASCII text
 * (`{"` is 7B 00 22 00 in UTF-16LE) is zero, which UTF-8 text almost never has.
 */
function utf16Kind (head: Buffer): 'utf16le' | 'utf16be' | null {
  if (startsWith(head, [0xff, 0xfe])) return 'utf16le'
  if (startsWith(head, [0xfe, 0xff])) return 'utf16be'
  const pairs = Math.floor(Math.min(head.length, 512) / 2)
  if (pairs < 2) return null
  let evenZeros = 0
  let oddZeros = 0
  for (let i = 0; i < pairs; i++) {
    if (head[2 * i] === 0) evenZeros++
    if (head[2 * i + 1] === 0) oddZeros++
  }
  if (oddZeros >= pairs * 0.9 && evenZeros === 0) return 'utf16le'
  if (evenZeros >= pairs * 0.9 && oddZeros === 0) return 'utf16be'
  return null
}

export function detectFileKind (head: Buffer): FileKind {
  if (startsWith(head, [0x1f, 0x8b])) return { kind: 'gzip' }
  if (startsWith(head, ascii('PAR1'))) return { kind: 'parquet' }
  const zip = zipKind(head)
  if (zip) return { kind: 'foreign', name: zip }
  for (const signature of SIGNATURES) {
    if (signature.test(head)) return { kind: 'foreign', name: signature.name }
  }
  return { kind: utf16Kind(head) ?? 'text' }
}
