// Part of `npm run build`: writes each encoding's rank table (see rank-table.ts) next to the
// built tokenizers (dist/validation/ranks/). A thread then has its tokenizer as soon as it
// has read the file: gpt-tokenizer ships the ranks as a JavaScript array literal, which each
// thread would compile and turn into a 200,000-entry Map (about 250 ms and 25 MB a thread).
import { writeRanks } from './tokenizers.js'

await writeRanks()
