declare module 's3rver' {
  interface S3rverOptions {
    address?: string
    port?: number
    silent?: boolean
    directory?: string
    configureBuckets?: Array<{ name: string, configs?: unknown[] }>
    allowMismatchedSignatures?: boolean
  }
  export default class S3rver {
    constructor (options: S3rverOptions)
    run (): Promise<{ address: string, port: number }>
    close (): Promise<void>
  }
}

declare module 'async-exit-hook' {
  interface ExitHook {
    (hook: (done: () => void) => void): void
    unhookEvent (event: string): void
  }
  const exitHook: ExitHook
  export default exitHook
}
