/** A request about datasets that cannot be carried out: routes answer `status` with the message. */
export class DatasetError extends Error {
  constructor (readonly status: number, message: string, readonly field?: string) {
    super(message)
  }
}
