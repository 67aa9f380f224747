/** A wait for budget that ran out of time: the caller turns it into a refusal. */
export class BudgetTimeout extends Error {
  constructor (readonly waitedMs: number) {
    super(`no upload buffer free after ${waitedMs} ms`)
  }
}

interface Waiter {
  bytes: number
  grant: () => void
  fail: (error: Error) => void
}

/**
 * A byte semaphore: the memory uploads may hold on their way to storage, shared by all of a
 * process's uploads. Waiters are served strictly first come, first served, so a large request
 * is never starved by small ones that keep slipping past it.
 */
export class ByteBudget {
  private used = 0
  private readonly queue: Waiter[] = []

  constructor (readonly capacity: number) {}

  get inUse (): number { return this.used }
  get waiting (): number { return this.queue.length }

  /**
   * Resolves once `bytes` are held by the caller (release them with `release`). With
   * `timeoutMs`, rejects with BudgetTimeout when they could not be had in time; with `signal`,
   * rejects with its reason when it aborts. Nothing is held after a rejection.
   */
  async acquire (bytes: number, { timeoutMs, signal }: { timeoutMs?: number, signal?: AbortSignal } = {}): Promise<void> {
    if (bytes > this.capacity) throw new RangeError(`${bytes} bytes exceed the whole budget of ${this.capacity}`)
    signal?.throwIfAborted()
    if (this.queue.length === 0 && this.used + bytes <= this.capacity) {
      this.used += bytes
      return
    }
    await new Promise<void>((resolve, reject) => {
      const started = Date.now()
      let timer: NodeJS.Timeout | undefined
      const settle = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
      }
      const waiter: Waiter = {
        bytes,
        grant: () => { settle(); resolve() },
        fail: (error) => {
          settle()
          const at = this.queue.indexOf(waiter)
          if (at >= 0) this.queue.splice(at, 1)
          reject(error)
          this.serve() // the next in line may fit now that this one left the head
        }
      }
      const onAbort = () => waiter.fail(signal!.reason as Error)
      if (timeoutMs !== undefined) timer = setTimeout(() => waiter.fail(new BudgetTimeout(Date.now() - started)), timeoutMs)
      signal?.addEventListener('abort', onAbort, { once: true })
      this.queue.push(waiter)
    })
  }

  release (bytes: number): void {
    this.used -= bytes
    if (this.used < 0) throw new Error('byte budget released more than was acquired')
    this.serve()
  }

  private serve (): void {
    while (this.queue.length > 0 && this.used + this.queue[0].bytes <= this.capacity) {
      const next = this.queue.shift()!
      this.used += next.bytes
      next.grant()
    }
  }
}
