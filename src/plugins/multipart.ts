import fp from 'fastify-plugin'
import multipart from '@fastify/multipart'

/**
 * Streamed multipart: the file part is read as a stream by the upload handler, never buffered.
 * Past fileSize the stream is cut and emits 'limit' (it does not throw): the upload guard
 * turns that into 413 and aborts the S3 upload.
 */
export default fp<{ maxUploadBytes: number }>(async (app, { maxUploadBytes }) => {
  await app.register(multipart, {
    throwFileSizeLimit: false,
    // Larger reads from the request: fewer, bigger chunks on the way to S3.
    fileHwm: 1024 * 1024,
    limits: { fileSize: maxUploadBytes, files: 2, fields: 10, fieldSize: 16 * 1024, parts: 12, headerPairs: 50 }
  })
}, { name: 'multipart' })
