import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { type EntityRecord, type RelationshipRecord, runConnector } from "parallax-connect"
import { expectedStats } from "../../../bench/lib/expected.ts"
import { bench, generationsOf } from "../../../connectors/bench/index.ts"
import { CHANGES, HOST, host, SERVICE, USER } from "../../../connectors/bench/Workload.ts"
import { builtinConnectors } from "../../../connectors/index.ts"
import { Store } from "../../../src/sync/Store.ts"
import { sync } from "../../../src/sync/Sync.ts"
import { effectTest, liveTest } from "../../support/effectTest.ts"
import { tempStore } from "../../sync/support/Source.ts"

// The churn hash computed directly, in BigInt, exactly as WORKLOAD.md writes it.
const h = (i: number, g: number): number => Number((BigInt(i) * 2654435761n + BigInt(g) * 40503n) % 100n)

const byKey = <A extends { readonly key: string }>(records: ReadonlyArray<A>): Map<string, A> =>
  new Map(records.map((record) => [record.key, record]))

const ofType = (entities: ReadonlyArray<EntityRecord>, type: string) =>
  entities.filter((record) => record.type === type)

const edges = (relationships: ReadonlyArray<RelationshipRecord>, verb: string) =>
  new Set(relationships.filter((record) => record.verb === verb).map((r) => `${r.fromKey}>${r.toKey}`))

const run = (n: number | string, generation = 0) => runConnector(bench, { account: "acct", config: { n, generation } })

describe("bench connector, generation 0", () => {
  effectTest("emits 2.5n entities and n relationships, each step owning its own", () =>
    Effect.gen(function* () {
      const output = yield* run(200)
      expect(output.steps.map((step) => [step.id, step.status, step.entities, step.relationships])).toEqual([
        ["fetch-hosts", "succeeded", 200, 0],
        ["fetch-users", "succeeded", 200, 0],
        ["fetch-services", "succeeded", 100, 0],
        ["build-relationships", "succeeded", 0, 200]
      ])
      expect(output.entities.length).toBe(500)
      expect(output.relationships.length).toBe(200)
      expect(ofType(output.entities, "bench_host").length).toBe(200)
      expect(ofType(output.entities, "bench_user").length).toBe(200)
      expect(ofType(output.entities, "bench_service").length).toBe(100)
      expect(edges(output.relationships, "RUNS").size).toBe(100)
      expect(edges(output.relationships, "USES").size).toBe(100)
      expect(output.warnings).toEqual([])
    })
  )

  effectTest(
    "writes the exact keys, names and properties of sample indexes",
    () =>
      Effect.gen(function* () {
        const output = yield* run(66000)
        const entities = byKey(output.entities)
        const sample = entities.get("bench-host:65539")
        expect(sample).toMatchObject({
          type: "bench_host",
          class: "Host",
          displayName: "host-65539",
          step: "fetch-hosts"
        })
        expect(sample?.properties).toEqual({
          hostname: "host-65539.bench.local",
          ipAddress: "10.1.0.3",
          osName: "windows",
          cpuCount: 16,
          memoryMb: 1024 * 4,
          active: true
        })
        expect(entities.get("bench-host:0")?.properties).toEqual({
          hostname: "host-0.bench.local",
          ipAddress: "10.0.0.0",
          osName: "linux",
          cpuCount: 1,
          memoryMb: 1024,
          active: false
        })
        const user = entities.get("bench-user:65999")
        expect(user).toMatchObject({
          type: "bench_user",
          class: "User",
          displayName: "user-65999",
          step: "fetch-users"
        })
        expect(user?.properties).toEqual({
          username: "user65999",
          email: "user65999@bench.example",
          department: "finance",
          loginCount: (65999 * 7919) % 1000,
          mfaEnabled: true,
          active: true
        })
        expect(entities.get("bench-user:33")?.properties).toMatchObject({ mfaEnabled: false, active: false })
        const service = entities.get("bench-service:32001")
        expect(service).toMatchObject({
          type: "bench_service",
          class: "Service",
          displayName: "svc-32001",
          step: "fetch-services"
        })
        expect(service?.properties).toEqual({
          category: ["software"],
          function: ["other"],
          port: 1024 + 32001,
          protocol: "udp",
          hostname: "host-64002.bench.local",
          internal: true
        })
        expect(entities.get("bench-service:10")?.properties).toMatchObject({
          port: 1034,
          protocol: "tcp",
          internal: false
        })
        const runs = edges(output.relationships, "RUNS")
        const uses = edges(output.relationships, "USES")
        expect(runs.has("bench-host:64002>bench-service:32001")).toBe(true)
        expect(uses.has("bench-user:32001>bench-host:64003")).toBe(true)
        expect(uses.has("bench-user:33000>bench-host:66001")).toBe(false)
        const edge = output.relationships.find((r) => r.fromKey === "bench-user:7")
        expect(edge).toMatchObject({
          verb: "USES",
          fromType: "bench_user",
          toType: "bench_host",
          toKey: "bench-host:15"
        })
        expect(edge?.fromId).toBe(entities.get("bench-user:7")?.id as string)
        expect(edge?.toId).toBe(entities.get("bench-host:15")?.id as string)
      }),
    60000
  )

  effectTest(
    "accepts n as decimal text (from --set) and defaults n to 10000",
    () =>
      Effect.gen(function* () {
        expect((yield* run("4")).entities.length).toBe(10)
        const output = yield* runConnector(bench, {})
        expect(output.entities.length).toBe(25000)
        expect(output.relationships.length).toBe(10000)
      }),
    30000
  )
})

describe("bench connector configuration", () => {
  for (const [n, why] of [
    [3, "n must be an even integer ≥ 2, got 3"],
    [0, "n must be an even integer ≥ 2, got 0"],
    [-2, "n must be an even integer ≥ 2, got -2"],
    [2.5, "expected an integer, got 2.5"],
    ["ten", 'expected an integer (a number, or its decimal text), got "ten"']
  ] as const) {
    effectTest(`rejects n = ${JSON.stringify(n)} at Configure with a clear error`, () =>
      Effect.gen(function* () {
        const error = yield* Effect.flip(run(n))
        expect(error._tag).toBe("ConfigInvalid")
        expect(error.message).toContain(why)
        expect(error.message).toContain("n:")
      })
    )
  }

  effectTest("rejects a negative or fractional generation", () =>
    Effect.gen(function* () {
      for (const generation of [-1, 1.5]) {
        const error = yield* Effect.flip(run(10, generation))
        expect(error._tag).toBe("ConfigInvalid")
        expect(error.message).toContain("generation")
      }
    })
  )

  effectTest("rejects a `changes` that is not all, hosts, users or services", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(runConnector(bench, { config: { n: 10, generation: 1, changes: "edges" } }))
      expect(error._tag).toBe("ConfigInvalid")
      expect(error.message).toContain("changes")
    })
  )

  effectTest("is registered as a built-in connector", () =>
    Effect.sync(() => expect(builtinConnectors.some((connector) => connector.name === "bench")).toBe(true))
  )
})

describe("bench connector churn", () => {
  for (const [n, g] of [
    [2000, 1],
    [2000, 2],
    [1030, 1]
  ] as const) {
    effectTest(`generation ${g} at n = ${n} follows the churn rules`, () =>
      Effect.gen(function* () {
        const base = yield* run(n, 0)
        const output = yield* run(n, g)
        const before = byKey(base.entities)
        const after = byKey(output.entities)
        const added = Math.floor(n / 20)
        for (const [type, prefix, name] of [
          ["bench_host", "bench-host", "host"],
          ["bench_user", "bench-user", "user"]
        ] as const) {
          let updated = 0
          let removed = 0
          for (let i = 0; i < n; i++) {
            const key = `${prefix}:${i}`
            const record = after.get(key)
            const hi = h(i, g)
            if (hi >= 10 && hi < 15) {
              expect(record).toBeUndefined()
              removed++
            } else {
              expect(record?.type).toBe(type)
              expect(record?.displayName).toBe(hi < 10 ? `${name}-${i}-g${g}` : `${name}-${i}`)
              expect(record?.properties).toEqual(before.get(key)?.properties ?? {})
              if (record?.hash !== before.get(key)?.hash) updated++
            }
          }
          const expectedUpdated = Array.from({ length: n }, (_, i) => h(i, g)).filter((x) => x < 10).length
          const expectedRemoved = Array.from({ length: n }, (_, i) => h(i, g)).filter((x) => x >= 10 && x < 15).length
          expect(updated).toBe(expectedUpdated)
          expect(removed).toBe(expectedRemoved)
          expect(updated).toBeGreaterThan(0)
          expect(removed).toBeGreaterThan(0)
          for (let i = n; i < n + added; i++) expect(after.get(`${prefix}:${i}`)?.displayName).toBe(`${name}-${i}`)
          expect(after.has(`${prefix}:${n + added}`)).toBe(false)
          expect(ofType(output.entities, type).length).toBe(n - expectedRemoved + added)
        }

        const hostExists = (i: number) => (i < n ? !(h(i, g) >= 10 && h(i, g) < 15) : i < n + added)
        const userExists = hostExists
        let services = 0
        for (let j = 0; j < (n + added) / 2 + 1; j++) {
          const record = after.get(`bench-service:${j}`)
          if (!hostExists(2 * j)) {
            expect(record).toBeUndefined()
            continue
          }
          services++
          const updated = j < n / 2 && h(j, g) < 10
          expect(record?.displayName).toBe(updated ? `svc-${j}-g${g}` : `svc-${j}`)
          expect(record?.properties.hostname).toBe(`host-${2 * j}.bench.local`)
        }
        expect(ofType(output.entities, "bench_service").length).toBe(services)

        const runs = edges(output.relationships, "RUNS")
        const uses = edges(output.relationships, "USES")
        const expectedRuns = new Set<string>()
        for (let j = 0; 2 * j < n + added; j++) {
          if (hostExists(2 * j)) expectedRuns.add(`bench-host:${2 * j}>bench-service:${j}`)
        }
        const expectedUses = new Set<string>()
        for (let j = 0; j < n / 2; j++) {
          if (userExists(j) && hostExists(2 * j + 1)) expectedUses.add(`bench-user:${j}>bench-host:${2 * j + 1}`)
        }
        expect(runs).toEqual(expectedRuns)
        expect(uses).toEqual(expectedUses)
        for (let i = n; i < n + added; i++) {
          expect(output.relationships.some((r) => r.fromKey === `bench-user:${i}`)).toBe(false)
        }
        expect(output.relationships.length).toBe(expectedRuns.size + expectedUses.size)
      })
    )
  }

  effectTest("services read their hostname back from the hosts the hosts step emitted", () =>
    Effect.gen(function* () {
      // A hosts step replaced by one that writes other hostnames: the services must follow it.
      const [hosts, ...rest] = bench.steps
      if (hosts === undefined) throw new Error("bench has no hosts step")
      const altered = {
        ...bench,
        steps: [
          {
            ...hosts,
            run: (ctx: Parameters<typeof hosts.run>[0]) =>
              Effect.gen(function* () {
                for (let i = 0; i < 6; i++) yield* ctx.emitEntity(host(6, 0, i).property("hostname", `elsewhere-${i}`))
              })
          },
          ...rest
        ]
      }
      const output = yield* runConnector(altered, { config: { n: 6 } })
      const services = ofType(output.entities, "bench_service")
      expect(services.map((s) => [s.key, s.properties.hostname])).toEqual([
        ["bench-service:0", "elsewhere-0"],
        ["bench-service:1", "elsewhere-2"],
        ["bench-service:2", "elsewhere-4"]
      ])
    })
  )
})

describe("bench connector, a generation that changes one kind", () => {
  const n = 400
  // The entity types a generation writes rows of: new hosts bring the services of the even ones.
  const written = {
    hosts: [HOST, SERVICE],
    users: [USER],
    services: [SERVICE],
    all: [HOST, USER, SERVICE]
  } as const
  for (const changes of CHANGES) {
    liveTest(`changes = ${changes}: a re-sync reports what the workload's rules say changed, and only there`, () =>
      Effect.gen(function* () {
        yield* sync(bench, { account: "acct", config: { n, generation: 0 } })
        const next = yield* sync(bench, { account: "acct", config: { n, generation: 1, changes } })
        expect(next.stats).toEqual(expectedStats(n, 0, generationsOf({ generation: 1, changes })))
        const store = yield* Store
        const types = new Set(
          (yield* store.dump()).rows
            .filter((row) => row.kind === "entity" && row.generation === next.generation)
            .map((row) => String(row.content.type))
        )
        expect([...types].sort()).toEqual([...written[changes]].sort())
      }).pipe(Effect.provide(tempStore()))
    )
  }
})
