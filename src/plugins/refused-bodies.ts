import fp from 'fastify-plugin'
import { Socket } from 'node:net'
import type { IncomingMessage, ServerResponse } from 'node:http'

export interface DrainBounds {
  seconds: number
  bytes: number
}

/**
 * Refusals that clients can read. A request may be answered while its body is still arriving:
 * an upload refused from its Content-Length (413), its first bytes (415), its credentials (401,
 * 403), the rate limit (429) or a body limit. Closing the socket then, with the client still
 * sending, makes the kernel reset the connection, and clients report a broken pipe or a reset
 * instead of the answer (Python's http.client sends the whole body before it reads anything).
 * So the rest of the body is read and thrown away, never stored, for at most `seconds` and
 * `bytes`; the answer says `Connection: close` and the socket closes once the body has been
 * read or a bound is reached.
 */
export default fp<DrainBounds>(async (app, bounds) => {
  app.addHook('onSend', async (request, reply, payload) => {
    // Only sockets have a body still arriving (app.inject's requests are whole).
    if (request.raw.complete === false && !request.raw.destroyed && request.raw.socket instanceof Socket) {
      reply.header('connection', 'close')
      drainThenClose(request.raw, reply.raw, bounds)
    }
    return payload
  })
}, { name: 'refused-bodies' })

function drainThenClose (request: IncomingMessage, response: ServerResponse, { seconds, bytes }: DrainBounds): void {
  const socket = request.socket
  let received = 0
  // Node destroys the socket as soon as a `Connection: close` answer is written; meanwhile it
  // only ends our side (the client reads the answer and an orderly end while it still sends).
  socket.destroySoon = function (this: Socket) {
    if (this.writable) this.end()
  }
  const done = () => {
    clearTimeout(timer)
    request.off('data', count)
    request.off('end', done)
    socket.destroySoon = Socket.prototype.destroySoon
    // If the answer is already out, Node has asked for the close: do it now.
    if (response.writableFinished) socket.destroySoon()
  }
  const count = (chunk: Buffer) => {
    received += chunk.length
    if (received > bytes) done()
  }
  const timer = setTimeout(done, seconds * 1000)
  socket.once('close', () => clearTimeout(timer))
  // Whatever still reads the body (a multipart parser) stops: from here it is thrown away.
  request.unpipe()
  request.on('data', count)
  request.once('end', done)
  request.resume()
}
