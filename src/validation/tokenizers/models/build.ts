// Part of `npm run build`: writes each open model's manifest and shared tables (files.ts) next
// to the built counters, so a thread has a model as soon as it has read its file: building them
// from tokenizer.json takes seconds and a few hundred MB per model.
import { writeModel } from './files.js'
import { REGISTRY } from './registry.js'

for (const entry of REGISTRY) {
  if (entry.kind !== 'model') continue
  const started = Date.now()
  const manifest = await writeModel(entry)
  console.log(`${entry.id}: ${manifest.source} sha256 ${manifest.sha256} (${Date.now() - started} ms)`)
}
