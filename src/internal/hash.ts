import { createHash } from "node:crypto"

/** The platform's SHA-256, truncated to 128 bits and rendered as 32 lowercase hex digits. */
export const hash128 = (bytes: Uint8Array | string): string =>
  createHash("sha256").update(bytes).digest("hex").slice(0, 32)
