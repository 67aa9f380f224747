// `node --import tsx parquet-make.ts DIR`: writes the test files of parquet-data.ts into DIR.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FILES } from './parquet-data.js'
import { writeParquet } from './parquet-write.js'

const dir = process.argv[2]
for (const [name, spec] of Object.entries(FILES)) {
  writeFileSync(join(dir, `${name}.parquet`), writeParquet(spec.schema, spec.data(), { codec: spec.codec, rowGroupSize: spec.rowGroupSize, pageSize: spec.pageSize }))
}
