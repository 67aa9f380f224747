import { createServer, request, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

interface TapLike { teardown: (fn: () => unknown) => void }

export interface Throttle {
  /** How fast an object's bytes are handed on. */
  bytesPerSecond: number
  /** Once every byte is sent, how long the response stays open before it ends. */
  holdEndMs: number
}

const PIECE = 16 * 1024
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

/**
 * An HTTP proxy in front of the suite's S3 server that slows down the bodies of object reads
 * (GET of a key): the app reads real stored files, just slowly, as from a distant storage. All
 * else (uploads, HEAD, bucket calls) passes at full speed. Headers are passed unchanged, so
 * signatures made for the proxy's address are checked as usual. Returns the proxy's endpoint.
 */
export async function throttledS3 (t: TapLike, target: string, throttle: Throttle): Promise<string> {
  const upstream = new URL(target)
  const server = createServer((incoming, outgoing) => {
    const slow = incoming.method === 'GET' && new URL(incoming.url ?? '/', 'http://proxy').pathname.split('/').filter(Boolean).length > 1
    const forward = request({
      host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers
    }, response => {
      if (!slow || response.statusCode !== 200) {
        outgoing.writeHead(response.statusCode ?? 502, response.headers)
        response.pipe(outgoing)
        return
      }
      // Sent chunked: with its length announced, a client would end the body at the last byte.
      const { 'content-length': _length, ...headers } = response.headers
      outgoing.writeHead(200, headers)
      void trickle(response, outgoing, throttle)
    })
    forward.on('error', () => outgoing.destroy())
    incoming.pipe(forward)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise(resolve => { server.closeAllConnections(); server.close(resolve) }))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function trickle (from: IncomingMessage, to: NodeJS.WritableStream & { destroyed: boolean }, { bytesPerSecond, holdEndMs }: Throttle): Promise<void> {
  try {
    for await (const chunk of from as AsyncIterable<Buffer>) {
      for (let offset = 0; offset < chunk.length; offset += PIECE) {
        if (to.destroyed) return
        const piece = chunk.subarray(offset, offset + PIECE)
        to.write(piece)
        await sleep((piece.length / bytesPerSecond) * 1000)
      }
    }
    await sleep(holdEndMs)
    to.end()
  } catch {
    from.destroy()
  }
}
