import { describe, expect, test } from "bun:test"
import { Effect, type Layer } from "effect"
import { Connector, entity, relationship, step } from "../../src/index.ts"
import type { SyncEvent } from "../../src/model/Events.ts"
import { MemoryStore, type Store, sync } from "../../src/runtime.ts"
import { tempStore } from "./support/Source.ts"

/** The commit core says where it is (CommitProgress), whatever the driver: phases in order, rows counted. */

const connector = (hosts: number) =>
  Connector.make({
    name: "phases",
    steps: [
      step("hosts", "Hosts").run((ctx) =>
        Effect.gen(function* () {
          for (let i = 0; i < hosts; i++) yield* ctx.emitEntity(entity("host", `h${i}`).class("Host"))
          yield* ctx.emitRelationship(relationship("host", "h0", "CONNECTS", "host", "h1"))
        })
      )
    ]
  })

const phasesOf = (layer: Layer.Layer<Store, unknown>, runs: ReadonlyArray<number>) =>
  Effect.gen(function* () {
    const seen: Array<Array<readonly [string, number, number]>> = []
    for (const hosts of runs) {
      const events: Array<readonly [string, number, number]> = []
      const onEvent = (event: SyncEvent) => {
        if (event._tag === "CommitProgress") events.push([event.phase, event.done, event.total])
      }
      yield* sync(connector(hosts), { account: "acme", onEvent, force: true })
      seen.push(events)
    }
    return seen
  }).pipe(Effect.provide(layer), Effect.scoped, Effect.runPromise)

const drivers: ReadonlyArray<readonly [string, () => Layer.Layer<Store, unknown>]> = [
  ["sqlite", () => tempStore({})],
  ["memory", () => MemoryStore.layerWith({})]
]

for (const [driver, layerOf] of drivers) {
  describe(`commit progress (${driver} driver)`, () => {
    test("staging, checking, diff, writing n of m rows, committing", async () => {
      const [first, same, fewer] = await phasesOf(layerOf(), [5, 5, 3])
      // 5 hosts and 1 edge, all inserted.
      expect(first).toEqual([
        ["staging", 0, 6],
        ["checking", 0, 6],
        ["diff", 0, 6],
        ["writing", 0, 6],
        ["writing", 5, 6],
        ["writing", 6, 6],
        ["committing", 6, 6]
      ])
      // Nothing changed: no row to write.
      expect(same?.slice(3)).toEqual([
        ["writing", 0, 0],
        ["committing", 0, 0]
      ])
      // Two hosts fewer: two rows deleted.
      expect(fewer?.slice(0, 3).map(([phase]) => phase)).toEqual(["staging", "checking", "diff"])
      expect(fewer?.at(-1)).toEqual(["committing", 2, 2])
    }, 60_000)
  })
}
