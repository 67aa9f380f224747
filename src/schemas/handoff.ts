import { Type } from '@sinclair/typebox'
import { DROP_REASONS } from '../datasets/derive.js'
import { MAX_EXCLUDED_LINES } from '../datasets/handoff.js'
import { EXPORT_FORMATS } from '../validation/writers/writer.js'
import { DatasetObject } from './datasets.js'
import { Ok, StringEnum } from './common.js'

const formats = EXPORT_FORMATS.join(', ')

/** GET /api/datasets/:id/export */
export const ExportQuery = Type.Object({
  format: StringEnum([...EXPORT_FORMATS], { default: 'openai', description: `the format written: ${formats}`, 'x-message': `format must be one of ${formats}.` }),
  rows: StringEnum(['valid', 'all'], { default: 'valid', description: 'valid: records without errors; all: lines with errors too, as they are', 'x-message': 'rows must be valid or all.' })
})

/** POST /api/datasets/:id/derive */
export const DeriveBody = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 180, description: 'the outputs are named "<name> (train)" and "<name> (validation)"; default: the source\'s name' })),
  format: Type.Optional(StringEnum([...EXPORT_FORMATS], { description: `default openai; one of ${formats}`, 'x-message': `format must be one of ${formats}.` })),
  drop: Type.Optional(Type.Array(StringEnum([...DROP_REASONS], { 'x-message': `drop may list ${DROP_REASONS.join(', ')}.` }), {
    uniqueItems: true, description: 'default: all three; lines with errors are always dropped (they cannot be converted)', 'x-message': `drop may list ${DROP_REASONS.join(', ')}, each once.`
  })),
  exclude_lines: Type.Optional(Type.Array(Type.Integer({ minimum: 1 }), { maxItems: MAX_EXCLUDED_LINES, description: 'physical line numbers of the source to leave out' })),
  validation: Type.Optional(Type.Object({
    size: Type.Optional(Type.Integer({ minimum: 1, description: 'conversations in the validation set, exactly' })),
    fraction: Type.Optional(Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: 'share of the kept conversations, rounded to the nearest whole number' }))
  }, { additionalProperties: false, description: '{size: n} or {fraction: f}', 'x-message': 'validation must be {size: n} with n ≥ 1, or {fraction: f} with 0 < f < 1.' })),
  seed: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'the split\'s seed (default 42): the same seed gives the same split' }))
}, { additionalProperties: false })

export const DerivedDatasets = Ok(Type.Object({ datasets: Type.Array(DatasetObject) }))

export const Manifest = Ok(Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  format: Type.String({ description: 'the stored file\'s record format' }),
  tokenizer: Type.String(),
  context_limit: Type.Integer(),
  stats: Type.Object({ conversations: Type.Integer(), tokens: Type.Integer(), assistant_tokens: Type.Integer(), packed_sequences: Type.Integer(), over_limit: Type.Integer() }),
  export: Type.Object({ format: Type.Literal('openai'), url: Type.String(), sha256: Type.String(), bytes: Type.Integer() }),
  parent_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  recipe: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
  validated_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()])
}))
