// Part of `npm run build`: writes each open model's manifest and shared tables (files.ts) next
// to the built counters, so a thread has a model as soon as it has read its file: building them
// from tokenizer.json takes seconds and a few hundred MB per model. A model whose files were
// written by the same code from the same package is kept (a stamp file holds the hash of both),
// so a build that changed nothing here costs no time.
import { createHash } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { builtManifest, MODEL_TABLES_DIR, writeModel } from './files.js'
import { REGISTRY } from './registry.js'

const here = new URL('.', import.meta.url)
const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js'
// The code that decides what the files hold (as test/validation/models/support.ts lists it).
const BUILDERS = ['added-tokens', 'files', 'merge', 'pair-table', 'pretokenize', 'registry', 'tables', '../rank-table']

const hash = createHash('sha256')
for (const name of BUILDERS) hash.update(await readFile(new URL(`${name}.${ext}`, here)))
const code = hash.digest('hex')

for (const entry of REGISTRY) {
  if (entry.kind !== 'model') continue
  const started = Date.now()
  const stampFile = new URL(`${entry.id}.stamp`, MODEL_TABLES_DIR)
  const stamp = `${code} npm:${entry.package.name}@${entry.package.version}`
  const current = await readFile(stampFile, 'utf8').catch(() => null)
  if (current === stamp && await builtManifest(entry)) {
    console.log(`${entry.id}: up to date`)
    continue
  }
  const manifest = await writeModel(entry)
  await writeFile(stampFile, stamp)
  console.log(`${entry.id}: ${manifest.source} sha256 ${manifest.sha256} (${Date.now() - started} ms)`)
}
