/**
 * What can go wrong with a request, in the domain's words. Services and hooks throw these;
 * the app's error handler (plugins/errors.ts) alone turns them into status codes, the API's
 * envelope and error pages. `field` names the input at fault, when there is one.
 */
export abstract class DomainError extends Error {
  constructor (message: string, readonly field?: string) {
    super(message)
    this.name = new.target.name
  }
}

/** Input that cannot be accepted (a form re-renders with it, the API answers 400). */
export class InvalidInput extends DomainError {}
/** No such thing for this user; also what another user's rows are. */
export class NotFound extends DomainError {}
/** The thing exists but is in the wrong state for this request. */
export class Conflict extends DomainError {}
export class TooLarge extends DomainError {}
/** A body or file of another kind than the route takes. */
export class UnsupportedType extends DomainError {}
/** Storage or the database cannot be reached just now; trying again later may work. */
export class Unavailable extends DomainError {}
export class NotSignedIn extends DomainError {}
export class WrongCredentials extends DomainError {}
/** A state change without a valid CSRF token, or from another site. */
export class Forbidden extends DomainError {}
export class RateLimited extends DomainError {
  constructor (message: string, readonly retryAfterSeconds: number) {
    super(message)
  }
}

/** The service is at capacity just now (503): the answer says when to try again. */
export class Busy extends DomainError {
  constructor (message: string, readonly retryAfterSeconds: number) {
    super(message)
  }
}
/** The client stopped sending in the middle of a request. */
export class TimedOut extends DomainError {}

const STATUS = new Map<abstract new (...args: never[]) => DomainError, number>([
  [InvalidInput, 400],
  [NotSignedIn, 401],
  [WrongCredentials, 401],
  [Forbidden, 403],
  [NotFound, 404],
  [Conflict, 409],
  [TooLarge, 413],
  [UnsupportedType, 415],
  [RateLimited, 429],
  [TimedOut, 408],
  [Unavailable, 503],
  [Busy, 503]
])

/** The HTTP status of a domain error (a subclass answers as its parent does). */
export function statusOf (error: DomainError): number {
  for (let kind = Object.getPrototypeOf(error).constructor; kind && kind !== DomainError; kind = Object.getPrototypeOf(kind)) {
    const status = STATUS.get(kind)
    if (status !== undefined) return status
  }
  return 500
}
