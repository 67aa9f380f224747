import { DATASET_STATUSES, type DatasetStatus } from '../db/schema.js'
import { ROLES } from '../validation/index.js'

// The words of datasets that code, schemas and templates share (templates get them as
// `it.vocabulary`, see plugins/datasets.ts). Lookups are Maps and Sets: a word from a URL
// or a file is never a plain-object key.

export { DATASET_STATUSES, type DatasetStatus }

const STATUS_LABELS = new Map<string, string>([
  ['uploading', 'Uploading'], ['validating', 'Validating'], ['ready', 'Ready'], ['error', 'Error']
])

/** Statuses after which nothing changes by itself: polling stops there. */
const FINAL_STATUSES = new Set<string>(['ready', 'error'])

/** The API's sort keys (each is a column with an index of its own, drizzle/0006). */
export const SORT_KEYS = ['created_at', 'name', 'file_size', 'status', 'updated_at'] as const
export type SortKey = typeof SORT_KEYS[number]

/** The sorts the datasets page offers, by their name in its URL. */
export const PAGE_SORTS = new Map<string, { sort: SortKey, order: 'asc' | 'desc', label: string }>([
  ['newest', { sort: 'created_at', order: 'desc', label: 'Newest' }],
  ['oldest', { sort: 'created_at', order: 'asc', label: 'Oldest' }],
  ['name', { sort: 'name', order: 'asc', label: 'Name' }],
  ['size', { sort: 'file_size', order: 'desc', label: 'Size' }]
])

const TURN_ROLES = new Set<string>(ROLES)

/** The record formats by their name in `stats.format` (dataset-format.md, "Record formats"), as people call them. */
const FORMAT_LABELS = new Map<string, string>([
  ['openai', 'OpenAI chat'], ['sharegpt', 'ShareGPT'], ['alpaca', 'Alpaca'],
  ['prompt_completion', 'Prompt / completion'], ['text', 'Plain text'], ['native', 'Native (v1)']
])

export const vocabulary = {
  statuses: DATASET_STATUSES,
  /** The status filter's choices, in the order the datasets page offers them. */
  statusFilters: ['ready', 'validating', 'uploading', 'error'] as const,
  statusLabel: (status: string): string => STATUS_LABELS.get(status) ?? status,
  isFinal: (status: string): boolean => FINAL_STATUSES.has(status),
  /** A turn's role that the viewer has a colour for (the contract's four). */
  isKnownRole: (role: string): boolean => TURN_ROLES.has(role),
  /** A stored `stats.format` as a label; null when there is none (a dataset not validated yet). */
  /** The labels of every record format, as the upload form lists them. */
  formatLabels: [...FORMAT_LABELS.values()],
  formatLabel: (format: unknown): string | null => typeof format === 'string' ? FORMAT_LABELS.get(format) ?? format : null,
  pageSorts: PAGE_SORTS
}

export type Vocabulary = typeof vocabulary
