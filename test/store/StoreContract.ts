import { describe, expect } from "bun:test"
import { Deferred, Effect, Fiber, type Layer, Stream } from "effect"
import { ConnectorFailed, Connector as Connectors, entity, relationship, step } from "../../src/index.ts"
import { type OpenError, type ScopeRef, Store, type StoreDump, type StoreTesting, sync } from "../../src/runtime.ts"
import { liveTest } from "../support/effectTest.ts"
import { connectorOf, rowsOf, type Source } from "../sync/support/Source.ts"

/** Builds a fresh, empty store of the driver under test (scoped: deleted afterwards). */
export type StoreFactory = (options?: { readonly testing?: StoreTesting }) => Layer.Layer<Store, OpenError>

const source: Source = [
  {
    entities: [
      { type: "host", key: "a", name: "x", value: 1 },
      { type: "host", key: "b", name: "x", value: 1 },
      { type: "user", key: "c", name: "y", value: 2 }
    ],
    relationships: [{ from: 2, verb: "USES", to: 0 }],
    chained: false
  },
  { entities: [{ type: "host", key: "d", name: "x", value: 0 }], relationships: [], chained: true }
]

const dump = Effect.flatMap(Store, (store) => store.dump())

/** `stats()` counts exactly what the graph reads return, per scope and per type. */
const statsAgreeWithReads = Effect.gen(function* () {
  const store = yield* Store
  const stats = yield* store.stats()
  const entities = yield* store.entities()
  const relationships = yield* store.relationships()
  const perScope = new Map<string, { entities: number; relationships: number }>()
  const perType = new Map<string, number>()
  const count = (kind: "entity" | "relationship", type: string, sources: ReadonlyArray<ScopeRef>) => {
    for (const source of sources) {
      const scope = `${source.connector}/${source.account}`
      const counts = perScope.get(scope) ?? { entities: 0, relationships: 0 }
      counts[kind === "entity" ? "entities" : "relationships"]++
      perScope.set(scope, counts)
      perType.set(`${scope} ${kind} ${type}`, (perType.get(`${scope} ${kind} ${type}`) ?? 0) + 1)
    }
  }
  for (const item of entities) count("entity", item.type, item.sources)
  for (const item of relationships) count("relationship", item.verb, item.sources)
  for (const scope of stats.scopes) {
    const counted = perScope.get(`${scope.connector}/${scope.account}`) ?? { entities: 0, relationships: 0 }
    expect([scope.connector, scope.account, scope.entities, scope.relationships]).toEqual([
      scope.connector,
      scope.account,
      counted.entities,
      counted.relationships
    ])
  }
  expect(new Map(stats.types.map((t) => [`${t.connector}/${t.account} ${t.kind} ${t.type}`, t.count]))).toEqual(perType)
})

const hosts = (
  keys: ReadonlyArray<string>,
  extra?: { readonly rel?: readonly [string, string]; readonly to?: string }
) =>
  Connectors.make({
    name: "hosts",
    steps: [
      step("hosts", "hosts").run((ctx) =>
        Effect.gen(function* () {
          for (const key of keys) yield* ctx.emitEntity(entity("host", key).class("Host"))
          if (extra?.rel) {
            const rel = relationship("host", extra.rel[0], "CONNECTS", "host", extra.rel[1])
            yield* ctx.emitRelationship(extra.to === undefined ? rel : rel.toAccount(extra.to))
          }
        })
      )
    ]
  })

/** Hosts with a version, linked `from -CONNECTS-> to` with a weight, in two steps (for the C01 fault tests). */
const graph = (hostsOf: Record<string, number>, links: ReadonlyArray<readonly [string, string, number]>) =>
  Connectors.make({
    name: "graph",
    steps: [
      step("hosts", "hosts").run((ctx) =>
        Effect.forEach(
          Object.entries(hostsOf),
          ([key, version]) => ctx.emitEntity(entity("host", key).class("Host").property("version", version)),
          { discard: true }
        )
      ),
      step("links", "links").run((ctx) =>
        Effect.forEach(
          links,
          ([from, to, weight]) =>
            ctx.emitRelationship(relationship("host", from, "CONNECTS", "host", to).property("weight", weight)),
          { discard: true }
        )
      )
    ]
  })

const before = graph({ a: 1, b: 1, c: 1 }, [
  ["a", "b", 1],
  ["b", "c", 1]
])
/** Deletes, updates and inserts one entity and one relationship; keeps one entity unchanged. */
const changed = graph({ a: 2, b: 1, d: 1 }, [
  ["a", "b", 2],
  ["a", "d", 1]
])

/** Rows without the fields that depend on time or on how many generations were used. */
const contentRows = (dump: StoreDump) => dump.rows.map(({ firstSeenAt: _, generation: __, ...row }) => row)

/**
 * The contract every `Store` adapter passes: what a sync writes, reads back, rejects and leaves alone.
 * Run it from the adapter's test file with a factory of fresh stores.
 */
export const storeContract = (adapter: string, makeStore: StoreFactory): void => {
  const inStore = <A, E>(body: Effect.Effect<A, E, Store>, options?: { readonly testing?: StoreTesting }) =>
    body.pipe(Effect.provide(makeStore(options)))

  describe(`Store contract: ${adapter}`, () => {
    liveTest("an empty store reads empty", () =>
      inStore(
        Effect.gen(function* () {
          const store = yield* Store
          expect(yield* store.stats()).toEqual({ scopes: [], types: [] })
          expect(yield* store.history()).toEqual([])
          expect(yield* store.dump()).toEqual({ scopes: [], rows: [], runs: [] })
          expect(yield* Stream.runCollect(store.exportGraph()).pipe(Effect.map((chunk) => chunk.length))).toBe(0)
        })
      )
    )

    liveTest("a first sync creates rows, counts them by scope and type, and records the run", () =>
      inStore(
        Effect.gen(function* () {
          const result = yield* sync(connectorOf(source), { account: "acme" })
          expect(result.status).toBe("succeeded")
          expect(result.generation).toBe(1)
          expect(result.stats.entitiesCreated).toBe(4)
          expect(result.stats.relationshipsCreated).toBe(1)
          const store = yield* Store
          const stats = yield* store.stats()
          expect(stats.scopes).toMatchObject([
            {
              connector: "generated",
              account: "acme",
              generation: 1,
              entities: 4,
              relationships: 1,
              lastStatus: "succeeded"
            }
          ])
          expect(stats.types.map((t) => [t.kind, t.type, t.count])).toEqual([
            ["entity", "host", 3],
            ["entity", "user", 1],
            ["relationship", "USES", 1]
          ])
          const [run] = yield* store.history()
          expect(run).toMatchObject({ connector: "generated", account: "acme", generation: 1, status: "succeeded" })
          expect(run?.steps.map((s) => [s.id, s.status, s.entities])).toEqual([
            ["s0", "succeeded", 3],
            ["s1", "succeeded", 1]
          ])
          const hostRows = yield* store.entities({ type: "host", limit: 2 })
          expect(hostRows).toHaveLength(2)
          expect(hostRows[0]?.sources).toEqual([{ connector: "generated", account: "acme", step: "s0", generation: 1 }])
          yield* statsAgreeWithReads
          const items = yield* Stream.runCollect(store.exportGraph())
          expect([...items].map((item) => item._tag)).toEqual(["Entity", "Entity", "Entity", "Entity", "Relationship"])
        })
      )
    )

    liveTest("the same data again writes no row; generations strictly increase", () =>
      inStore(
        Effect.gen(function* () {
          yield* sync(connectorOf(source))
          const before = yield* dump
          const again = yield* sync(connectorOf(source))
          expect(again.generation).toBe(2)
          expect(again.stats).toMatchObject({
            entitiesCreated: 0,
            entitiesUpdated: 0,
            entitiesDeleted: 0,
            entitiesUnchanged: 4
          })
          const after = yield* dump
          expect(after.rows).toEqual(before.rows)
          expect(after.runs.map((run) => run.generation)).toEqual([1, 2])
        })
      )
    )

    liveTest("a dry run computes the change set and writes nothing", () =>
      inStore(
        Effect.gen(function* () {
          yield* sync(connectorOf(source))
          const before = yield* dump
          const dry = yield* sync(connectorOf(source.slice(0, 1)), { dryRun: true, force: true })
          expect(dry.dryRun).toBe(true)
          expect(dry.stats.entitiesDeleted).toBe(1)
          expect(yield* dump).toEqual(before)
        })
      )
    )

    liveTest("a dry run takes no lock, writes nothing, and previews what the real sync then does", () =>
      inStore(
        Effect.gen(function* () {
          yield* sync(before)
          const snapshot = yield* dump
          // Another sync of the scope holds its lock all along: a dry run neither waits for it nor fails.
          const started = yield* Deferred.make<void>()
          const holding = Connectors.make({
            name: "graph",
            steps: [step("hold", "hold").run(() => Effect.zipRight(Deferred.succeed(started, undefined), Effect.never))]
          })
          const holder = yield* Effect.fork(sync(holding))
          yield* Deferred.await(started)
          const dry = yield* sync(changed, { dryRun: true, lockTimeoutMs: 100 })
          yield* Fiber.interrupt(holder)
          expect(yield* dump).toEqual(snapshot)
          const real = yield* sync(changed)
          expect(dry.stats).toEqual(real.stats)
          expect(dry.generation).toBe(real.generation)
          expect(real.preview).toBeUndefined()
          const host = (key: string) => ({ type: "host", key })
          const link = (from: string, to: string) => ({ verb: "CONNECTS", from: host(from), to: host(to) })
          expect(dry.preview).toEqual({
            entities: {
              created: { total: 1, items: [host("d")] },
              updated: { total: 1, items: [host("a")] },
              deleted: { total: 1, items: [host("c")] }
            },
            relationships: {
              created: { total: 1, items: [link("a", "d")] },
              updated: { total: 1, items: [link("a", "b")] },
              deleted: { total: 1, items: [link("b", "c")] }
            }
          })
        })
      )
    )

    liveTest("graph reads merge one entity asserted by two scopes, with both sources", () =>
      inStore(
        Effect.gen(function* () {
          yield* sync(hosts(["web"]), { account: "x" })
          yield* sync({ ...hosts(["web"]), name: "other" }, { account: "x" })
          const store = yield* Store
          const merged = yield* store.entities()
          expect(merged).toHaveLength(1)
          expect(merged[0]?.sources.map((s) => s.connector)).toEqual(["hosts", "other"])
          yield* sync(hosts(["web", "zzz"]), { account: "x" })
          const limited = yield* store.entities({ limit: 1 })
          const all = yield* store.entities()
          expect(all.map((item) => [item.key, item.sources.length]).sort()).toEqual([
            ["web", 2],
            ["zzz", 1]
          ])
          expect(limited).toEqual(all.slice(0, 1))
          expect((yield* store.stats()).scopes).toHaveLength(2)
        })
      )
    )

    liveTest("C04: a relationship to an unknown entity fails its step, named; the rest commits", () =>
      inStore(
        Effect.gen(function* () {
          const two = (links: ReadonlyArray<string>) =>
            Connectors.make({
              name: "linked",
              steps: [
                step("hosts", "hosts").run((ctx) =>
                  Effect.forEach(["a", "b"], (key) => ctx.emitEntity(entity("host", key).class("Host")), {
                    discard: true
                  })
                ),
                step("links", "links")
                  .dependsOn("hosts")
                  .run((ctx) =>
                    Effect.forEach(
                      links,
                      (to) => ctx.emitRelationship(relationship("host", "a", "CONNECTS", "host", to)),
                      { discard: true }
                    )
                  ),
                step("users", "independent").run((ctx) => ctx.emitEntity(entity("user", "u").class("User")))
              ]
            })
          yield* sync(two(["b"]))
          const before = rowsOf(yield* dump).filter((row) => row.kind === "relationship")
          const result = yield* sync(two(["b", "ghost"]))
          expect(result.status).toBe("partial")
          const links = result.steps.find((outcome) => outcome.id === "links")
          expect(links?.status).toBe("failed")
          expect(links?.error?._tag).toBe("MissingEndpoints")
          expect(links?.error?.message).toContain("host/a -CONNECTS-> host/ghost")
          expect(result.steps.filter((outcome) => outcome.status === "succeeded").map((o) => o.id)).toEqual([
            "hosts",
            "users"
          ])
          // The failed step's rows are kept as they were; the others committed.
          expect(rowsOf(yield* dump).filter((row) => row.kind === "relationship")).toEqual(before)
          const store = yield* Store
          const [run] = yield* store.history({ limit: 1 })
          expect(run?.status).toBe("partial")
          expect(run?.steps.find((step) => step.id === "links")?.error).toContain("host/ghost")
          expect((yield* store.entities({ type: "user" })).map((item) => item.key)).toEqual(["u"])
        })
      )
    )

    liveTest("C04: an edge into another account waits for its target and shows once it exists", () =>
      inStore(
        Effect.gen(function* () {
          const store = yield* Store
          const early = yield* sync(hosts(["a"], { rel: ["a", "peer"], to: "b" }), { account: "a" })
          expect(early.status).toBe("succeeded")
          expect(early.stats.relationshipsCreated).toBe(1)
          expect(yield* store.relationships()).toEqual([])
          yield* statsAgreeWithReads
          yield* sync(hosts(["peer"]), { account: "b" })
          expect((yield* store.relationships()).map((edge) => [edge.fromKey, edge.toKey, edge.toAccount])).toEqual([
            ["a", "peer", "b"]
          ])
          yield* statsAgreeWithReads
          // Without `.toAccount`, the target must be in the sync's own account.
          const own = yield* sync(hosts(["a"], { rel: ["a", "peer"] }), { account: "c" })
          expect(own.status).toBe("failed")
          expect(own.steps[0]?.error?._tag).toBe("MissingEndpoints")
        })
      )
    )

    liveTest("an edge whose endpoint is gone is never returned", () =>
      inStore(
        Effect.gen(function* () {
          const two = (keys: ReadonlyArray<string>, fail: boolean) =>
            Connectors.make({
              name: "edges",
              steps: [
                step("hosts", "hosts").run((ctx) =>
                  Effect.forEach(keys, (key) => ctx.emitEntity(entity("host", key).class("Host")), { discard: true })
                ),
                step("links", "links").run((ctx) =>
                  fail
                    ? Effect.fail(new ConnectorFailed({ reason: "down" }))
                    : ctx.emitRelationship(relationship("host", "a", "CONNECTS", "host", "b")).pipe(Effect.asVoid)
                )
              ]
            })
          yield* sync(two(["a", "b"], false))
          const partial = yield* sync(two(["a"], true))
          expect(partial.status).toBe("partial")
          const store = yield* Store
          expect((yield* dump).rows.filter((row) => row.kind === "relationship")).toHaveLength(1)
          expect(yield* store.relationships()).toEqual([])
          const stats = yield* store.stats()
          expect(stats.scopes[0]?.relationships).toBe(0)
          expect(stats.types.filter((t) => t.kind === "relationship")).toEqual([])
          yield* statsAgreeWithReads
          yield* sync(two(["a", "b"], false))
          expect((yield* store.stats()).scopes[0]?.relationships).toBe(1)
          yield* statsAgreeWithReads
        })
      )
    )

    liveTest("the mass-deletion guard refuses, unless overridden or forced", () =>
      inStore(
        Effect.gen(function* () {
          const many = Array.from({ length: 30 }, (_, i) => `h${i}`)
          yield* sync(hosts(many))
          const error = yield* Effect.flip(sync(hosts(many.slice(0, 5))))
          expect(error._tag).toBe("MassDeletion")
          expect(error.message).toContain("25 of 30")
          expect((yield* dump).rows).toHaveLength(30)
          const shared = yield* sync(hosts(many.slice(0, 10)), { massDeletion: { maxShare: 0.7 } })
          expect(shared.stats.entitiesDeleted).toBe(20)
          const forced = yield* sync(hosts([]), { force: true })
          expect(forced.stats.entitiesDeleted).toBe(10)
        })
      )
    )

    liveTest("a failed discovery fails the sync with its error and records a failed run", () =>
      inStore(
        Effect.gen(function* () {
          const broken = {
            ...hosts(["a"]),
            discover: () => Effect.fail(new ConnectorFailed({ reason: "no route to host" }))
          }
          const error = yield* Effect.flip(sync(broken))
          expect(error._tag).toBe("ConnectorFailed")
          const store = yield* Store
          const [run] = yield* store.history()
          expect(run).toMatchObject({ status: "failed", error: "no route to host" })
          expect((yield* dump).rows).toEqual([])
        })
      )
    )

    liveTest("when every step fails nothing changes and the run is failed", () =>
      inStore(
        Effect.gen(function* () {
          yield* sync(connectorOf(source))
          const before = yield* dump
          const result = yield* sync(connectorOf(source, { failing: ["fail", "fail", "timeout"] }))
          expect(result.status).toBe("failed")
          expect(rowsOf(yield* dump)).toEqual(rowsOf(before))
        })
      )
    )

    liveTest("two syncs of one scope are serialised; the second gives up after its timeout", () =>
      inStore(
        Effect.gen(function* () {
          const gate = yield* Deferred.make<void>()
          const started = yield* Deferred.make<void>()
          const slow = Connectors.make({
            name: "slow",
            steps: [
              step("wait", "wait").run(() =>
                Effect.zipRight(Deferred.succeed(started, undefined), Deferred.await(gate))
              )
            ]
          })
          const first = yield* Effect.fork(sync(slow))
          yield* Deferred.await(started)
          const error = yield* Effect.flip(sync(slow, { lockTimeoutMs: 200 }))
          expect(error._tag).toBe("ScopeLocked")
          expect(error.message).toContain("slow/default")
          const other = yield* sync(slow, { account: "other", lockTimeoutMs: 200 }).pipe(
            Effect.fork,
            Effect.tap(() => Deferred.succeed(gate, undefined)),
            Effect.flatMap(Fiber.join)
          )
          expect(other.status).toBe("succeeded")
          expect((yield* Fiber.join(first)).status).toBe("succeeded")
          expect((yield* sync(slow, { lockTimeoutMs: 200 })).generation).toBe(2)
        })
      )
    )

    describe("C01: a fault at any write leaves the store exactly as before", () => {
      /**
       * The fault plan: `count` records how many writes happen; `once` throws at write `at` only (a
       * transient fault: the failed run is then recorded); `persist` throws at write `at` and at every
       * write after it (a dead disk: not even the failed run can be recorded).
       */
      const plan = { mode: "off" as "off" | "count" | "once" | "persist", at: 0, fired: false, writes: 0 }
      const arm = (mode: typeof plan.mode, at = 0) => Object.assign(plan, { mode, at, fired: false, writes: 0 })
      const faults: StoreTesting = {
        beforeWrite: (index) => {
          if (plan.mode === "count") plan.writes = Math.max(plan.writes, index + 1)
          const hit =
            (plan.mode === "once" && !plan.fired && index === plan.at) ||
            (plan.mode === "persist" && (plan.fired || index === plan.at))
          if (hit) {
            plan.fired = true
            throw new Error(`injected fault at write ${index}`)
          }
        }
      }
      const withFaults = <A, E>(body: Effect.Effect<A, E, Store>) => inStore(body, { testing: faults })

      liveTest(
        "a commit that deletes, updates and inserts entities and relationships: fault at each of its writes",
        () =>
          Effect.gen(function* () {
            // A clean run first: how many writes the changed sync's commit makes, and the state it reaches.
            const clean = yield* withFaults(
              Effect.gen(function* () {
                yield* sync(before)
                arm("count")
                const result = yield* sync(changed, { force: true })
                const writes = plan.writes
                arm("off")
                return { result, writes, rows: contentRows(yield* dump) }
              })
            )
            const { stats } = clean.result
            expect([stats.entitiesCreated, stats.entitiesUpdated, stats.entitiesDeleted]).toEqual([1, 1, 1])
            expect([stats.relationshipsCreated, stats.relationshipsUpdated, stats.relationshipsDeleted]).toEqual([
              1, 1, 1
            ])
            // At least the generation, then delete/update/insert of entities and of relationships, the run and
            // its 2 steps (an adapter may write more: SQLite also writes its per-step checksums).
            expect(clean.writes).toBeGreaterThanOrEqual(1 + 3 + 3 + 1 + 2)

            const observed = []
            const expected = []
            for (let at = 0; at < clean.writes; at++) {
              for (const mode of ["once", "persist"] as const) {
                observed.push(
                  yield* withFaults(
                    Effect.gen(function* () {
                      yield* sync(before)
                      const old = yield* dump
                      arm(mode, at)
                      const outcome = yield* Effect.either(sync(changed, { force: true }))
                      const fired = plan.fired
                      arm("off")
                      const now = yield* dump
                      const added = now.runs.slice(old.runs.length)
                      const recovered = yield* sync(changed, { force: true })
                      return {
                        at,
                        mode,
                        fired,
                        failedWith: outcome._tag === "Left" ? outcome.left._tag : `committed (${outcome.right.status})`,
                        injected:
                          outcome._tag === "Left" && outcome.left.message.includes(`injected fault at write ${at}`),
                        rowsUnchanged: JSON.stringify(rowsOf(now)) === JSON.stringify(rowsOf(old)),
                        earlierRunsUnchanged:
                          JSON.stringify(now.runs.slice(0, old.runs.length)) === JSON.stringify(old.runs),
                        runsAdded: added.map(
                          (run) => `${run.status}: ${run.error?.includes("injected fault") ?? false}`
                        ),
                        dumpUnchanged: JSON.stringify(now) === JSON.stringify(old),
                        recovered: JSON.stringify(contentRows(yield* dump)) === JSON.stringify(clean.rows),
                        generationAfter: recovered.generation
                      }
                    })
                  )
                )
                expected.push({
                  at,
                  mode,
                  fired: true,
                  failedWith: "StoreError",
                  injected: true,
                  rowsUnchanged: true,
                  earlierRunsUnchanged: true,
                  runsAdded: mode === "once" ? ["failed: true"] : [],
                  dumpUnchanged: mode === "persist",
                  recovered: true,
                  generationAfter: mode === "once" ? 3 : 2
                })
              }
            }
            expect(observed).toEqual(expected)
          }),
        60_000
      )

      liveTest("recording a failed run: a fault at each of its writes leaves no half-written record", () =>
        Effect.gen(function* () {
          // A failed discovery records a failed run (its steps none).
          const dangling = {
            ...hosts(["a"]),
            name: "faulty",
            discover: () => Effect.fail(new ConnectorFailed({ reason: "no route to host" }))
          }
          const clean = yield* withFaults(
            Effect.gen(function* () {
              arm("count")
              const error = yield* Effect.flip(sync(dangling))
              const writes = plan.writes
              arm("off")
              return { error: error._tag, writes, runs: (yield* dump).runs.map((run) => run.status) }
            })
          )
          // The generation and the run.
          expect(clean).toEqual({ error: "ConnectorFailed", writes: 2, runs: ["failed"] })
          const observed = []
          for (let at = 0; at < clean.writes; at++) {
            observed.push(
              yield* withFaults(
                Effect.gen(function* () {
                  yield* sync(hosts(["a"]), { account: "other" })
                  const old = yield* dump
                  arm("once", at)
                  const error = yield* Effect.flip(sync({ ...dangling, name: "hosts" }))
                  const fired = plan.fired
                  arm("off")
                  return {
                    at,
                    fired,
                    error: error._tag,
                    unchanged: JSON.stringify(yield* dump) === JSON.stringify(old)
                  }
                })
              )
            )
          }
          expect(observed).toEqual(
            Array.from({ length: clean.writes }, (_, at) => ({
              at,
              fired: true,
              error: "ConnectorFailed",
              unchanged: true
            }))
          )
        })
      )
    })
  })
}
