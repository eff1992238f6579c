import { expect, test } from "bun:test"
import { nextCapacity } from "../../../src/sync/staging/IdIndex.ts"
import { StagedIndex } from "../../../src/sync/staging/StagedIndex.ts"

/**
 * The staged index past a million ids, where its arrays stop doubling and grow by a quarter (so that a
 * large sync's index is not up to half empty): every id keeps its sequence number, row, owner and hash
 * through every growth.
 */

/** 32 hex digits, spread like the SHA-256-based ids (a 32-bit mix of `n` and `salt` per word). */
const hex = (n: number, salt: number): string => {
  let out = ""
  for (let lane = 0; lane < 4; lane++) {
    let x = Math.imul(n + 1, 0x9e3779b1) ^ Math.imul(lane + salt, 0x85ebca6b)
    x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d)
    x ^= x >>> 13
    out += (x >>> 0).toString(16).padStart(8, "0")
  }
  return out
}

test("capacities double up to a million elements, then grow by a quarter, in multiples of 1024", () => {
  expect(nextCapacity(1024)).toBe(2048)
  expect(nextCapacity(1 << 19)).toBe(1 << 20)
  const after = nextCapacity(1 << 20)
  expect(after).toBe((1 << 20) + (1 << 18))
  expect(nextCapacity(after) % 1024).toBe(0)
  expect(nextCapacity(after) / after).toBeCloseTo(1.25, 2)
})

test("1.4 million ids: each keeps its sequence number, row, owner and hash through every growth", () => {
  const count = 1_400_000
  const index = new StagedIndex(["fetch"])
  for (let n = 0; n < count; n++) {
    const claimed = index.claim(hex(n, 0), hex(n, 7), 1, "fetch")
    if (claimed !== n + 1) throw new Error(`id ${n}: row ${claimed}, want ${n + 1}`)
  }
  expect(index.rows).toBe(count)
  expect(index.index.size).toBe(count)
  let wrong = 0
  for (let n = 0; n < count; n++) {
    const id = hex(n, 0)
    const seq = index.find(id)
    const ok =
      seq === n &&
      index.row(seq) === n + 1 &&
      index.step(seq) === "fetch" &&
      index.hasHash(seq, hex(n, 7)) &&
      !index.hasHash(seq, hex(n, 8)) &&
      index.idBytes(seq).toHex() === id
    if (!ok) wrong++
  }
  expect(wrong).toBe(0)
  expect(index.find(hex(count, 0))).toBe(-1)
  expect(index.digests.get("fetch")?.rows).toBe(count)
}, 60_000) // 5-6 s here: over bun's 5 s default when the file runs alone
