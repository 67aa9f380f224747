// Part of `npm run build`: writes each encoding's ranks as JSON next to the built tokenizers
// (dist/validation/ranks/), which load them with JSON.parse. gpt-tokenizer ships them as a
// 2.4 MB JavaScript array literal: compiling that costs each thread that loads it about
// 15 MB more at its peak than parsing the same data as JSON, and its source stays in memory.
import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { RANK_MODULES, RANKS_DIR } from './tokenizers.js'

mkdirSync(fileURLToPath(RANKS_DIR), { recursive: true })
for (const [name, load] of Object.entries(RANK_MODULES)) {
  const { default: ranks } = await load()
  writeFileSync(fileURLToPath(new URL(`${name}.json`, RANKS_DIR)), JSON.stringify(ranks))
}
