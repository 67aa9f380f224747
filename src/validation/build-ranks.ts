// Part of `npm run build`: writes each encoding's rank table (see tokenizers/rank-table.ts) into
// dist/validation/ranks/. A thread then has its tokenizer as soon as it has read the file:
// gpt-tokenizer ships the ranks as a JavaScript array literal, which each thread would compile
// and turn into a 200,000-entry Map (about 250 ms and 25 MB a thread).
import { mkdir, writeFile } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { RankTable } from './tokenizers/rank-table.js'
import { ENCODINGS } from './tokenizers/registry.js'
import { ranksDir, tableFile } from './tokenizers/table-files.js'

/** Writes every encoding's rank table into `dir` (default: the directory the engine reads). */
export async function writeRanks (dir?: string): Promise<void> {
  const target = ranksDir(dir)
  await mkdir(target, { recursive: true })
  for (const entry of ENCODINGS) {
    const table = RankTable.fromRanks((await entry.ranks()).default)
    await writeFile(tableFile(entry.name, target), new Uint8Array(table.buffer))
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await writeRanks()
