// The two compressors the Parquet tests write with ship no types of their own.
declare module 'lz4js' {
  const lz4: {
    compressBound: (size: number) => number
    compressBlock: (src: Uint8Array, dst: Uint8Array, start: number, length: number, hashTable: Uint32Array) => number
  }
  export default lz4
}
declare module 'zstd-codec' {
  const zstd: { ZstdCodec: { run: (callback: (binding: { Simple: new () => { compress: (data: Uint8Array, level: number) => Uint8Array } }) => void) => void } }
  export default zstd
}
