import t from 'tap'
import { request } from 'node:http'
import { apiUser, bucketKeys, buildTestApp } from '../helper.js'

t.test('a client that disconnects mid-upload leaves no row and no object; the multipart upload is aborted', async t => {
  const app = await buildTestApp(t)
  const user = await apiUser(app)
  const commands: string[] = []
  app.storage.client.middlewareStack.add((next, context) => async args => {
    commands.push(context.commandName as string)
    return await next(args)
  }, { step: 'initialize', name: 'countCommands' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as { port: number }

  const boundary = 'abortboundary'
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nAborted\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.jsonl"\r\n\r\n`
  const line = JSON.stringify({ conversation_id: 'x', turns: [{ role: 'user', content: 'a'.repeat(1000) }] }) + '\n'
  const chunk = Buffer.from(line.repeat(1024)) // ~1 MiB
  const req = request({
    host: '127.0.0.1', port, method: 'POST', path: '/api/datasets',
    headers: { ...user.headers, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(100 * 1024 * 1024) }
  })
  req.on('error', () => {})
  req.write(head)
  // Send until the S3 multipart upload has started (a first 8 MiB part), then vanish.
  for (let sent = 0; sent < 60 && !commands.includes('UploadPartCommand'); sent++) {
    await new Promise(resolve => req.write(chunk, resolve))
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  t.ok(commands.includes('CreateMultipartUploadCommand'), 'the upload was streaming into S3')
  req.destroy()

  const deadline = Date.now() + 20_000
  while (!commands.includes('AbortMultipartUploadCommand') && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 100))
  t.ok(commands.filter(c => c === 'AbortMultipartUploadCommand').length >= 1, 'AbortMultipartUpload was sent')
  await new Promise(resolve => setTimeout(resolve, 300))
  t.equal((await app.sql`select count(*)::int as n from datasets`)[0].n, 0, 'no dataset row')
  t.same(await bucketKeys(app), [], 'no completed object')
  t.notOk(commands.includes('CompleteMultipartUploadCommand'), 'the upload was never completed')
})
