import { createHash } from "node:crypto"

const sha256Hex: (bytes: Uint8Array | string) => string =
  typeof Bun !== "undefined"
    ? (bytes) => Bun.CryptoHasher.hash("sha256", bytes, "hex")
    : (bytes) => createHash("sha256").update(bytes).digest("hex")

/** The platform's SHA-256, truncated to 128 bits and rendered as 32 lowercase hex digits. */
export const hash128 = (bytes: Uint8Array | string): string => sha256Hex(bytes).slice(0, 32)
