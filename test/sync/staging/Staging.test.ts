import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { entity } from "../../../src/index.ts"
import type { EntityRecord } from "../../../src/model/Records.ts"
import type { Staging } from "../../../src/scheduler/Staging.ts"
import { LogSpill } from "../../../src/sync/staging/LogSpill.ts"
import { MemorySpill } from "../../../src/sync/staging/MemorySpill.ts"
import { SqliteSpill } from "../../../src/sync/staging/SqliteSpill.ts"
import { CoreStaging } from "../../../src/sync/staging/Staging.ts"
import { ModelStaging } from "./ModelStaging.ts"

/**
 * The core's staging (src/sync/staging/Staging.ts), on either spill, behaves exactly like a small model
 * of the ownership rules written here (`ModelStaging`), whatever steps emit and discard.
 */

type Op =
  | { readonly _tag: "put"; readonly step: string; readonly key: string; readonly content: number }
  | { readonly _tag: "discard"; readonly step: string }
  | { readonly _tag: "read" }

const stepArb = fc.constantFrom("a", "b", "c")
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      _tag: fc.constant("put" as const),
      step: stepArb,
      key: fc.constantFrom("k1", "k2", "k3", "k4"),
      content: fc.nat(1)
    })
  },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("discard" as const), step: stepArb }) },
  { weight: 1, arbitrary: fc.constant({ _tag: "read" as const }) }
)

const record = (key: string, content: number): EntityRecord =>
  entity("host", key).class("Host").property("v", content).toRecord("acme") as EntityRecord

const VIEWS: ReadonlyArray<ReadonlySet<string>> = [
  new Set(["a"]),
  new Set(["b"]),
  new Set(["a", "c"]),
  new Set(["a", "b", "c"])
]

const observe = (staging: Staging, results: ReadonlyArray<unknown>) => ({
  results,
  views: VIEWS.map((steps) => ({
    all: [...staging.entitiesOf(steps, "host")].map((item) => item.key),
    byId: ["k1", "k2", "k3", "k4"].map((key) => staging.entityById(steps, record(key, 0).id)?.key),
    has: ["k1", "k2", "k3", "k4"].map((key) => staging.hasEntity(steps, record(key, 0).id))
  }))
})

const play = (staging: Staging, ops: ReadonlyArray<Op>) => {
  const results: Array<unknown> = []
  for (const op of ops) {
    if (op._tag === "put") results.push(staging.putEntity(op.step, record(op.key, op.content)))
    else if (op._tag === "discard") staging.discardStep(op.step)
    // Reads between writes see every row staged before them (some may still wait to be written).
    else results.push(observe(staging, []))
  }
  return observe(staging, results)
}

/** What the commit will see: each staged row with its owning step, in id order. */
const sealedOwners = (staging: CoreStaging) => {
  staging.seal()
  return [...staging.spill.entitiesOfType(undefined)]
    .map(({ record, step }) => ({ id: record.id, key: record.key, step }))
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map(({ key, step }) => ({ key, step }))
}

const modelOwners = (model: ModelStaging) =>
  model
    .owned()
    .map(({ record, step }) => ({ id: record.id, key: record.key, step }))
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map(({ key, step }) => ({ key, step }))

const SPILLS = {
  memory: () => new MemorySpill(),
  disk: () => new SqliteSpill(2),
  log: () => new LogSpill()
} as const

const equivalent = (wrap: (staging: Staging) => Staging, spill: keyof typeof SPILLS = "disk") =>
  fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
    const staging = new CoreStaging(SPILLS[spill]())
    try {
      const model = new ModelStaging()
      expect(play(wrap(staging), ops)).toEqual(play(model, ops))
      expect(sealedOwners(staging)).toEqual(modelOwners(model))
    } finally {
      staging.close()
    }
  })

describe("CoreStaging", () => {
  for (const spill of ["disk", "log", "memory"] as const) {
    test(`behaves like the model (results, owners, visibility, emission order), ${spill} spill`, () => {
      fc.assert(
        equivalent((staging) => staging, spill),
        { numRuns: 300 }
      )
    })
  }

  test.each(["disk", "log"] as const)(
    "many ids (past the index's growth): same results and owners as the model, %s spill",
    (spill) => {
      const disk = new CoreStaging(SPILLS[spill]())
      try {
        const memory = new ModelStaging()
        const ops: Array<Op> = []
        for (let index = 0; index < 6000; index++) {
          ops.push({ _tag: "put", step: "abc"[index % 3] as string, key: `k${(index * 7919) % 4500}`, content: 0 })
          if (index === 3000) ops.push({ _tag: "discard", step: "b" })
        }
        const results = (staging: Staging) => {
          const out = ops.map((op) =>
            op._tag === "put"
              ? staging.putEntity(op.step, record(op.key, op.content))._tag
              : op._tag === "discard"
                ? staging.discardStep(op.step)
                : undefined
          )
          const steps = new Set(["a", "c"])
          return { out, visible: [...staging.entitiesOf(steps, "host")].map((item) => item.key) }
        }
        expect(results(disk)).toEqual(results(memory))
        expect(sealedOwners(disk)).toEqual(modelOwners(memory))
      } finally {
        disk.close()
      }
    }
  )

  test("the equivalence catches a staging that forgets to discard", () => {
    const forgetful = (staging: Staging): Staging => ({
      putEntity: (step, item) => staging.putEntity(step, item),
      putRelationship: (step, item) => staging.putRelationship(step, item),
      discardStep: () => {},
      entitiesOf: (steps, type) => staging.entitiesOf(steps, type),
      entityById: (steps, id) => staging.entityById(steps, id),
      hasEntity: (steps, id) => staging.hasEntity(steps, id),
      relationshipsOf: (steps, verb) => staging.relationshipsOf(steps, verb)
    })
    expect(() => fc.assert(equivalent(forgetful), { numRuns: 200 })).toThrow()
  })
})
