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

test("rows are sequence numbers + 1 until a discarded step's ids are staged again, under new rows", () => {
  const index = new StagedIndex(["a", "b", "c"])
  for (let n = 0; n < 10; n++) expect(index.claim(hex(n, 0), hex(n, 7), 1, "a")).toBe(n + 1)
  for (let n = 10; n < 20; n++) expect(index.claim(hex(n, 0), hex(n, 7), 2, "b")).toBe(n + 1)
  expect(index.dropStep(1, "a")).toBe(10)
  // Five of a's ids staged again by c: their old sequence numbers, rows 21 to 25.
  for (let n = 0; n < 5; n++) expect(index.claim(hex(n, 0), hex(n, 8), 3, "c")).toBe(21 + n)
  // A new id after that: the next sequence number (20), row 26.
  expect(index.claim(hex(20, 0), hex(20, 7), 2, "b")).toBe(26)
  const rows = Array.from({ length: 21 }, (_, n) => {
    const seq = index.find(hex(n, 0))
    return seq < 0 ? -1 : index.row(seq)
  })
  expect(rows).toEqual([21, 22, 23, 24, 25, -1, -1, -1, -1, -1, ...Array.from({ length: 10 }, (_, n) => n + 11), 26])
  expect(index.find(hex(3, 0))).toBe(3)
  expect(index.step(3)).toBe("c")
  expect(index.hasHash(3, hex(3, 8))).toBe(true)
})

test("resting frees the id table; the next lookup or claim builds it again, every id where it was", () => {
  const count = 300_000
  const index = new StagedIndex(["fetch"])
  for (let n = 0; n < count; n++) index.claim(hex(n, 0), hex(n, 7), 1, "fetch")
  index.rest()
  index.rest()
  let wrong = 0
  for (let n = 0; n < count; n++) if (index.find(hex(n, 0)) !== n) wrong++
  expect(wrong).toBe(0)
  expect(index.find(hex(count, 0))).toBe(-1)
  // A claim right after resting: an id already there keeps its sequence number; a new one gets the next.
  index.rest()
  expect(index.claim(hex(5, 0), hex(5, 7), 1, "fetch")).toBe(-1 - 5)
  expect(index.claim(hex(count, 0), hex(count, 7), 1, "fetch")).toBe(count + 1)
  expect(index.lookup(index.idBytes(count))).toBe(count)
  expect(index.index.size).toBe(count + 1)
})
