/** Ids and hashes are 32 hex digits in the model and 16-byte BLOBs on disk. */

export const toBlob = (hex: string): Uint8Array => Buffer.from(hex, "hex")

export const toHex = (blob: Uint8Array): string =>
  Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString("hex")
