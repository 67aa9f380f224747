import { readStoredFile, type RecordSink, type StoredFile } from '../validation/files/stored-file.js'
import { HashLineMap } from '../validation/rules/hash-map.js'
import { conversationHash, textHash } from '../validation/turns/hash.js'
import { validate, DEFAULT_MAX_LINE_BYTES, type AnalysisPool, type TokenizerName } from '../validation/index.js'
import { jsonLine, NotWritable, readWritable, type ExportFormat, type RecordWriter, type WritableRecord } from '../validation/writers/index.js'

/** What derive may drop (api.md v2); lines with errors are always dropped: they cannot be read into turns. */
export const DROP_REASONS = ['errors', 'duplicates', 'over_limit'] as const
export type DropReason = typeof DROP_REASONS[number]

/** What was asked: stored in each output's recipe, with the counts once the files are written. */
export interface DeriveRequest {
  format: ExportFormat
  drop: DropReason[]
  exclude_lines: number[]
  validation: { size: number } | { fraction: number } | null
  seed: number
}

/** How many lines went where; `validation_conversations` is the split's size (copies of one conversation count once). */
export interface DeriveCounts {
  records: number
  kept: number
  train: number
  validation: number
  validation_conversations: number
  dropped: { errors: number, excluded: number, over_limit: number, duplicates: number, not_convertible: number }
}

/** A request derive cannot carry out whatever the retries (too few conversations to split, nothing kept). */
export class DeriveRefused extends Error {}

// A line's fate, one byte per physical line (a million lines: 1 MB).
const KEEP = 0
const ERROR = 1
const EXCLUDED = 2
const OVER_LIMIT = 3
const DUPLICATE = 4
const NOT_CONVERTIBLE = 5
const CONVERTIBLE_CHECKED = 0x80 // set by the conversion check before the verdict arrives
const NOT_CONVERTIBLE_BIT = 0x40

class LineCodes {
  private codes = new Uint8Array(1 << 16)

  private ensure (line: number): void {
    if (line < this.codes.length) return
    let length = this.codes.length
    while (length <= line) length *= 2
    const grown = new Uint8Array(length)
    grown.set(this.codes)
    this.codes = grown
  }

  get (line: number): number {
    return line < this.codes.length ? this.codes[line] : 0
  }

  set (line: number, code: number): void {
    this.ensure(line)
    this.codes[line] = code
  }
}

const BUCKET_BITS = 16

function mix32 (h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  return (h ^ (h >>> 16)) >>> 0
}

/**
 * A conversation's place in the split's order: its duplicate hash mixed with the seed. The same
 * seed gives the same order on every run and machine; copies of a conversation share their place.
 */
export function splitKey (seed: number, hash: readonly [number, number]): number {
  const seedLow = seed >>> 0
  const seedHigh = Math.floor(seed / 0x100000000) >>> 0
  const s = mix32(seedLow ^ mix32(seedHigh + 0x9e3779b9))
  return mix32(hash[0] ^ s ^ Math.imul(mix32(hash[1] + s), 0x27d4eb2d))
}

function hashOf (record: WritableRecord): [number, number] {
  const { conversation } = record
  return conversation.text !== null ? textHash(conversation.text) : conversationHash(conversation.turns)
}

/**
 * The first pass: every line's fate and, for the split, how many kept conversations fall in each
 * of 65,536 buckets of their split key. Nothing per conversation is kept but a byte per line and
 * the duplicate hashes (as validation keeps them): bounded for a million conversations.
 */
export interface DerivePlan {
  codes: LineCodes
  histogram: Uint32Array
  /** Distinct kept conversations. */
  groups: number
  counts: DeriveCounts
  /** The split: conversations from buckets below `bucket`, and the first `fromBucket` of that bucket in file order; null without a split. */
  split: { size: number, bucket: number, fromBucket: number } | null
}

export interface PlanOptions {
  request: DeriveRequest
  /** The source's record format (an index of FORMATS). */
  fileFormat: number
  /** null: the target format is the source's, whose writer takes every record. */
  writer: RecordWriter | null
  tokenizer: TokenizerName
  contextLimit: number
  pool?: AnalysisPool
}

/** Pass 1: the source validated again (on the pool), with each line's verdict, and the conversion checked. */
export async function planDerive (file: StoredFile, options: PlanOptions): Promise<DerivePlan> {
  const { request, fileFormat, writer } = options
  const codes = new LineCodes()
  const histogram = new Uint32Array(1 << BUCKET_BITS)
  const kept = new HashLineMap()
  const excluded = new Set(request.exclude_lines)
  const dropDuplicates = request.drop.includes('duplicates')
  const dropOverLimit = request.drop.includes('over_limit')
  const counts: DeriveCounts = {
    records: 0, kept: 0, train: 0, validation: 0, validation_conversations: 0,
    dropped: { errors: 0, excluded: 0, over_limit: 0, duplicates: 0, not_convertible: 0 }
  }
  let groups = 0

  // The conversion is checked as validation reads each record, before its verdict arrives.
  const check = writer === null
    ? undefined
    : (line: number, bytes: Buffer) => {
        const record = readWritable(line, bytes, fileFormat)
        let code = CONVERTIBLE_CHECKED
        if (record !== null) {
          try {
            writer.write(record)
          } catch (error) {
            if (!(error instanceof NotWritable)) throw error
            code |= NOT_CONVERTIBLE_BIT
          }
        }
        codes.set(line, code)
      }
  const report = await validate(file, {
    onRecordBytes: check,
    tokenizer: options.tokenizer,
    contextLimit: options.contextLimit,
    pool: options.pool,
    onRecord: (line, verdict) => {
      counts.records++
      let code = KEEP
      if (verdict.error) code = ERROR
      else if (excluded.has(line)) code = EXCLUDED
      else if (dropOverLimit && verdict.overLimit) code = OVER_LIMIT
      else if ((codes.get(line) & NOT_CONVERTIBLE_BIT) !== 0) code = NOT_CONVERTIBLE
      else if (verdict.hash !== null && kept.firstLineOrAdd(verdict.hash[0], verdict.hash[1], line) !== 0) {
        if (dropDuplicates) code = DUPLICATE
      } else {
        // A conversation met for the first time (a line without a hash is one of its own).
        groups++
        if (verdict.hash !== null) histogram[splitKey(request.seed, verdict.hash) >>> (32 - BUCKET_BITS)]++
      }
      codes.set(line, code)
      if (code === KEEP) counts.kept++
      else if (code === ERROR) counts.dropped.errors++
      else if (code === EXCLUDED) counts.dropped.excluded++
      else if (code === OVER_LIMIT) counts.dropped.over_limit++
      else if (code === NOT_CONVERTIBLE) counts.dropped.not_convertible++
      else counts.dropped.duplicates++
    }
  })
  if (report.counts.invalid_gzip || report.counts.invalid_parquet) throw new DeriveRefused('The source file is damaged (its gzip stream or Parquet structure cannot be read whole): derive reads only whole files.')
  if (counts.kept === 0) throw new DeriveRefused('No line of the source is left to keep: every line was dropped.')
  return { codes, histogram, groups, counts, split: splitOf(request, groups, histogram) }
}

function splitOf (request: DeriveRequest, groups: number, histogram: Uint32Array): DerivePlan['split'] {
  if (request.validation === null) return null
  const size = 'size' in request.validation ? request.validation.size : Math.round(request.validation.fraction * groups)
  if (size < 1 || size >= groups) {
    throw new DeriveRefused(`A validation set of ${size.toLocaleString('en-US')} conversations cannot be split from the ${groups.toLocaleString('en-US')} kept: both sides need at least one.`)
  }
  let before = 0
  for (let bucket = 0; bucket < histogram.length; bucket++) {
    if (before + histogram[bucket] >= size) return { size, bucket, fromBucket: size - before }
    before += histogram[bucket]
  }
  throw new Error('split: the histogram holds fewer conversations than counted')
}

/** Where pass 2 sends output: a piece of JSON Lines to one side; it may wait (back-pressure). */
export interface DeriveOutlets {
  train: (piece: Buffer) => Promise<void>
  validation: ((piece: Buffer) => Promise<void>) | null
  /** true: stop reading (an output failed). */
  stopped: () => boolean
}

const PIECE = 64 * 1024

/** Pass 2: the kept lines, converted by `writer`, each to its side of the split. */
export async function writeDerived (file: StoredFile, plan: DerivePlan, options: { fileFormat: number, writer: RecordWriter, seed: number }, outlets: DeriveOutlets): Promise<DeriveCounts> {
  const { codes, split, counts } = plan
  const sides = [{ pieces: [] as string[], size: 0, emit: outlets.train }, { pieces: [] as string[], size: 0, emit: outlets.validation }]
  const boundary = new Map<string, number>() // conversations of the boundary bucket: their side
  let takenFromBoundary = 0
  let train = 0
  let validation = 0
  const sink: RecordSink = {
    bom: () => {},
    blank: () => {},
    tooLong: () => {},
    record: (line, bytes) => {
      if ((codes.get(line) & 0x3f) !== KEEP) return
      const record = readWritable(line, bytes, options.fileFormat)
      if (record === null) throw new Error(`line ${line} changed between the two passes (it no longer reads)`)
      let side = 0
      if (split !== null) {
        const hash = hashOf(record)
        const bucket = splitKey(options.seed, hash) >>> (32 - BUCKET_BITS)
        if (bucket < split.bucket) {
          side = 1
        } else if (bucket === split.bucket) {
          const key = `${hash[0]}:${hash[1]}`
          const known = boundary.get(key)
          if (known !== undefined) {
            side = known
          } else {
            side = takenFromBoundary < split.fromBucket ? 1 : 0
            if (side === 1) takenFromBoundary++
            boundary.set(key, side)
          }
        }
      }
      const text = jsonLine(options.writer.write(record))
      const out = sides[side]
      out.pieces.push(text)
      out.size += text.length
      if (side === 1) validation++
      else train++
    }
  }
  const flush = async (all: boolean) => {
    for (const side of sides) {
      if (side.size === 0 || (!all && side.size < PIECE)) continue
      const piece = Buffer.from(side.pieces.join(''), 'utf8')
      side.pieces = []
      side.size = 0
      await side.emit!(piece)
    }
  }
  await readStoredFile(file, sink, { maxLineBytes: DEFAULT_MAX_LINE_BYTES, afterChunk: () => flush(false), stop: outlets.stopped })
  if (!outlets.stopped()) await flush(true)
  if (outlets.stopped()) return counts // an output failed: the caller has its error
  if (train + validation !== counts.kept) throw new Error(`pass 2 kept ${train + validation} lines where pass 1 kept ${counts.kept}: the source changed`)
  return { ...counts, train, validation, validation_conversations: split === null ? 0 : split.size }
}
