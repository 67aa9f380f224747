import { Type, type Static } from '@sinclair/typebox'
import { DATASET_STATUSES, PAGE_SORTS, SORT_KEYS } from '../datasets/vocabulary.js'
import { FORMAT_NAMES, TOKENIZER_IDS } from '../validation/index.js'
import { IdParams, Ok, StringEnum } from './common.js'

export const MAX_LIMIT = 100
export const MAX_PAGE = 1_000_000
export const MAX_SEARCH = 200

export const DatasetParams = IdParams('Dataset not found.')

const Page = Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 1, description: 'page number, from 1' })
const Search = Type.String({ maxLength: MAX_SEARCH, description: 'part of the name, matched case-insensitively; %, _ and \\ are literal' })
const Status = StringEnum(['all', ...DATASET_STATUSES], {
  default: 'all', 'x-message': `status must be one of ${DATASET_STATUSES.join(', ')}.`
})

/** uploaded: made by an upload; derived: made by derive (parent_id set). */
const Origin = StringEnum(['all', 'uploaded', 'derived'], { default: 'all', description: 'uploaded or derived datasets only', 'x-message': 'origin must be one of all, uploaded, derived.' })

/** GET /api/datasets */
export const ListQuery = Type.Object({
  page: Page,
  limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 20, description: `datasets per page, at most ${MAX_LIMIT}` }),
  status: Status,
  search: Type.Optional(Search),
  sort: StringEnum([...SORT_KEYS], { default: 'created_at' }),
  order: Type.Optional(StringEnum(['asc', 'desc'], { description: 'default: desc for created_at, updated_at and file_size, asc otherwise' })),
  deleted: Type.Boolean({ default: false, description: 'true: only the datasets in the trash' }),
  origin: Origin
})
export type ListQuery = Static<typeof ListQuery>

/** GET /datasets and /datasets/trash: the page's own sort names; an unknown one shows the newest first. */
export const PageListQuery = Type.Object({
  page: Page,
  status: Status,
  search: Type.Optional(Search),
  sort: Type.String({ default: 'newest', description: [...PAGE_SORTS.keys()].join(', ') }),
  origin: Origin
})

/** GET /api/datasets/:id/records */
export const RecordsQuery = Type.Object({
  offset: Type.Integer({ minimum: 0, default: 0, description: 'where the page starts: JSON Lines, physical lines to skip; a JSON array, elements to skip; Parquet, rows to skip. Continue with the answer\'s next_offset.' }),
  limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 20 }),
  raw: Type.Boolean({ default: false, description: 'true: each record\'s original JSON under `raw` too' })
})

/** GET /datasets/:id/records: `line` ("jump to line N") wins over offset. */
export const RecordsPageQuery = Type.Object({
  offset: Type.Integer({ minimum: 0, default: 0 }),
  line: Type.Optional(Type.Integer({ minimum: 0 }))
})

/** GET /datasets/:id: filters of the issues table (free text: a code that is not there matches nothing). */
export const IssuesQuery = Type.Object({
  severity: Type.String({ default: 'all' }),
  code: Type.String({ default: 'all' })
})

const Nullable = <T extends ReturnType<typeof Type.String>> (schema: T) => Type.Union([schema, Type.Null()])
const Time = Type.String({ format: 'date-time' })

/** The dataset object of api.md (what serializeDataset returns). */
export const DatasetObject = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  description: Nullable(Type.String()),
  file_name: Type.String(),
  file_size: Type.Integer(),
  storage_path: Type.String({ description: 'userId/datasetId/file_name' }),
  status: StringEnum([...DATASET_STATUSES]),
  training_ready: Type.Boolean(),
  tokenizer: Type.String({ description: `an encoding or a model id of GET /api/models: ${TOKENIZER_IDS.join(', ')}` }),
  context_limit: Type.Integer(),
  stats: Type.Union([Type.Object({}, { additionalProperties: true, description: 'null until validation has finished' }), Type.Null()]),
  issue_counts: Type.Record(Type.String(), Type.Integer(), { description: 'exact totals per issue code' }),
  error_message: Nullable(Type.String()),
  progress: Type.Union([Type.Object({
    bytes_read: Type.Integer({ minimum: 0, description: 'stored bytes of the file read so far' }),
    bytes_total: Type.Integer({ minimum: 0, description: 'the size of what is being read' })
  }), Type.Null()], { description: 'while `validating`: how far the job has read (recorded at most once a second); null otherwise' }),
  created_at: Time,
  updated_at: Time,
  validated_at: Type.Union([Time, Type.Null()]),
  deleted_at: Type.Union([Time, Type.Null()]),
  parent_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'the dataset this one was derived from (v2), null for uploads' }),
  recipe: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], { description: 'what the derive that made it did, with its counts (v2); null for uploads' })
})

export const OneDataset = Ok(Type.Object({ dataset: DatasetObject }))

export const DatasetList = Ok(Type.Object({
  datasets: Type.Array(DatasetObject),
  pagination: Type.Object({ page: Type.Integer(), limit: Type.Integer(), total: Type.Integer(), total_pages: Type.Integer() }),
  summary: Type.Object({ total: Type.Integer(), uploading: Type.Integer(), validating: Type.Integer(), ready: Type.Integer(), error: Type.Integer() })
}))

export const Presigned = Ok(Type.Object({
  dataset: DatasetObject,
  uploadUrl: Type.String({ description: 'a presigned PUT URL, valid for 1 hour' }),
  storagePath: Type.String()
}))

const Issue = Type.Object({ line: Type.Integer(), code: Type.String(), severity: StringEnum(['error', 'warning']), path: Type.String(), message: Type.String() })

export const Report = Ok(Type.Object({
  outcome: StringEnum(['ready', 'error']),
  stats: Type.Object({}, { additionalProperties: true }),
  counts: Type.Record(Type.String(), Type.Integer()),
  errors: Type.Array(Issue),
  warnings: Type.Array(Issue)
}, { description: 'the CLI\'s --json shape' }))

const ToolCall = Type.Object({
  id: Type.Union([Type.String(), Type.Null()], { description: 'null where the format has none (sharegpt, legacy function_call)' }),
  name: Type.String(),
  arguments: Type.String({ description: 'JSON text' })
})

/** dataset-format.md, "Turns: one model for every format". */
const Turn = Type.Object({
  role: StringEnum(['system', 'user', 'assistant', 'tool']),
  content: Type.String({ description: '"" for an assistant turn with only tool calls' }),
  tool_calls: Type.Union([Type.Array(ToolCall), Type.Null()]),
  reasoning: Type.Union([Type.String(), Type.Null()], { description: 'reasoning_content of an assistant turn' }),
  weight: Type.Integer({ minimum: 0, maximum: 1, description: '0: context, not trained' }),
  tool_call_id: Type.Union([Type.String(), Type.Null()], { description: 'the call a tool turn answers' })
})

export const Records = Ok(Type.Object({
  records: Type.Array(Type.Object({
    line: Type.Integer(),
    conversation_id: Type.Unknown(),
    format: Type.Union([StringEnum([...FORMAT_NAMES]), Type.Null()], { description: 'the format the record was read in: its own, else the file\'s' }),
    turns: Type.Union([Type.Array(Turn), Type.Null()], { description: 'the turns that could be read, in the turn model; null when there are none to read' }),
    text: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'text records: the text' })),
    tools: Type.Optional(Type.Array(Type.Unknown(), { description: 'declared tools, in OpenAI\'s shape' })),
    raw: Type.Optional(Type.Unknown({ description: 'with raw=true: the record\'s original JSON; always the line as text (at most 4,000 characters) when it is not a JSON object' }))
  })),
  next_offset: Type.Union([Type.Integer(), Type.Null()])
}))

/** Documentation of POST /api/datasets' two bodies; the service checks them field by field. */
export const CreateDatasetBody = Type.Object({
  name: Type.String({ maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  tokenizer: Type.Optional(StringEnum([...TOKENIZER_IDS], { default: 'o200k_base' })),
  context_limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000, default: 8192 })),
  file: Type.Optional(Type.String({ format: 'binary', description: 'multipart/form-data: the file part, after the text fields' })),
  file_name: Type.Optional(Type.String({ description: 'JSON (direct upload): the name of the file you will PUT' })),
  file_size: Type.Optional(Type.Integer({ minimum: 1, description: 'JSON (direct upload): its size in bytes' }))
}, { description: 'multipart/form-data with the text fields first and one file part, or JSON {name, description?, file_name, file_size, tokenizer?} for a direct upload' })
