import t from 'tap'
import { randomBytes } from 'node:crypto'
import { gzipSync } from 'node:zlib'
import { detectFileKind } from '../../src/datasets/file-kind.js'
import { apiUser, Browser, bucketKeys, buildTestApp, multipart, sampleDataset, uploadDataset, waitForFinal } from '../helper.js'

const bytes = (...parts: Array<number[] | string>) => Buffer.concat(parts.map(p => typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))
const le32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return [...b] }

/** A ZIP local file header for a stored (uncompressed) member, then its data. */
function zipMember (name: string, data: string): Buffer {
  const header = Buffer.alloc(30)
  header.writeUInt32LE(0x04034b50, 0)
  header.writeUInt16LE(20, 4)
  header.writeUInt32LE(data.length, 18)
  header.writeUInt32LE(data.length, 22)
  header.writeUInt16LE(name.length, 26)
  return Buffer.concat([header, Buffer.from(name), Buffer.from(data)])
}

function portableExecutable (): Buffer {
  const head = Buffer.alloc(0x84)
  head.write('MZ', 0, 'latin1')
  head.writeUInt32LE(0x80, 0x3c)
  head.write('PE\0\0', 0x80, 'latin1')
  return head
}

/** The first bytes of each kind of file that is certainly not a dataset, and the name it gets. */
const FOREIGN: Array<{ label: string, head: Buffer, name: RegExp }> = [
  { label: 'PNG', head: bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 'IHDR'), name: /a PNG image/ },
  { label: 'JPEG', head: bytes([0xff, 0xd8, 0xff, 0xe0, 0, 16], 'JFIF\0'), name: /a JPEG image/ },
  { label: 'GIF', head: bytes('GIF89a', [1, 0, 1, 0]), name: /a GIF image/ },
  { label: 'WebP', head: bytes('RIFF', le32(5000), 'WEBPVP8 '), name: /a WebP image/ },
  { label: 'BMP', head: bytes('BM', le32(5000), le32(0), le32(54), le32(40), le32(16), le32(16)), name: /a BMP image/ },
  { label: 'TIFF little-endian', head: bytes('II*\0', le32(8)), name: /a TIFF image/ },
  { label: 'TIFF big-endian', head: bytes('MM\0*', [0, 0, 0, 8]), name: /a TIFF image/ },
  { label: 'ICO', head: bytes([0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0], le32(1128), le32(22)), name: /an icon \(ICO\) image/ },
  { label: 'PDF', head: bytes('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n'), name: /a PDF file/ },
  { label: 'ZIP', head: zipMember('data.jsonl', '{}'), name: /a ZIP archive \(also XLSX, DOCX/ },
  { label: 'DOCX', head: Buffer.concat([zipMember('[Content_Types].xml', '<Types/>'), zipMember('word/document.xml', '<w:document/>')]), name: /a Word document \(DOCX/ },
  { label: 'XLSX', head: Buffer.concat([zipMember('[Content_Types].xml', '<Types/>'), zipMember('xl/workbook.xml', '<workbook/>')]), name: /an Excel workbook \(XLSX/ },
  { label: 'empty ZIP', head: bytes('PK', [5, 6], Array(18).fill(0)), name: /a ZIP archive/ },
  { label: '7z', head: bytes([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]), name: /a 7z archive/ },
  { label: 'RAR 4', head: bytes('Rar!', [0x1a, 0x07, 0x00]), name: /a RAR archive/ },
  { label: 'RAR 5', head: bytes('Rar!', [0x1a, 0x07, 0x01, 0x00]), name: /a RAR archive/ },
  { label: 'bzip2', head: bytes('BZh9', [0x31, 0x41, 0x59, 0x26, 0x53, 0x59]), name: /a bzip2 archive/ },
  { label: 'xz', head: bytes([0xfd], '7zXZ', [0, 0, 4]), name: /an xz archive/ },
  { label: 'zstd', head: bytes([0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x04]), name: /a zstd archive/ },
  { label: 'ELF', head: bytes([0x7f], 'ELF', [2, 1, 1, 0]), name: /an ELF executable/ },
  { label: 'PE', head: portableExecutable(), name: /a Windows executable \(PE\)/ },
  { label: 'PE, the linker\'s DOS header alone', head: bytes('MZ', [0x90, 0, 3, 0, 0, 0]), name: /a Windows executable \(PE\)/ }
]

/** A whole file: the kind's first bytes, then 6 KB of noise (past the 4 KB the guard reads). */
const fileOf = (head: Buffer) => Buffer.concat([head, randomBytes(6000)])

t.test('detectFileKind names each foreign kind and accepts everything else', async t => {
  for (const { label, head, name } of FOREIGN) {
    const kind = detectFileKind(fileOf(head))
    t.equal(kind.kind, 'foreign', label)
    if (kind.kind === 'foreign') t.match(kind.name, name, label)
  }
  const dataset = Buffer.from(sampleDataset(3))
  t.same(detectFileKind(dataset), { kind: 'text' })
  t.same(detectFileKind(gzipSync(dataset)), { kind: 'gzip' })
  t.same(detectFileKind(Buffer.concat([Buffer.from('PAR1'), randomBytes(100)])), { kind: 'parquet' })
  t.same(detectFileKind(Buffer.from('\ufeff' + sampleDataset(3), 'utf16le')), { kind: 'utf16le' }, 'UTF-16LE with a BOM')
  t.same(detectFileKind(Buffer.from(sampleDataset(3), 'utf16le')), { kind: 'utf16le' }, 'UTF-16LE without a BOM')
  t.same(detectFileKind(Buffer.from(sampleDataset(3), 'utf16le').swap16()), { kind: 'utf16be' }, 'UTF-16BE without a BOM')
  t.same(detectFileKind(Buffer.from([0xfe, 0xff, 0, 0x7b])), { kind: 'utf16be' }, 'UTF-16BE with a BOM')
  // Two-letter signatures need their structure too: text that starts with the letters is text.
  for (const text of ['MZ is a word\n', 'BM and more text here, long enough\n', 'BZh9 not bzip2\n', 'RIFF but no WEBP\n']) {
    t.same(detectFileKind(Buffer.from(text.repeat(10))), { kind: 'text' }, JSON.stringify(text))
  }
  t.same(detectFileKind(Buffer.from('{"a":"\xff\x00"}\n', 'latin1')), { kind: 'text' }, 'bad bytes and NULs are still text')
  t.same(detectFileKind(Buffer.alloc(0)), { kind: 'text' })
})

t.test('uploads that are certainly another kind of file: 415 naming the kind, nothing kept', async t => {
  const app = await buildTestApp(t, { UPLOADS_PER_MINUTE: '1000' })
  const user = await apiUser(app)
  for (const { label, head, name } of FOREIGN) {
    const response = await uploadDataset(app, user.headers, fileOf(head), { name: label })
    t.equal(response.statusCode, 415, `${label} through the API`)
    t.match(response.json(), { success: false, error: new RegExp(`^This is ${name.source}.*, not a dataset: upload JSON Lines`), details: { field: 'file' } }, label)
    const small = await uploadDataset(app, user.headers, head, { name: label })
    t.equal(small.statusCode, 415, `${label}, a file shorter than 4 KB`)
  }

  const browser = new Browser(app)
  await browser.signUp('kinds@example.com')
  await browser.get('/datasets/new')
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  for (const { label, head, name } of FOREIGN) {
    const body = multipart([{ name: '_csrf', value: browser.csrf }, { name: 'name', value: label }, { name: 'file', filename: 'data.jsonl', content: fileOf(head) }])
    const response = await app.inject({ method: 'POST', url: '/datasets', payload: body.payload, headers: { cookie, accept: 'text/html', ...body.headers } })
    t.equal(response.statusCode, 415, `${label} through the browser form`)
    t.match(response.body, new RegExp(`This is ${name.source}`), `${label}: the form says what the file is`)
    t.match(response.body, /id="upload-form"|<form/, 'the form comes back')
  }
  t.equal((await app.sql`select count(*)::int as n from datasets`)[0].n, 0, 'no row')
  t.same(await bucketKeys(app), [], 'no object')
})

t.test('text with bad bytes, NULs, UTF-16 and Parquet are stored and validated', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  const lines = sampleDataset(6).split('\n')
  // Line 3 holds a byte that is not UTF-8, line 5 a NUL in a string and line 6 starts with a
  // NUL (its message quotes it), all inside the first 4 KB.
  lines[2] = lines[2].replace('Question', 'Question \xff')
  lines[4] = lines[4].replace('Question', 'Question \0')
  lines[5] = '\0' + lines[5]
  const content = Buffer.from(lines.join('\n'), 'latin1')
  const response = await uploadDataset(app, user.headers, content)
  t.equal(response.statusCode, 201, response.body)
  const final = await waitForFinal(app, user.headers, response.json().data.dataset.id)
  t.equal(final.status, 'error')
  t.equal(final.file_size, content.length)
  const report = (await app.inject({ url: `/api/datasets/${final.id}/report`, headers: user.headers })).json().data
  t.match(report.errors, [{ line: 3, code: 'invalid_utf8' }, { line: 5, code: 'invalid_json' }, { line: 6, code: 'invalid_json' }], 'each fault on its line')
  t.equal(report.errors.length, 3, 'and nothing else')
  t.equal(report.stats.conversations, 3, 'the other lines are read')

  const accepted = {
    'UTF-16 with a BOM': Buffer.from('\ufeff' + sampleDataset(3), 'utf16le'),
    'UTF-16 without a BOM': Buffer.from(sampleDataset(3), 'utf16le'),
    Parquet: Buffer.concat([Buffer.from('PAR1'), randomBytes(3000), Buffer.from('PAR1')]),
    'Latin-1 text': Buffer.from('{"a": "caf\xe9"}\n'.repeat(10), 'latin1')
  }
  for (const [label, file] of Object.entries(accepted)) {
    const upload = await uploadDataset(app, user.headers, file, { name: label })
    t.equal(upload.statusCode, 201, `${label} is stored`)
    const dataset = await waitForFinal(app, user.headers, upload.json().data.dataset.id)
    t.equal(dataset.status, 'error', `${label} fails validation with its issues`)
    t.ok(Object.keys(dataset.issue_counts).length > 0, `${label} has issue counts`)
  }
  t.equal((await bucketKeys(app)).length, 5)
})
