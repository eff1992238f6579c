import { describe, expect } from "bun:test"
import { Deferred, Effect, Fiber, Schema } from "effect"
import { Connector, ConnectorFailed, entity, runConnector, step } from "../../src/index.ts"
import type { SyncEvent } from "../../src/model/Events.ts"
import { WARNING_KINDS } from "../../src/sync/Run.ts"
import { Store } from "../../src/sync/Store.ts"
import { commitSync, sync } from "../../src/sync/Sync.ts"
import { liveTest } from "../support/effectTest.ts"
import { tempStore } from "./support/Source.ts"

const inventory = (keys: ReadonlyArray<string>, failUsers = false) =>
  Connector.make({
    name: "inventory",
    steps: [
      step("hosts", "hosts").run((ctx) =>
        Effect.forEach(keys, (key) => ctx.emitEntity(entity("host", key).class("Host")), { discard: true })
      ),
      step("users", "users").run((ctx) =>
        failUsers
          ? Effect.fail(new ConnectorFailed({ reason: "users API down" }))
          : Effect.forEach(keys, (key) => ctx.emitEntity(entity("user", key).class("User")), { discard: true })
      )
    ]
  })

const rowsOf = (account: string) =>
  Effect.flatMap(Store, (store) => store.dump()).pipe(
    Effect.map((dump) => dump.rows.filter((row) => row.account === account))
  )

describe("sync", () => {
  liveTest("two accounts of one connector never delete each other's data", () =>
    Effect.gen(function* () {
      yield* sync(inventory(["a", "b", "c"]), { account: "one" })
      const one = yield* rowsOf("one")
      const two = yield* sync(inventory(["x"]), { account: "two" })
      expect(two.stats.entitiesDeleted).toBe(0)
      yield* sync(inventory([]), { account: "two", force: true })
      expect(yield* rowsOf("one")).toEqual(one)
      expect(yield* rowsOf("two")).toEqual([])
    }).pipe(Effect.provide(tempStore()))
  )

  liveTest("a failed step never deletes what it owned", () =>
    Effect.gen(function* () {
      yield* sync(inventory(["a", "b", "c"]))
      const users = (yield* rowsOf("default")).filter((row) => row.step === "users")
      const result = yield* sync(inventory(["a"], true), { force: true })
      expect(result.status).toBe("partial")
      expect(result.stats.entitiesDeleted).toBe(2)
      const after = yield* rowsOf("default")
      expect(after.filter((row) => row.step === "users")).toEqual(users)
      expect(after.filter((row) => row.step === "hosts").map((row) => row.content.key)).toEqual(["a"])
      const [run] = yield* Effect.flatMap(Store, (store) => store.history({ limit: 1 }))
      expect(run?.steps.find((s) => s.id === "users")).toMatchObject({ status: "failed", error: "users API down" })
    }).pipe(Effect.provide(tempStore()))
  )

  liveTest("a connector that cannot be configured or loaded fails before the store is touched", () =>
    Effect.gen(function* () {
      const started = yield* Deferred.make<void>()
      const gate = yield* Deferred.make<void>()
      const holder = Connector.make({
        name: "inventory",
        steps: [
          step("hosts", "hosts").run(() => Effect.zipRight(Deferred.succeed(started, undefined), Deferred.await(gate)))
        ]
      })
      const first = yield* Effect.fork(sync(holder))
      yield* Deferred.await(started)
      const configured = Connector.make({
        name: "inventory",
        config: Schema.Struct({ region: Schema.String }),
        steps: [step("hosts", "hosts").run(() => Effect.void)]
      })
      const cyclic = Connector.make({
        name: "inventory",
        steps: [
          step("a", "a")
            .dependsOn("b")
            .run(() => Effect.void),
          step("b", "b")
            .dependsOn("a")
            .run(() => Effect.void)
        ]
      })
      const start = Date.now()
      // The scope is locked: a sync that touched the store would wait 5 s and fail with ScopeLocked.
      const badConfig = yield* Effect.flip(sync(configured, { config: { region: 7 }, lockTimeoutMs: 5_000 }))
      const badGraph = yield* Effect.flip(sync(cyclic, { lockTimeoutMs: 5_000 }))
      expect([badConfig._tag, badGraph._tag]).toEqual(["ConfigInvalid", "DependencyCycle"])
      expect(Date.now() - start).toBeLessThan(2_000)
      yield* Deferred.succeed(gate, undefined)
      expect((yield* Fiber.join(first)).generation).toBe(1)
      const runs = yield* Effect.flatMap(Store, (store) => store.history())
      expect(runs.map((run) => [run.generation, run.status])).toEqual([[1, "succeeded"]])
    }).pipe(Effect.provide(tempStore()))
  )

  liveTest("commitSync commits the output of runConnector", () =>
    Effect.gen(function* () {
      const output = yield* runConnector(inventory(["a", "b"]), { account: "acme" })
      const result = yield* commitSync(output)
      expect(result).toMatchObject({ account: "acme", generation: 1, status: "succeeded", dryRun: false })
      expect(result.stats.entitiesCreated).toBe(4)
      const again = yield* commitSync(output)
      expect(again.stats.entitiesUnchanged).toBe(4)
    }).pipe(Effect.provide(tempStore()))
  )

  liveTest("SyncCommitted carries the stats; prior reads what dependencies staged on disk", () =>
    Effect.gen(function* () {
      const events: Array<SyncEvent> = []
      const derived = Connector.make({
        name: "derived",
        steps: [
          step("hosts", "hosts").run((ctx) =>
            Effect.forEach(["a", "b"], (key) => ctx.emitEntity(entity("host", key).class("Host").property("n", key)), {
              discard: true
            })
          ),
          step("services", "services")
            .dependsOn("hosts")
            .run((ctx) =>
              Effect.gen(function* () {
                for (const host of ctx.prior.entities("host")) {
                  yield* ctx.emitEntity(
                    entity("service", host.key)
                      .class("Service")
                      .property("host", host.properties.n ?? null)
                  )
                }
                expect(ctx.prior.hasEntity("host", "a")).toBe(true)
                expect(ctx.prior.entity("host", "zz")).toBeUndefined()
              })
            )
        ]
      })
      const result = yield* sync(derived, { onEvent: (event) => events.push(event) })
      expect(result.stats.entitiesCreated).toBe(4)
      expect(events.at(-1)).toMatchObject({ _tag: "SyncCommitted", generation: 1, status: "succeeded" })
    }).pipe(Effect.provide(tempStore()))
  )

  liveTest("identical duplicates are kept once; different content fails the emitting step", () =>
    Effect.gen(function* () {
      const dup = (klass: string) =>
        Connector.make({
          name: "dup",
          steps: [
            step("a", "a").run((ctx) => ctx.emitEntity(entity("host", "h").class("Host")).pipe(Effect.asVoid)),
            step("b", "b")
              .dependsOn("a")
              .run((ctx) => ctx.emitEntity(entity("host", "h").class(klass)).pipe(Effect.asVoid))
          ]
        })
      const same = yield* sync(dup("Host"))
      expect(same.status).toBe("succeeded")
      expect(same.stats.entitiesCreated).toBe(1)
      expect(same.steps.map((s) => [s.id, s.entities, s.duplicates])).toEqual([
        ["a", 1, 0],
        ["b", 0, 1]
      ])
      const [run] = yield* Effect.flatMap(Store, (store) => store.history({ limit: 1 }))
      expect(run?.steps.map((s) => [s.id, s.entities, s.duplicates])).toEqual([
        ["a", 1, 0],
        ["b", 0, 1]
      ])
      const clash = yield* sync(dup("User"))
      expect(clash.status).toBe("partial")
      expect(clash.steps[1]?.error?._tag).toBe("DuplicateKey")
    }).pipe(Effect.provide(tempStore()))
  )

  liveTest("unknown classes are warnings, and errors in strict mode", () =>
    Effect.gen(function* () {
      const odd = Connector.make({
        name: "odd",
        steps: [
          step("things", "things").run((ctx) =>
            ctx.emitEntity(entity("thing", "t").class("Gizmo")).pipe(Effect.asVoid)
          ),
          step("hosts", "hosts").run((ctx) => ctx.emitEntity(entity("host", "h").class("Host")).pipe(Effect.asVoid))
        ]
      })
      const lenient = yield* sync(odd)
      expect(lenient.status).toBe("succeeded")
      expect(lenient.warnings).toEqual([
        {
          step: "things",
          message: 'unknown class "Gizmo"',
          subject: "entity thing/t",
          count: 1,
          samples: ["entity thing/t"]
        }
      ])
      const strict = yield* sync(odd, { strict: true })
      expect(strict.status).toBe("partial")
      expect(strict.steps[0]?.error?._tag).toBe("ValidationFailed")
      expect(strict.stats.entitiesDeleted).toBe(0)
    }).pipe(Effect.provide(tempStore()))
  )

  liveTest(
    "warnings stay bounded: 100k unknown-class emits are counted, not listed",
    () =>
      Effect.gen(function* () {
        const n = 100_000
        const noisy = Connector.make({
          name: "noisy",
          steps: [
            step("same", "one unknown class").run((ctx) =>
              Effect.forEach(
                Array.from({ length: n }, (_, i) => i),
                (i) => ctx.emitEntity(entity("thing", `t${i}`).class("Gizmo")),
                { discard: true }
              )
            ),
            step("many", "a new unknown class each time").run((ctx) =>
              Effect.forEach(
                Array.from({ length: 5_000 }, (_, i) => i),
                (i) => ctx.emitEntity(entity("widget", `w${i}`).class(`Kind${i}`)),
                { discard: true }
              )
            )
          ]
        })
        const result = yield* sync(noisy, { concurrency: 1 })
        expect(result.stats.entitiesCreated).toBe(n + 5_000)
        const same = result.warnings.filter((warning) => warning.step === "same")
        expect(same).toEqual([
          {
            step: "same",
            message: 'unknown class "Gizmo"',
            subject: "entity thing/t0",
            count: n,
            samples: ["entity thing/t0", "entity thing/t1", "entity thing/t2", "entity thing/t3", "entity thing/t4"]
          }
        ])
        const many = result.warnings.filter((warning) => warning.step === "many")
        expect(result.warnings.length).toBeLessThanOrEqual(WARNING_KINDS + 2)
        expect(many.reduce((sum, warning) => sum + warning.count, 0)).toBe(5_000)
        expect(many.at(-1)?.message).toContain("further kinds of warning")
        expect(many.at(-1)?.samples[0]).toBe(
          `entity widget/w${WARNING_KINDS - 1}: unknown class "Kind${WARNING_KINDS - 1}"`
        )
        expect(JSON.stringify(result.warnings).length).toBeLessThan(50_000)
      }).pipe(Effect.provide(tempStore())),
    60_000
  )
})
