// Part of `npm run build`: writes each encoding's ranks as JSON next to the built tokenizers
// (dist/validation/ranks/), which load them with JSON.parse. gpt-tokenizer ships them as a
// 2.4 MB JavaScript array literal: compiling that cost each thread that loads it about 20 MB
// more (two threads: 187 MB → 141 MB after loading), and its source stays in memory.
import { writeRanks } from './tokenizers.js'

await writeRanks()
