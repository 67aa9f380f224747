/**
 * A record's own key, else undefined: a key from the data that names a property of every object
 * (`constructor`, `toString`, `__proto__`) is just a missing key, never the inherited property.
 */
export function own (object: object, key: string): unknown {
  return Object.hasOwn(object, key) ? (object as Record<string, unknown>)[key] : undefined
}
