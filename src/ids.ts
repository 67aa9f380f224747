/** Ids are UUIDs (any version, either case): the one definition schemas, SQL guards and tasks share. */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'

const UUID = new RegExp(UUID_PATTERN)

export function isUuid (value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value)
}
