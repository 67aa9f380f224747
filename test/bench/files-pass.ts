// One measured read of a file by one reader, in its own process so peak RSS is that pass's
// alone: `node --import tsx files-pass.ts lines|array|parquet|parquet-all FILE`. Reading only:
// the records are counted, not analysed. Prints one JSON line.
import { createReadStream } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { LineReader } from '../../src/validation/files/lines.js'
import { JsonArrayReader } from '../../src/validation/files/json-array.js'
import { fileByteSource } from '../../src/validation/files/byte-source.js'
import { openParquet, readParquet } from '../../src/validation/files/parquet.js'

const [mode, path] = process.argv.slice(2)
const MAX_LINE = 8 * 1024 * 1024
let records = 0
let recordBytes = 0
const sink = {
  bom () {},
  blank () {},
  tooLong () { records++ },
  record (_line: number, bytes: Buffer) { records++; recordBytes += bytes.length },
  fault (line: number, message: string) { throw new Error(`line ${line}: ${message}`) }
}
const started = performance.now()
const cpu = process.cpuUsage()
if (mode === 'lines' || mode === 'array') {
  const reader = mode === 'lines' ? new LineReader(sink, MAX_LINE) : new JsonArrayReader(sink, MAX_LINE)
  for await (const chunk of createReadStream(path)) reader.push(chunk as Buffer)
  reader.end()
} else {
  const source = await fileByteSource(path)
  try {
    const file = await openParquet(source)
    // A native-format file: the validation reads turns and the ids, not metadata.
    const columns = mode === 'parquet' ? ['conversation_id', 'id', 'turns'] : null
    await readParquet(file, { record: sink.record, tooLong: sink.tooLong, fault: message => { throw new Error(message) }, drain: async () => {} }, { columns })
  } finally {
    await source.close()
  }
}
const used = process.cpuUsage(cpu)
console.log(JSON.stringify({
  seconds: (performance.now() - started) / 1000,
  cpuSeconds: (used.user + used.system) / 1e6,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
  records,
  recordBytes
}))
