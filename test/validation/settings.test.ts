import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError, loadEngineSettings } from '../../src/config.js'
import { createAnalysisPool, DEFAULT_ENGINE_SETTINGS } from '../../src/validation/index.js'
import { check, record, turn } from './support.js'

t.test('the engine\'s settings come from the environment through config.ts, checked', async t => {
  t.same(loadEngineSettings({}), DEFAULT_ENGINE_SETTINGS, 'defaults')
  t.same(loadEngineSettings({ VALIDATION_BATCH_KB: '64', VALIDATION_BATCHES_IN_FLIGHT: '3', VALIDATION_WORKER_HEAP_MB: '128', VALIDATION_WORKER_YOUNG_MB: '16', TOKENIZER_CACHE_SIZE: '0' }),
    { batchBytes: 64 * 1024, batchesInFlight: 3, workerHeapMb: 128, workerYoungMb: 16, tokenizerCacheSize: 0, ranksDir: null })
  for (const [name, value, problem] of [
    ['VALIDATION_BATCH_KB', 'abc', /VALIDATION_BATCH_KB must be a whole number, got "abc"/],
    ['VALIDATION_BATCH_KB', '0', /VALIDATION_BATCH_KB must be between 1 and/],
    ['VALIDATION_BATCHES_IN_FLIGHT', '-1', /VALIDATION_BATCHES_IN_FLIGHT must be a whole number/],
    ['VALIDATION_WORKER_HEAP_MB', '4', /VALIDATION_WORKER_HEAP_MB must be between 16 and/],
    ['VALIDATION_WORKER_YOUNG_MB', '1.5', /VALIDATION_WORKER_YOUNG_MB must be a whole number/],
    ['TOKENIZER_CACHE_SIZE', 'many', /TOKENIZER_CACHE_SIZE must be a whole number/]
  ] as const) {
    t.throws(() => loadEngineSettings({ [name]: value }), { constructor: ConfigError, message: problem }, `${name}=${value}`)
  }
})

t.test('no file of the engine reads the environment', async t => {
  const root = new URL('../../src/validation/', import.meta.url).pathname
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter(file => file.endsWith('.ts'))
  t.ok(files.length > 10)
  t.same(files.filter(file => readFileSync(join(root, file), 'utf8').includes('process.env')), [])
})

t.test('the settings reach the engine: tiny batches, one in flight and no piece cache give the same report', async t => {
  const lines = Array.from({ length: 400 }, (_, i) => record(`c${i}`, [turn('user', `Question ${i} ${'mot '.repeat(i % 30)}`), turn('assistant', `Answer ${i % 50} 中文`)]))
  const text = lines.join('\n') + '\n'
  const single = await check(text)
  const tuned = await check(text, { threads: 2, settings: { batchBytes: 1024, batchesInFlight: 1, tokenizerCacheSize: 0 } })
  t.same(tuned, single)
})

t.test('a pool reuses the batch buffers its threads give back, and reports stay the same', async t => {
  const pool = createAnalysisPool(2, { batchBytes: 4096, batchesInFlight: 1 })
  t.teardown(() => pool.close())
  const lines = Array.from({ length: 600 }, (_, i) => record(`c${i}`, [turn('user', `Question ${i} ${'word '.repeat(i % 40)}`), turn('assistant', `Answer ${i % 70}`)]))
  const text = lines.join('\n') + '\n'
  t.ok(Buffer.byteLength(text) > 20 * 4096, 'dozens of batches')
  const single = await check(text)
  t.same(await check(text, { pool }), single, 'first file')
  const spares = pool.spareBuffers
  t.ok(spares > 0, `buffers given back wait to be reused (${spares})`)
  t.ok(spares <= 2 * (1 + 1) + 2, 'no more than the batches that can be in flight (and two)')
  // Reused buffers hold the bytes of earlier batches: a second file must not see them.
  const other = lines.map(line => line.replace('Question', 'Frage')).join('\n') + '\n'
  t.same(await check(other, { pool }), await check(other), 'second file through reused buffers')
  t.ok(pool.spareBuffers <= 2 * (1 + 1) + 2)
})
