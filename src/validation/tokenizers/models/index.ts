/**
 * The open models' tokenizers, as the validation engine uses them: a model by id, once per
 * thread, from the build's files (or built from its package when running from source); its
 * tables in shared memory that a pool hands to its threads (modelShare / adoptModel).
 */

import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { ChatCounter, type ConversationTokens } from './chat.js'
import { ModelCounter } from './counter.js'
import { builtManifest, modelData, packageFile, specialTokensMapOf, tablesFromBuffers, type ModelManifest } from './files.js'
import { compileTemplate } from './jinja/compile.js'
import { modelEntry, REGISTRY, registryEntry, type ModelEntry } from './registry.js'

export { REGISTRY, registryEntry, modelEntry }
export type { ConversationTokens, ModelManifest }

export interface Model {
  id: string
  entry: ModelEntry
  manifest: ModelManifest
  /** Tokens of text as ordinary text (a `text` record, a single field). */
  countText: (text: string) => number
  /** Tokens, trained tokens and template_error of a conversation read into turns. */
  countConversation: ChatCounter['count']
  /** The template's text for a conversation (its first `upTo` turns), as transformers renders it; throws the template's error. */
  renderText: ChatCounter['renderText']
  /** Whether text holds the string of one of the tokenizer's special tokens (special_token_in_content). */
  hasSpecialToken: (text: string) => boolean
  /** The leftmost (longest) special-token string text holds, or null. */
  specialTokenIn: (text: string) => string | null
  /** Whether the tables came from the build's file or were built in this process. */
  built: boolean
}

/** What another thread needs to use the same model without reading or building it again. */
export interface ModelShare { id: string, manifest: ModelManifest, buffers: SharedArrayBuffer[], built: boolean }

const shares = new Map<string, Promise<ModelShare>>()
const models = new Map<string, Promise<Model>>()

function makeModel (share: ModelShare, check: boolean): Model {
  const entry = modelEntry(share.id)!
  const counter = new ModelCounter(share.manifest.spec, tablesFromBuffers(share.buffers, check))
  const chat = new ChatCounter(counter, compileTemplate(share.manifest.chatTemplate), share.manifest.chatTemplate, share.manifest.specialTokensMap)
  return {
    id: share.id,
    entry,
    manifest: share.manifest,
    countText: text => counter.countText(text),
    countConversation: conversation => chat.count(conversation),
    renderText: (conversation, addGenerationPrompt, upTo) => chat.renderText(conversation, addGenerationPrompt, upTo),
    hasSpecialToken: text => counter.specials.occursIn(text),
    specialTokenIn: text => {
      const start = counter.specials.find(text, 0, text.length)
      return start === -1 ? null : text.slice(start, counter.specials.matchEnd)
    },
    built: share.built
  }
}

/** A model's manifest and shared tables, loaded once per thread. */
export async function modelShare (id: string): Promise<ModelShare> {
  let share = shares.get(id)
  if (!share) {
    share = modelData(id).then(data => ({ id, ...data }))
    shares.set(id, share)
    share.catch(() => shares.delete(id))
  }
  return await share
}

export async function loadModel (id: string): Promise<Model> {
  let model = models.get(id)
  if (!model) {
    model = modelShare(id).then(share => makeModel(share, true))
    models.set(id, model)
    model.catch(() => models.delete(id))
  }
  return await model
}

/** Takes a model another thread loaded and checked: this thread then reads the same memory. */
export function adoptModel (share: ModelShare): void {
  if (models.has(share.id)) return
  shares.set(share.id, Promise.resolve(share))
  models.set(share.id, Promise.resolve(makeModel(share, false)))
}

export function isModelId (value: unknown): value is string {
  return typeof value === 'string' && modelEntry(value) !== undefined
}

/** One entry of `GET /api/models` (api.md v2); `tokenizer.path` only for `validate --models`. */
export interface ModelListEntry {
  id: string
  name: string
  kind: 'encoding' | 'model'
  tokenizer: { source: string, sha256: string, path?: string }
  chat_template: string | null
  bos_token: string | null
  eos_token: string | null
  context_length: number | null
}

const sha256Of = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex')
let listed: Promise<ModelListEntry[]> | null = null

async function listEntry (entry: (typeof REGISTRY)[number]): Promise<ModelListEntry> {
  if (entry.kind === 'encoding') {
    const path = packageFile(entry, entry.file)
    return {
      id: entry.id,
      name: entry.name,
      kind: entry.kind,
      tokenizer: { source: `npm:${entry.package.name}@${entry.package.version}/${entry.file}`, sha256: await sha256Of(path), path },
      chat_template: null,
      bos_token: null,
      eos_token: null,
      context_length: entry.contextLength
    }
  }
  // The build's manifest when there is one; else the package's files, read without building tables.
  const path = packageFile(entry, entry.files.tokenizer)
  const manifest = await builtManifest(entry)
  const config = manifest ? null : JSON.parse(await readFile(packageFile(entry, entry.files.config), 'utf8'))
  const map = manifest ? manifest.specialTokensMap : specialTokensMapOf(config)
  return {
    id: entry.id,
    name: entry.name,
    kind: entry.kind,
    tokenizer: { source: `npm:${entry.package.name}@${entry.package.version}/${entry.files.tokenizer}`, sha256: manifest ? manifest.sha256 : await sha256Of(path), path },
    chat_template: manifest ? manifest.chatTemplate : config.chat_template,
    bos_token: map.bos_token ?? null,
    eos_token: map.eos_token ?? null,
    context_length: entry.contextLength
  }
}

/**
 * Every value a dataset's `tokenizer` accepts, as `GET /api/models` lists them (read once a
 * process); `paths` adds each tokenizer.json's absolute path (`validate --models --json`).
 */
export async function modelList (options: { paths?: boolean } = {}): Promise<ModelListEntry[]> {
  if (!listed) {
    listed = Promise.all(REGISTRY.map(listEntry))
    listed.catch(() => { listed = null })
  }
  const list = await listed
  return options.paths ? list : list.map(model => ({ ...model, tokenizer: { source: model.tokenizer.source, sha256: model.tokenizer.sha256 } }))
}
