import { createHash } from "node:crypto"

const digest = Buffer.alloc(32)

const sha256Into: (bytes: Uint8Array | string) => Buffer =
  typeof Bun !== "undefined"
    ? (bytes) => {
        Bun.SHA256.hash(bytes, digest)
        return digest
      }
    : (bytes) => createHash("sha256").update(bytes).digest()

/** The platform's SHA-256, truncated to 128 bits and rendered as 32 lowercase hex digits. */
export const hash128 = (bytes: Uint8Array | string): string => sha256Into(bytes).toString("hex", 0, 16)
