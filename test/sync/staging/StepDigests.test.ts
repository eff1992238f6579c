import { expect, test } from "bun:test"
import fc from "fast-check"
import { StepDigests } from "../../../src/sync/staging/StepDigests.ts"

/**
 * The per-step checksums against their definition, computed with BigInt: lane `l` of a step is the sum
 * mod 2^32 of `id[l] ^ rotl13(hash[l % 2])` over the rows it holds (the staging index keeps two words of a
 * content hash), whatever order rows come and go in and however the steps' rows interleave. The stores
 * compare a sync's checksums with the ones they kept, so an arithmetic slip that every sync made alike
 * would go unseen anywhere else.
 */

const word = fc.integer({ min: 0, max: 0xffffffff })
const row = fc.record({
  id: fc.array(word, { minLength: 4, maxLength: 4 }),
  hash: fc.array(word, { minLength: 2, maxLength: 2 })
})
const STEPS = ["a", "b", "c"]

/** Rows added to steps and held rows taken back (`back`: which of them), in any order. */
const script = fc.array(fc.oneof(fc.record({ row, step: fc.constantFrom(...STEPS) }), fc.record({ back: fc.nat() })), {
  maxLength: 80
})

const rotl13 = (value: bigint): bigint => ((value << 13n) | (value >> 19n)) & 0xffffffffn

/** The checksums by definition: for each step, its row count and four lanes as 32 hex digits. */
const expected = (rows: ReadonlyArray<{ step: string; id: Array<number>; hash: Array<number> }>) => {
  const out = new Map<string, { rows: number; digest: string }>()
  for (const step of STEPS) {
    const held = rows.filter((each) => each.step === step)
    if (held.length === 0) continue
    let digest = ""
    for (let lane = 0; lane < 4; lane++) {
      let sum = 0n
      for (const { id, hash } of held) sum += BigInt(id[lane] as number) ^ rotl13(BigInt(hash[lane % 2] as number))
      digest += (sum % 2n ** 32n).toString(16).padStart(8, "0")
    }
    out.set(step, { rows: held.length, digest })
  }
  return out
}

test("each step's checksum is its rows' lane sums mod 2^32, as rows are added and taken back", () => {
  fc.assert(
    fc.property(script, (ops) => {
      const digests = new StepDigests()
      const ids = new Uint32Array(4 * ops.length)
      const hashes = new Uint32Array(2 * ops.length)
      const held: Array<{ at: number; step: string; id: Array<number>; hash: Array<number> }> = []
      for (const [at, op] of ops.entries()) {
        if ("row" in op) {
          ids.set(op.row.id, 4 * at)
          hashes.set(op.row.hash, 2 * at)
          digests.add(op.step, ids, hashes, at, 1)
          held.push({ at, step: op.step, ...op.row })
        } else if (held.length > 0) {
          // A step may lose its last row here, and get rows again later.
          const [gone] = held.splice(op.back % held.length, 1)
          if (gone !== undefined) digests.add(gone.step, ids, hashes, gone.at, -1)
        }
      }
      expect(new Map([...digests.get()].map(([step, { rows, digest }]) => [step, { rows, digest }]))).toEqual(
        expected(held)
      )
    }),
    { numRuns: 300, seed: 7 }
  )
})
