/**
 * Failed sign-ins per (IP, email) in a sliding window. After `limit` failures within
 * `windowMs` the next attempts are refused (429) until the oldest failure leaves the window.
 * Kept in process memory: with several web processes each enforces its own window.
 */
export function createLoginThrottle ({ limit = 10, windowMs = 60_000, now = () => Date.now() } = {}) {
  const failures = new Map<string, number[]>()

  function recent (key: string): number[] {
    const cutoff = now() - windowMs
    const kept = (failures.get(key) ?? []).filter(at => at > cutoff)
    if (kept.length === 0) failures.delete(key)
    else failures.set(key, kept)
    return kept
  }

  return {
    /** Seconds to wait before the next attempt, or 0 when one may be made now. */
    retryAfter (key: string): number {
      const kept = recent(key)
      if (kept.length < limit) return 0
      return Math.max(1, Math.ceil((kept[kept.length - limit] + windowMs - now()) / 1000))
    },
    recordFailure (key: string): void {
      recent(key)
      failures.set(key, [...(failures.get(key) ?? []), now()])
      if (failures.size > 100_000) failures.delete(failures.keys().next().value as string)
    },
    succeed (key: string): void {
      failures.delete(key)
    }
  }
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>

export function throttleKey (ip: string, email: unknown): string {
  return `${ip}|${typeof email === 'string' ? email.trim().toLowerCase() : ''}`
}
