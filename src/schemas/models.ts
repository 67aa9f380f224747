import { Type, type TSchema } from '@sinclair/typebox'
import { Ok } from './common.js'

const Nullable = <T extends TSchema> (schema: T) => Type.Union([schema, Type.Null()])

/** One value `tokenizer` accepts (api.md v2, GET /api/models). */
export const ModelObject = Type.Object({
  id: Type.String({ description: 'what a dataset\'s `tokenizer` holds' }),
  name: Type.String(),
  kind: Type.Union([Type.Literal('encoding'), Type.Literal('model')]),
  tokenizer: Type.Object({
    source: Type.String({ description: 'where the file comes from: npm:package@version/path' }),
    sha256: Type.String({ description: 'sha256 of its tokenizer.json (an encoding: of its rank file)' })
  }),
  chat_template: Nullable(Type.String({ description: 'the Jinja chat template (null for encodings, which count content alone)' })),
  bos_token: Nullable(Type.String()),
  eos_token: Nullable(Type.String()),
  context_length: Nullable(Type.Integer({ description: 'the longest sequence the model was trained for (null for encodings)' }))
})

export const ModelList = Ok(Type.Object({ models: Type.Array(ModelObject) }))

/** POST /api/datasets/:id/revalidate: both optional; absent keeps the dataset's own. */
export const RevalidateBody = Type.Object({
  tokenizer: Type.Optional(Type.String({ description: 'an encoding or a model id of GET /api/models' })),
  context_limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 }))
})
