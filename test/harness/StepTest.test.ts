import { describe, expect, test } from "bun:test"
import { Context, Effect, Layer, Schedule, Schema } from "effect"
import { ApiError, Connector, entity, relationship, UnknownStep } from "parallax-connect"
import { runStep, testStep } from "parallax-connect/harness"

// One step under test, through the public API: the step runs with its dependencies against a test
// layer, and the test gets what that step emitted, its warnings and its output.

class Hosts extends Context.Tag("test/Hosts")<Hosts, { readonly list: () => Promise<ReadonlyArray<string>> }>() {
  static fake = (names: ReadonlyArray<string>) => Layer.succeed(Hosts, { list: async () => names })
}

let attempts = 0
const connector = Connector.make({
  name: "unit",
  config: Schema.Struct({ suffix: Schema.String }),
  layer: () => Hosts.fake(["from-the-real-layer"]),
  steps: (step) => [
    step("hosts", "Hosts").run((ctx) =>
      Effect.gen(function* () {
        const api = yield* Hosts
        const names = yield* Effect.promise(() => api.list())
        for (const name of names) yield* ctx.emitEntity(entity("host", name).class("Host"))
        return names.length
      })
    ),
    step("services", "One service per host")
      .dependsOn("hosts")
      .run(async (ctx) => {
        const keys: Array<string> = []
        for (const host of ctx.prior.entities("host")) {
          const key = `${host.key}/${ctx.config.suffix}`
          await ctx.emitEntity(entity("service", key).class("Daemon"))
          await ctx.emitRelationship(relationship("host", host.key, "RUNS", "service", key))
          keys.push(key)
        }
        return keys
      }),
    step("flaky", "Fails once, then succeeds")
      .retry(Schedule.recurs(1))
      .run(async (ctx) => {
        await ctx.emitEntity(entity("probe", `attempt-${++attempts}`).class("Resource"))
        if (attempts === 1) throw new ApiError({ service: "api", reason: "503", retryable: true })
      }),
    step("broken", "Always fails")
      .dependsOn("hosts")
      .run(async () => {
        throw new ApiError({ service: "api", reason: "400", retryable: false })
      }),
    step("after-broken", "Needs broken")
      .dependsOn("broken")
      .run(async () => {})
  ]
})

describe("testStep", () => {
  test("runs the step with its dependencies against the test layer: its own records, warnings and output", async () => {
    const result = await testStep(connector, "services", { config: { suffix: "ssh" }, layer: Hosts.fake(["a", "b"]) })
    expect(result.outcome).toMatchObject({ id: "services", status: "succeeded", entities: 2, relationships: 2 })
    expect(result.steps.map((outcome) => outcome.id)).toEqual(["hosts", "services"])
    expect(result.entities.map((record) => record.key)).toEqual(["a/ssh", "b/ssh"])
    expect(result.relationships.map((record) => `${record.fromKey} ${record.verb} ${record.toKey}`)).toEqual([
      "a RUNS a/ssh",
      "b RUNS b/ssh"
    ])
    expect(result.warnings.map((warning) => [warning.message, warning.count])).toEqual([['unknown class "Daemon"', 2]])
    expect(result.output).toEqual(["a/ssh", "b/ssh"])
  })

  test("uses the connector's own layer when none is given, and gives an Effect-style step's output", async () => {
    const result = await Effect.runPromise(runStep(connector, "hosts", { config: { suffix: "x" } }))
    expect(result.entities.map((record) => record.key)).toEqual(["from-the-real-layer"])
    expect(result.output).toBe(1)
  })

  test("a retried step gives what its successful attempt emitted", async () => {
    const result = await testStep(connector, "flaky", { config: { suffix: "x" } })
    expect(result.outcome).toMatchObject({ status: "succeeded", attempts: 2 })
    expect(result.entities.map((record) => record.key)).toEqual(["attempt-2"])
  })

  test("a failed step, or one whose dependency failed, is its outcome, with nothing emitted", async () => {
    const broken = await testStep(connector, "broken", { config: { suffix: "x" }, layer: Hosts.fake([]) })
    expect(broken.outcome).toMatchObject({ status: "failed", error: { _tag: "ApiError" } })
    expect(broken.output).toBeUndefined()
    const after = await testStep(connector, "after-broken", { config: { suffix: "x" }, layer: Hosts.fake([]) })
    expect(after.outcome).toMatchObject({ status: "skipped", skippedBecause: 'dependency "broken" failed' })
    expect(after.steps.map((outcome) => outcome.status)).toEqual(["succeeded", "failed", "skipped"])
  })

  test("an unknown step or a bad config fails before anything runs", async () => {
    const unknown = await Effect.runPromise(Effect.flip(runStep(connector, "nope", { config: { suffix: "x" } })))
    expect(unknown).toBeInstanceOf(UnknownStep)
    const config = await Effect.runPromise(Effect.flip(runStep(connector, "hosts", { config: {} })))
    expect(config._tag).toBe("ConfigInvalid")
  })

  test("a forgotten await fails the step as it would in a sync", async () => {
    const forgetful = Connector.make({
      name: "forgetful",
      steps: (step) => [
        step("s", "").run(async (ctx) => {
          ctx.emitEntity(entity("host", "h").class("Host"))
        })
      ]
    })
    const result = await testStep(forgetful, "s")
    expect(result.outcome.status).toBe("failed")
    expect(result.outcome.error?.message).toContain("never awaited")
  })
})
