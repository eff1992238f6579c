import { describe, expect } from "bun:test"
import { Chunk, Context, Deferred, Effect, HashMap, Layer, Logger, Redacted, Ref, Schema, Stream } from "effect"
import {
  ApiError,
  AuthFailed,
  ConfigInvalid,
  Connector,
  type ConnectorError,
  DuplicateKey,
  entity,
  relationship,
  runConnector,
  runConnectorStream,
  type StepContext,
  type SyncEvent,
  step
} from "parallax-connect"
import { effectTest } from "../support/effectTest.ts"

const hostsAndServices = Connector.make({
  name: "events",
  steps: [
    step("hosts", "").run((ctx) => ctx.emitEntity(entity("host", "h").class("Host"))),
    step("broken", "").run(() => Effect.fail(new AuthFailed({ service: "api", reason: "expired" }))),
    step("services", "")
      .dependsOn("hosts")
      .run((ctx) =>
        Effect.gen(function* () {
          yield* ctx.emitEntity(entity("service", "s").class("Service"))
          yield* ctx.emitRelationship(relationship("host", "h", "RUNS", "service", "s"))
        })
      ),
    step("needs-broken", "")
      .dependsOn("broken")
      .run(() => Effect.void)
  ]
})

describe("runConnectorStream", () => {
  effectTest("yields SyncStarted, then each step's events in a sensible order, then SyncFinished", () =>
    Effect.gen(function* () {
      const events = Chunk.toReadonlyArray(yield* Stream.runCollect(runConnectorStream(hostsAndServices)))
      expect(events[0]).toMatchObject({ _tag: "SyncStarted", connector: "events", account: "default" })
      const last = events.at(-1) as Extract<SyncEvent, { _tag: "SyncFinished" }>
      expect(last._tag).toBe("SyncFinished")
      expect(last.steps.map((s) => [s.id, s.status])).toEqual([
        ["hosts", "succeeded"],
        ["broken", "failed"],
        ["services", "succeeded"],
        ["needs-broken", "skipped"]
      ])
      expect(events.filter((e) => e._tag === "SyncStarted" || e._tag === "SyncFinished").length).toBe(2)
      const at = (tag: SyncEvent["_tag"], id: string) =>
        events.findIndex((e) => e._tag === tag && "step" in e && e.step === id)
      expect(at("StepStarted", "hosts")).toBeLessThan(at("StepCompleted", "hosts"))
      expect(at("StepCompleted", "hosts")).toBeLessThan(at("StepStarted", "services"))
      expect(at("StepStarted", "broken")).toBeLessThan(at("StepFailed", "broken"))
      expect(at("StepFailed", "broken")).toBeLessThan(at("StepSkipped", "needs-broken"))
      expect(at("StepStarted", "needs-broken")).toBe(-1)
      expect(events.find((e) => e._tag === "StepCompleted" && e.step === "services")).toMatchObject({
        entities: 1,
        relationships: 1
      })
      expect(events.find((e) => e._tag === "StepFailed")).toMatchObject({
        step: "broken",
        error: { _tag: "AuthFailed" }
      })
      expect(events.find((e) => e._tag === "StepSkipped")).toMatchObject({
        step: "needs-broken",
        because: 'dependency "broken" failed'
      })
    })
  )

  effectTest("fails with the typed error when the run cannot start", () =>
    Effect.gen(function* () {
      const connector = Connector.make({
        name: "configured",
        config: Schema.Struct({ region: Schema.String }),
        steps: [step("s", "").run(() => Effect.void)]
      })
      const error = yield* Effect.flip(Stream.runCollect(runConnectorStream(connector, { config: {} })))
      expect(error._tag).toBe("ConfigInvalid")
    })
  )

  effectTest("ends (with the crash as a typed error) rather than hanging when discovery crashes", () =>
    Effect.gen(function* () {
      const connector = Connector.make({
        name: "crashes",
        discover: () =>
          Effect.sync(() => {
            throw new Error("bug in discover")
          }),
        steps: []
      })
      const error = yield* Effect.flip(Stream.runCollect(runConnectorStream(connector)))
      expect(error._tag).toBe("ConnectorFailed")
      expect(error.message).toContain("bug in discover")
    })
  )

  effectTest("a consumer that stops early ends the run", () =>
    Effect.gen(function* () {
      const ran = yield* Ref.make(0)
      const connector = Connector.make({
        name: "many",
        steps: Array.from({ length: 20 }, (_, i) => step(`s${i}`, "").run(() => Ref.update(ran, (n) => n + 1)))
      })
      const first = yield* Stream.runCollect(Stream.take(runConnectorStream(connector, { concurrency: 1 }), 2))
      expect(Chunk.toReadonlyArray(first).map((e) => e._tag)).toEqual(["SyncStarted", "StepStarted"])
    })
  )
})

describe("ctx.prior", () => {
  effectTest("sees what the step's dependencies (and theirs) emitted, and nothing from other steps", () =>
    Effect.gen(function* () {
      const independentMayLook = yield* Deferred.make<void>()
      const seen = new Map<string, unknown>()
      const look = (ctx: StepContext) => ({
        hosts: [...ctx.prior.entities("host")].map((e) => e.key),
        web: ctx.prior.entity("host", "web")?.key,
        hasWeb: ctx.prior.hasEntity("host", "web"),
        relationships: [...ctx.prior.relationships()].map((r) => r.verb),
        runs: [...ctx.prior.relationships("RUNS")].length,
        has: [...ctx.prior.relationships("HAS")].length
      })
      const connector = Connector.make({
        name: "prior",
        steps: [
          step("hosts", "").run((ctx) =>
            Effect.gen(function* () {
              yield* ctx.emitEntity(entity("host", "web").class("Host"))
              yield* ctx.emitEntity(entity("host", "db").class("Host"))
              yield* ctx.emitEntity(entity("service", "nginx").class("Service"))
              yield* ctx.emitRelationship(relationship("host", "web", "RUNS", "service", "nginx"))
            })
          ),
          step("services", "")
            .dependsOn("hosts")
            .run((ctx) =>
              Effect.gen(function* () {
                seen.set("services", look(ctx))
                yield* ctx.emitEntity(entity("host", "from-services").class("Host"))
                yield* Deferred.succeed(independentMayLook, undefined)
              })
            ),
          step("grandchild", "")
            .dependsOn("services")
            .run((ctx) => Effect.sync(() => seen.set("grandchild", look(ctx)))),
          step("independent", "").run((ctx) =>
            Effect.gen(function* () {
              // By now `hosts` has finished and `services` is running: neither is visible.
              yield* Deferred.await(independentMayLook)
              seen.set("independent", look(ctx))
            })
          )
        ]
      })
      const output = yield* runConnector(connector)
      expect(output.steps.every((s) => s.status === "succeeded")).toBe(true)
      expect(seen.get("services")).toEqual({
        hosts: ["web", "db"],
        web: "web",
        hasWeb: true,
        relationships: ["RUNS"],
        runs: 1,
        has: 0
      })
      expect((seen.get("grandchild") as { hosts: Array<string> }).hosts).toEqual(["web", "db", "from-services"])
      expect(seen.get("independent")).toEqual({
        hosts: [],
        web: undefined,
        hasWeb: false,
        relationships: [],
        runs: 0,
        has: 0
      })
    })
  )

  effectTest("does not see a failed dependency's discarded output (the dependent is skipped anyway)", () =>
    Effect.gen(function* () {
      const connector = Connector.make({
        name: "prior-failed",
        steps: [
          step("a", "").run((ctx) =>
            Effect.zipRight(
              ctx.emitEntity(entity("host", "x").class("Host")),
              Effect.fail(new ApiError({ service: "api", reason: "400", retryable: false }))
            )
          ),
          step("b", "")
            .dependsOn("a")
            .run(() => Effect.void)
        ]
      })
      const output = yield* runConnector(connector)
      expect(output.steps.map((s) => s.status)).toEqual(["failed", "skipped"])
      expect(output.entities).toEqual([])
    })
  )
})

describe("duplicates", () => {
  effectTest("an identical object emitted twice is kept once, owned by the step whose id sorts first", () =>
    Effect.gen(function* () {
      const web = () => entity("host", "web").class("Host").properties({ a: 1, b: "x" })
      const sameInOtherOrder = () => entity("host", "web").class("Host").property("b", "x").property("a", 1)
      const runs = () => relationship("host", "web", "RUNS", "service", "s")
      const connector = Connector.make({
        name: "dupes",
        steps: [
          step("z-first", "").run((ctx) =>
            Effect.gen(function* () {
              yield* ctx.emitEntity(web())
              yield* ctx.emitEntity(web())
              yield* ctx.emitRelationship(runs())
              yield* ctx.emitRelationship(runs())
              expect(ctx.counts()).toEqual({ entities: 1, relationships: 1 })
            })
          ),
          step("a-second", "")
            .dependsOn("z-first")
            .run((ctx) => Effect.zipRight(ctx.emitEntity(sameInOtherOrder()), ctx.emitRelationship(runs())))
        ]
      })
      const output = yield* runConnector(connector)
      expect(output.steps.map((s) => s.status)).toEqual(["succeeded", "succeeded"])
      expect(output.entities.map((e) => [e.key, e.step])).toEqual([["web", "a-second"]])
      expect(output.relationships.map((r) => [r.verb, r.step])).toEqual([["RUNS", "a-second"]])
    })
  )

  effectTest("the same id with different content fails the later step with DuplicateKey", () =>
    Effect.gen(function* () {
      const connector = Connector.make({
        name: "conflict",
        steps: [
          step("first", "").run((ctx) => ctx.emitEntity(entity("host", "web").class("Host").property("v", 1))),
          step("second", "")
            .dependsOn("first")
            .run((ctx) => ctx.emitEntity(entity("host", "web").class("Host").property("v", 2))),
          step("same-step", "").run((ctx) =>
            Effect.zipRight(
              ctx.emitRelationship(relationship("host", "a", "HAS", "host", "b").property("n", 1)),
              ctx.emitRelationship(relationship("host", "a", "HAS", "host", "b").property("n", 2))
            )
          )
        ]
      })
      const output = yield* runConnector(connector)
      const [first, second, same] = output.steps
      expect(first?.status).toBe("succeeded")
      expect(second?.status).toBe("failed")
      expect(second?.error).toBeInstanceOf(DuplicateKey)
      expect(second?.error).toMatchObject({ subject: "entity host/web", step: "second", firstStep: "first" })
      expect(second?.error?.message).toContain('emitted by step "second"')
      expect(same?.error).toMatchObject({ _tag: "DuplicateKey", step: "same-step", firstStep: "same-step" })
      expect(output.entities.map((e) => [e.key, e.properties.v, e.step])).toEqual([["web", 1, "first"]])
      expect(output.relationships).toEqual([])
    })
  )
})

describe("configuration", () => {
  const Config = Schema.Struct({
    region: Schema.String,
    port: Schema.Number.pipe(Schema.int(), Schema.between(1, 65535)),
    token: Schema.Redacted(Schema.String.pipe(Schema.minLength(12))),
    limits: Schema.Struct({ pageSize: Schema.Number })
  })
  type Config = typeof Config.Type
  const configured = (seen: Array<Config>) =>
    Connector.make({
      name: "configured",
      config: Config,
      steps: (step) => [step("s", "").run((ctx) => Effect.sync(() => seen.push(ctx.config)))]
    })

  effectTest("is decoded before anything runs; secrets arrive as Redacted", () =>
    Effect.gen(function* () {
      const seen: Array<Config> = []
      const config = { region: "eu", port: 443, token: "correct-horse-battery", limits: { pageSize: 100 } }
      yield* runConnector(configured(seen), { config })
      const [decoded] = seen
      expect(decoded?.region).toBe("eu")
      expect(Redacted.isRedacted(decoded?.token)).toBe(true)
      expect(Redacted.value(decoded?.token as Redacted.Redacted<string>)).toBe("correct-horse-battery")
      expect(String(decoded?.token)).not.toContain("correct-horse")
      expect(JSON.stringify(decoded)).not.toContain("correct-horse")
    })
  )

  effectTest("ConfigInvalid lists every invalid field with its path, and never quotes a secret", () =>
    Effect.gen(function* () {
      const seen: Array<Config> = []
      const error = yield* Effect.flip(
        runConnector(configured(seen), {
          config: { port: 0.5, token: "hunter2", limits: { pageSize: "ten" }, extra: true }
        })
      )
      expect(error).toBeInstanceOf(ConfigInvalid)
      const invalid = error as ConfigInvalid
      expect(invalid.connector).toBe("configured")
      expect(invalid.issues.map((issue) => issue.path).sort()).toEqual(
        ["extra", "limits.pageSize", "port", "region", "token"].sort()
      )
      expect(invalid.message).toContain('invalid configuration for connector "configured"')
      expect(invalid.message).toContain("limits.pageSize")
      expect(invalid.message).not.toContain("hunter2")
      expect(JSON.stringify(invalid)).not.toContain("hunter2")
      expect(invalid.issues.find((issue) => issue.path === "token")?.message).toMatch(/at least 12/)
      expect(seen).toEqual([])
    })
  )

  effectTest("a secret of the wrong type, or inside an optional field, is not quoted either", () =>
    Effect.gen(function* () {
      const connector = Connector.make({
        name: "secrets",
        config: Schema.Struct({
          pin: Schema.Redacted(Schema.NumberFromString),
          maybe: Schema.optional(Schema.Redacted(Schema.NonEmptyString)),
          self: Schema.RedactedFromSelf(Schema.String)
        }),
        steps: []
      })
      const error = yield* Effect.flip(
        runConnector(connector, { config: { pin: "not-a-number-secret", maybe: 12345678, self: "plain-secret" } })
      )
      expect(error._tag).toBe("ConfigInvalid")
      expect(error.message).not.toContain("not-a-number-secret")
      expect(error.message).not.toContain("12345678")
      expect(error.message).not.toContain("plain-secret")
      expect((error as ConfigInvalid).issues.map((issue) => issue.path).sort()).toEqual(["maybe", "pin", "self"])
    })
  )
})

describe("discover", () => {
  effectTest("receives the config and account; its failure stops the run with its typed error", () =>
    Effect.gen(function* () {
      const ran = yield* Ref.make(false)
      const asked: Array<unknown> = []
      const connector = Connector.make({
        name: "discovering",
        config: Schema.Struct({ org: Schema.String }),
        discover: (ctx) =>
          Effect.zipRight(
            Effect.sync(() => asked.push([ctx.config.org, ctx.account])),
            Effect.fail(new AuthFailed({ service: "api", reason: "bad token" }))
          ),
        steps: [step("s", "").run(() => Ref.set(ran, true))]
      })
      const error = yield* Effect.flip(runConnector(connector, { account: "acme", config: { org: "o" } }))
      expect(error).toBeInstanceOf(AuthFailed)
      expect(error.message).toBe("authentication to api failed: bad token")
      expect(asked).toEqual([["o", "acme"]])
      expect(yield* Ref.get(ran)).toBe(false)
    })
  )
})

// A connector's own service, as an API client would be.
class Inventory extends Context.Tag("test/Inventory")<
  Inventory,
  { readonly hosts: Effect.Effect<ReadonlyArray<string>, ConnectorError> }
>() {}

const inventoryConnector = Connector.make({
  name: "with-service",
  config: Schema.Struct({ hosts: Schema.Array(Schema.String) }),
  layer: (config) => Layer.succeed(Inventory, { hosts: Effect.succeed(config.hosts) }),
  discover: () => Effect.flatMap(Inventory, (inventory) => inventory.hosts),
  steps: [
    step("hosts", "").run((ctx) =>
      Effect.gen(function* () {
        for (const key of yield* (yield* Inventory).hosts) yield* ctx.emitEntity(entity("host", key).class("Host"))
      })
    )
  ]
})

describe("services as layers", () => {
  effectTest("the connector's own layer is built from the decoded config", () =>
    Effect.gen(function* () {
      const output = yield* runConnector(inventoryConnector, { config: { hosts: ["a", "b"] } })
      expect(output.entities.map((e) => e.key)).toEqual(["a", "b"])
    })
  )

  effectTest("runConnector(c, { layer }) replaces it with a test double", () =>
    Effect.gen(function* () {
      const fake = Layer.succeed(Inventory, { hosts: Effect.succeed(["fake"]) })
      const output = yield* runConnector(inventoryConnector, { config: { hosts: ["real"] }, layer: fake })
      expect(output.entities.map((e) => e.key)).toEqual(["fake"])
    })
  )

  effectTest("a layer that fails fails the run with its typed error; one that crashes, with ConnectorFailed", () =>
    Effect.gen(function* () {
      const refused = Layer.fail(new AuthFailed({ service: "inventory", reason: "no" }))
      const failed = yield* Effect.flip(runConnector(inventoryConnector, { config: { hosts: [] }, layer: refused }))
      expect(failed._tag).toBe("AuthFailed")
      const crashing = Layer.effect(
        Inventory,
        Effect.sync(() => {
          throw new Error("no such file")
        })
      )
      const crashed = yield* Effect.flip(runConnector(inventoryConnector, { config: { hosts: [] }, layer: crashing }))
      expect(crashed._tag).toBe("ConnectorFailed")
      expect(crashed.message).toContain("no such file")
    })
  )

  effectTest("a failing service call fails only the step that made it", () =>
    Effect.gen(function* () {
      const down = Layer.succeed(Inventory, {
        hosts: Effect.fail(new ApiError({ service: "inventory", reason: "down", retryable: false }))
      })
      const connector = Connector.make({
        name: "partly-down",
        layer: () => down,
        steps: [
          step("uses-service", "").run(() => Effect.asVoid(Effect.flatMap(Inventory, (inventory) => inventory.hosts))),
          step("independent", "").run((ctx) => ctx.emitEntity(entity("host", "ok").class("Host")))
        ]
      })
      const output = yield* runConnector(connector)
      expect(output.steps.map((s) => [s.id, s.status])).toEqual([
        ["uses-service", "failed"],
        ["independent", "succeeded"]
      ])
    })
  )
})

describe("the run's output", () => {
  effectTest("names connector, account and sync id, with every step's outcome in declared order", () =>
    Effect.gen(function* () {
      const output = yield* runConnector(hostsAndServices, { account: "prod", syncId: "sync-1" })
      expect([output.connector, output.account, output.syncId]).toEqual(["events", "prod", "sync-1"])
      expect(output.steps.map((s) => s.id)).toEqual(["hosts", "broken", "services", "needs-broken"])
      expect(output.finishedAt.getTime()).toBeGreaterThanOrEqual(output.startedAt.getTime())
      const defaults = yield* runConnector(hostsAndServices)
      expect(defaults.account).toBe("default")
      expect(defaults.syncId).toMatch(/^[0-9a-f-]{36}$/)
      expect(defaults.syncId).not.toBe((yield* runConnector(hostsAndServices)).syncId)
    })
  )
})

describe("ctx.log", () => {
  effectTest("annotates every line with connector, account and step", () =>
    Effect.gen(function* () {
      const lines: Array<{ message: unknown; annotations: Record<string, unknown>; level: string }> = []
      const capture = Logger.make(({ message, annotations, logLevel }) => {
        lines.push({ message, annotations: Object.fromEntries(HashMap.toEntries(annotations)), level: logLevel.label })
      })
      const connector = Connector.make({
        name: "logs",
        steps: [step("s", "").run((ctx) => Effect.zipRight(ctx.log.info("hello"), ctx.log.warn("careful")))]
      })
      yield* runConnector(connector, { account: "acme" }).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, capture))
      )
      expect(lines.map((line) => [line.level, line.message, line.annotations])).toEqual([
        ["INFO", ["hello"], { connector: "logs", account: "acme", step: "s" }],
        ["WARN", ["careful"], { connector: "logs", account: "acme", step: "s" }]
      ])
    })
  )
})
