import { Type } from '@sinclair/typebox'
import { IdParams, Ok } from './common.js'

export const TokenParams = IdParams('Token not found.')
/** The Settings page says it in its own words. */
export const TokenPageParams = IdParams('That token does not exist.')

/** Documentation of the JSON bodies; the account service checks them and names the field at fault. */
export const SignUpBody = Type.Object({
  email: Type.String({ format: 'email' }),
  password: Type.String({ minLength: 8, maxLength: 1024 })
})

export const TokenBody = Type.Object({
  email: Type.String({ format: 'email' }),
  password: Type.String(),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, default: 'API token' }))
})

export const SignedUp = Ok(Type.Object({ user: Type.Object({ id: Type.String({ format: 'uuid' }), email: Type.String() }) }))
export const NewToken = Ok(Type.Object({
  token: Type.String({ description: 'shown once; stored only as its SHA-256' }),
  id: Type.String({ format: 'uuid' }),
  name: Type.String()
}))
export const Revoked = Ok(Type.Object({ id: Type.String({ format: 'uuid' }), revoked: Type.Literal(true) }))
