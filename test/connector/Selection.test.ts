import { describe, expect } from "bun:test"
import { Effect, Schema } from "effect"
import { Connector, entity, runConnector, UnknownStep } from "parallax-connect"
import { Store, sync } from "parallax-connect/runtime"
import { effectTest, liveTest } from "../support/effectTest.ts"
import { tempStore } from "../sync/support/Source.ts"

// Disabling steps by config and selecting steps, through the public API: the steps left out report
// `disabled` or `not_selected`, their rows are kept exactly as they were (C07), the sync is not `partial`
// for it, and the steps that ran commit as in a full sync.

const Config = Schema.Struct({
  keys: Schema.Array(Schema.String),
  audit: Schema.optionalWith(Schema.Boolean, { default: () => true })
})

const inventory = Connector.make({
  name: "inventory",
  config: Config,
  steps: (step) => [
    step("hosts", "Hosts").run(async (ctx) => {
      for (const key of ctx.config.keys) await ctx.emitEntity(entity("host", key).class("Host"))
    }),
    step("users", "Users").run(async (ctx) => {
      for (const key of ctx.config.keys) await ctx.emitEntity(entity("user", key).class("User"))
    }),
    step("audit", "Audit records")
      .enabledWhen(
        (config) => config.audit,
        (config) => `audit is off for ${config.keys.length} key(s)`
      )
      .run(async (ctx) => {
        for (const key of ctx.config.keys) await ctx.emitEntity(entity("audit_record", key).class("Record"))
      }),
    step("audit-links", "Users OWN their audit records")
      .dependsOn("users", "audit")
      .run(async (ctx) => {
        for (const user of ctx.prior.entities("user"))
          await ctx.emitEntity(entity("audit_owner", user.key).class("User"))
      })
  ]
})

const rowsBy = (step: string) =>
  Effect.flatMap(Store, (store) => store.dump()).pipe(
    Effect.map((dump) => dump.rows.filter((row) => row.step === step).map(({ firstSeenAt: _, ...row }) => row))
  )

describe("enabledWhen", () => {
  effectTest("a disabled step and its dependents report disabled with the reason; the others run", () =>
    Effect.gen(function* () {
      const output = yield* runConnector(inventory, { config: { keys: ["a"], audit: false } })
      expect(output.steps.map((outcome) => [outcome.id, outcome.status, outcome.skippedBecause])).toEqual([
        ["hosts", "succeeded", undefined],
        ["users", "succeeded", undefined],
        ["audit", "disabled", "audit is off for 1 key(s)"],
        ["audit-links", "disabled", 'dependency "audit" is disabled']
      ])
      expect(output.entities.map((record) => record.type)).toEqual(["host", "user"])
    })
  )

  liveTest("keeps the rows of disabled steps as they were, and the sync is not partial for it", () =>
    Effect.gen(function* () {
      yield* sync(inventory, { config: { keys: ["a", "b"] } })
      const audit = yield* rowsBy("audit")
      const links = yield* rowsBy("audit-links")
      expect(audit).toHaveLength(2)
      const result = yield* sync(inventory, { config: { keys: ["a"], audit: false }, force: true })
      expect(result.status).toBe("succeeded")
      expect(result.stats.entitiesDeleted).toBe(2)
      expect(yield* rowsBy("audit")).toEqual(audit)
      expect(yield* rowsBy("audit-links")).toEqual(links)
      expect((yield* rowsBy("hosts")).map((row) => row.content.key)).toEqual(["a"])
      const [run] = yield* Effect.flatMap(Store, (store) => store.history({ limit: 1 }))
      expect(run?.steps.find((outcome) => outcome.id === "audit")).toMatchObject({
        status: "disabled",
        skippedBecause: "audit is off for 1 key(s)"
      })
    }).pipe(Effect.provide(tempStore()))
  )
})

describe("selecting steps", () => {
  effectTest("runs the selected steps and what they depend on; the others are not_selected", () =>
    Effect.gen(function* () {
      const output = yield* runConnector(inventory, { config: { keys: ["a"] }, steps: ["audit-links"] })
      expect(output.steps.map((outcome) => [outcome.id, outcome.status])).toEqual([
        ["hosts", "not_selected"],
        ["users", "succeeded"],
        ["audit", "succeeded"],
        ["audit-links", "succeeded"]
      ])
      expect(output.steps[0]?.skippedBecause).toBe("not selected (audit-links)")
    })
  )

  effectTest("an unknown step fails the run before anything runs", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(runConnector(inventory, { config: { keys: [] }, steps: ["nope"] }))
      expect(error).toBeInstanceOf(UnknownStep)
      expect(error.message).toBe(
        'connector "inventory" has no step "nope" (its steps: hosts, users, audit, audit-links)'
      )
    })
  )

  liveTest("keeps the rows of the steps not selected; the selected ones are replaced as in a full sync", () =>
    Effect.gen(function* () {
      yield* sync(inventory, { config: { keys: ["a", "b"] } })
      const before = new Map(
        yield* Effect.forEach(["hosts", "audit", "audit-links"], (step) =>
          Effect.map(rowsBy(step), (rows) => [step, rows] as const)
        )
      )
      const result = yield* sync(inventory, { config: { keys: ["c"] }, steps: ["users"], force: true })
      expect(result.status).toBe("succeeded")
      expect(result.steps.map((outcome) => outcome.status)).toEqual([
        "not_selected",
        "succeeded",
        "not_selected",
        "not_selected"
      ])
      for (const [step, rows] of before) expect(yield* rowsBy(step)).toEqual(rows)
      expect((yield* rowsBy("users")).map((row) => row.content.key)).toEqual(["c"])
    }).pipe(Effect.provide(tempStore()))
  )
})
