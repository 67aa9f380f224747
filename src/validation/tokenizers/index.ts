import { tableCounter } from './counter.js'
import { DEFAULT_TOKENIZER_CACHE_SIZE, encodingEntry, isTokenizerName, type TokenizerName } from './registry.js'
import { rankTable, type LoadedTable } from './table-files.js'
import { isModelId, loadModel, REGISTRY, type ConversationTokens } from './models/index.js'
import type { Conversation } from '../turns/turn.js'

export { ENCODINGS, TOKENIZERS, DEFAULT_TOKENIZER_CACHE_SIZE, isTokenizerName, type TokenizerName } from './registry.js'
export { rankTable, adoptRankTable } from './table-files.js'
export { adoptModel, isModelId, modelList, modelShare, type ModelShare, type ConversationTokens } from './models/index.js'

/** An encoding's name or a model's id: every value a dataset's `tokenizer` may hold (GET /api/models). */
export type TokenizerId = string

/** Every id `tokenizer` accepts, encodings first (the default first). */
export const TOKENIZER_IDS: readonly string[] = REGISTRY.map(entry => entry.id)

/** What a picker shows of each (the upload form, validate again): encodings first. */
export const TOKENIZER_CHOICES: ReadonlyArray<{ id: string, name: string, kind: 'encoding' | 'model', contextLength: number | null }> =
  REGISTRY.map(entry => ({ id: entry.id, name: entry.name, kind: entry.kind, contextLength: entry.contextLength }))

/** A value from outside (a form, the API, the CLI, a stored row): an encoding or a model id. */
export function isTokenizerId (value: unknown): value is TokenizerId {
  return isTokenizerName(value) || isModelId(value)
}

/** The special-token strings of a tokenizer: a list (encodings), or a search that returns the first one text holds (models). */
export type SpecialTokens = readonly string[] | ((text: string) => string | null)

export interface Tokenizer {
  name: TokenizerId
  /** Exact token count of text encoded as ordinary text (tiktoken's encode_ordinary; a model's tokenizer without its specials). */
  count: (text: string) => number
  /** Special-token strings of this tokenizer: plain text in content, but worth a warning. */
  specialTokens: SpecialTokens
  /** Where the tables came from: the build's file, or built in this process (gpt-tokenizer's module, a model's package). */
  ranks: LoadedTable['ranks']
  /**
   * A model's count of a conversation: rendered with its chat template, trained tokens by the
   * prefix method, the template's error (dataset-format.md, "Tokens"). Absent for encodings.
   */
  conversation?: (conversation: Conversation) => ConversationTokens
}

export interface TokenizerSettings {
  /** Directory of the rank-table files; default: where `npm run build` writes them. */
  ranksDir?: string | null
  /** Counts of merged pieces cached per thread (default 20,000). */
  cacheSize?: number
}

const loaded = new Map<string, Promise<Tokenizer>>()

async function modelTokenizer (id: string): Promise<Tokenizer> {
  const model = await loadModel(id)
  const specials = model.specialTokenIn
  return {
    name: id,
    count: model.countText,
    specialTokens: specials,
    ranks: model.built ? 'file' : 'module',
    conversation: model.countConversation
  }
}

export async function loadTokenizer (name: TokenizerId, settings: TokenizerSettings = {}): Promise<Tokenizer> {
  if (!isTokenizerId(name)) throw new Error(`Unknown tokenizer "${String(name)}"`)
  const cacheSize = settings.cacheSize ?? DEFAULT_TOKENIZER_CACHE_SIZE
  const key = `${name}\0${settings.ranksDir ?? ''}\0${cacheSize}`
  let tokenizer = loaded.get(key)
  if (!tokenizer) {
    if (isModelId(name)) {
      tokenizer = modelTokenizer(name)
    } else {
      const entry = encodingEntry(name as TokenizerName)
      tokenizer = rankTable(name as TokenizerName, settings.ranksDir).then(({ table, ranks }) =>
        ({ name, count: tableCounter(table, entry.split, cacheSize), specialTokens: entry.specialTokens, ranks }))
    }
    loaded.set(key, tokenizer)
    tokenizer.catch(() => loaded.delete(key))
  }
  return await tokenizer
}
