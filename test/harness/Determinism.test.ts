import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import fc from "fast-check"
import { Connector, entity, relationship, step } from "parallax-connect"
import { type PropertyName, verifyConnector } from "parallax-connect/harness"
import { modelBackend } from "./support/ModelBackend.ts"

// Properties compare one run of a connector with another. When the connector itself gives a different
// result on every sync, the difference is its own: the report must say so instead of blaming the store
// ("the commit was not atomic", "a fault did not stop the commit") or the step scheduling.

let syncs = 0
/** Every sync emits a different number of hosts, each stamped with the sync's sequence number. */
const counting = Connector.make({
  name: "counting",
  steps: [
    step("hosts", "Collect hosts").run(() => Effect.void),
    step("more-hosts", "Collect more hosts").run((ctx) =>
      Effect.suspend(() => {
        const sync = syncs++
        return Effect.forEach(
          Array.from({ length: (sync % 3) + 1 }, (_, i) => i),
          (i) => ctx.emitEntity(entity("host", `host-${i}`).class("Host").property("sync", sync)),
          { discard: true }
        )
      })
    )
  ]
})

const blamed: ReadonlyArray<readonly [PropertyName, string]> = [
  ["atomicity", "did not reach the state of a sync that had no fault"],
  ["fault-isolation", "did not commit their data (C06)"],
  ["order", "another step interleaving stored a different result"],
  ["convergence", "differs from a fresh sync"]
]

describe("a connector that is not deterministic is reported as such by", () => {
  for (const [property, misleading] of blamed) {
    test(property, async () => {
      const report = await verifyConnector(counting, {
        sources: fc.nat(3),
        configFor: () => ({}),
        backend: modelBackend(),
        properties: [property],
        runs: 20,
        seed: 20261123
      })
      const message = report.properties[0]?.failure?.message ?? ""
      expect(report.properties[0]?.status).toBe("failed")
      expect(message).toContain("the connector is not deterministic")
      expect(message).not.toContain(misleading)
    }, 60_000)
  }

  // The two cases below use `load`: every trial gets a fresh instance, so its syncs are numbered from 0.

  test("atomicity, when the interrupted commit has fewer writes than the fault-free one (the fault never fires)", async () => {
    // Within a trial (a fresh instance), even-numbered syncs emit hosts a and b and an edge between them,
    // odd-numbered ones host a alone: into an empty store the reference's commit inserts entities and
    // relationships (six writes with the run record), the interrupted one entities only (five), so a
    // fault before its last write never fires.
    const alternating = () => {
      let calls = 0
      return Connector.make({
        name: "alternating",
        steps: [
          step("hosts", "Collect hosts").run((ctx) =>
            Effect.gen(function* () {
              const even = calls++ % 2 === 0
              yield* ctx.emitEntity(entity("host", "a").class("Host"))
              if (even) {
                yield* ctx.emitEntity(entity("host", "b").class("Host"))
                yield* ctx.emitRelationship(relationship("host", "a", "CONNECTS", "host", "b"))
              }
            })
          )
        ]
      })
    }
    const report = await verifyConnector(alternating(), {
      config: {},
      load: alternating,
      backend: modelBackend(),
      properties: ["atomicity"],
      runs: 20,
      seed: 20261123
    })
    const message = report.properties[0]?.failure?.message ?? ""
    expect(message).toMatch(
      /the connector is not deterministic: the same syncs gave a commit of 6 writes in one store and of 5 in another/
    )
    expect(message).not.toContain("did not stop the commit")
  }, 60_000)

  test("atomicity, when the connector's output changes once (the replay alone agrees with itself)", async () => {
    // Within a trial, the first sync that runs the step emits version 1, every later one version 2.
    const settling = () => {
      let calls = 0
      return Connector.make({
        name: "settling",
        steps: [
          step("hosts", "Collect hosts").run((ctx) =>
            ctx.emitEntity(
              entity("host", "a")
                .class("Host")
                .property("version", calls++ === 0 ? 1 : 2)
            )
          )
        ]
      })
    }
    const report = await verifyConnector(settling(), {
      config: {},
      load: settling,
      backend: modelBackend(),
      properties: ["atomicity"],
      runs: 20,
      seed: 20261123
    })
    const message = report.properties[0]?.failure?.message ?? ""
    expect(message).toContain("the connector is not deterministic")
    expect(message).not.toContain("did not reach the state of a sync that had no fault")
  }, 60_000)
})
