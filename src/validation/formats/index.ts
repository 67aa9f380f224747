import { alpaca } from './alpaca.js'
import { native } from './native.js'
import { openai } from './openai.js'
import { promptCompletion } from './prompt-completion.js'
import type { FormatName, RecordFormat } from './record-format.js'
import { sharegpt } from './sharegpt.js'
import { text } from './text.js'

export type { FormatName, RecordFormat } from './record-format.js'

/**
 * Every record format, in the order their recognising keys are checked (dataset-format.md,
 * "Record formats"). A format's index in this list is how threads name it; the first is the
 * format of a file where no record is recognised.
 */
export const FORMATS: readonly RecordFormat[] = [native, openai, sharegpt, promptCompletion, alpaca, text]

export const FORMAT_NAMES: readonly FormatName[] = FORMATS.map(format => format.name)

/** The index of the format whose recognising key the record holds first, or -1. */
export function detectFormat (record: object): number {
  for (let i = 0; i < FORMATS.length; i++) if (FORMATS[i].recognises(record)) return i
  return -1
}

const BY_NAME = new Map<string, number>(FORMATS.map((format, i) => [format.name, i]))

/** The index of a format named from outside (a stored report, a query), or -1. */
export function formatIndex (name: unknown): number {
  return typeof name === 'string' ? BY_NAME.get(name) ?? -1 : -1
}
