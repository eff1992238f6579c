/** Ids and hashes are 32 hex digits in the model and 16-byte BLOBs on disk. */

export const toBlob = (hex: string): Uint8Array => Buffer.from(hex, "hex")

/** `Uint8Array.prototype.toHex` (native, and about twice as fast as SQLite's `lower(hex(...))` or a Buffer). */
export const toHex = (blob: Uint8Array): string => (blob as Uint8Array & { toHex(): string }).toHex()
