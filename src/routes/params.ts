const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Ids in URLs are UUIDs; anything else cannot name a row (answer 404, not a database error). */
export function isUuid (value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value)
}
