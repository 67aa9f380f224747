import { open } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { RankTable, RankTableError } from './rank-table.js'
import { encodingEntry, isTokenizerName, type TokenizerName } from './registry.js'

/** Where `npm run build` writes the rank tables: dist/validation/ranks/ (see build-ranks.ts). */
export const DEFAULT_RANKS_DIR = new URL('../ranks/', import.meta.url)

/** The directory of the rank-table files: a path (tests, tools) or the build's default. */
export function ranksDir (dir: string | null | undefined): URL {
  return dir ? pathToFileURL(dir.endsWith('/') ? dir : dir + '/') : DEFAULT_RANKS_DIR
}

export const tableFile = (name: TokenizerName, dir: URL) => new URL(`${name}.ranks`, dir)

/** Reads a table file straight into shared memory; null when there is no file. */
async function readTableFile (file: URL): Promise<SharedArrayBuffer | null> {
  let handle
  try {
    handle = await open(file, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  try {
    const { size } = await handle.stat()
    const buffer = new SharedArrayBuffer(size)
    const view = new Uint8Array(buffer)
    for (let at = 0; at < size;) {
      const { bytesRead } = await handle.read(view, at, size - at, at)
      if (bytesRead === 0) throw new RankTableError('the rank table file is shorter than it was')
      at += bytesRead
    }
    return buffer
  } finally {
    await handle.close()
  }
}

export interface LoadedTable { table: RankTable, ranks: 'file' | 'module' }

// Per thread: the table each encoding uses from each directory, once (a pool hands its threads the caller's).
const tables = new Map<string, Promise<LoadedTable>>()
const key = (name: TokenizerName, dir: string | null | undefined) => `${name}\0${dir ?? ''}`

/**
 * An encoding's rank table in shared memory: the build's file, else built from gpt-tokenizer's
 * module (running from source). A damaged or outdated file is an error that names it.
 */
export async function rankTable (name: TokenizerName, dir?: string | null): Promise<LoadedTable> {
  if (!isTokenizerName(name)) throw new Error(`Unknown tokenizer "${String(name)}"`)
  let table = tables.get(key(name, dir))
  if (!table) {
    const file = tableFile(name, ranksDir(dir))
    table = (async () => {
      try {
        const buffer = await readTableFile(file)
        if (buffer === null) return { table: RankTable.fromRanks((await encodingEntry(name).ranks()).default), ranks: 'module' as const }
        return { table: new RankTable(buffer), ranks: 'file' as const }
      } catch (error) {
        if (error instanceof RankTableError) throw new Error(`${file.pathname}: ${error.message}; run \`npm run build\` again`)
        throw error
      }
    })()
    tables.set(key(name, dir), table)
    table.catch(() => tables.delete(key(name, dir)))
  }
  return await table
}

/** Takes a table another thread loaded and checked (see threads/pool.ts): this thread then reads the same memory. */
export function adoptRankTable (name: TokenizerName, dir: string | null | undefined, buffer: SharedArrayBuffer, ranks: LoadedTable['ranks']): void {
  if (!tables.has(key(name, dir))) tables.set(key(name, dir), Promise.resolve({ table: new RankTable(buffer, false), ranks }))
}
