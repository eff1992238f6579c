import { describe, expect, test } from "bun:test"
import { Effect, Schedule, Schema } from "effect"
import { ApiError, Connector, entity, runConnector, step } from "parallax-connect"

// Step outputs through the public API: what a step returns is read by its dependents, per run.

const Config = Schema.Struct({ regions: Schema.Array(Schema.String) })

const regional = Connector.make({
  name: "regional",
  config: Config,
  steps: (step) => {
    const regions = step("regions", "List the regions").run(async (ctx) => [...ctx.config.regions].sort())
    const zones = step("zones", "Zones per region")
      .dependsOn(regions)
      .run((ctx) =>
        Effect.succeed(new Map(ctx.prior.output(regions).map((region) => [region, [`${region}a`, `${region}b`]])))
      )
    return [
      regions,
      zones,
      step("instances", "One instance per zone")
        .dependsOn(zones)
        .run(async (ctx) => {
          for (const [region, names] of ctx.prior.output(zones)) {
            for (const zone of names)
              await ctx.emitEntity(entity("instance", zone).class("Host").property("region", region))
          }
          // Read by id, typed by the caller: the grandparent's output is visible too.
          return ctx.prior.output<ReadonlyArray<string>>("regions").length
        })
    ]
  }
})

describe("step outputs", () => {
  test("dependents read what their dependencies returned, typed, in either style", async () => {
    const output = await Effect.runPromise(runConnector(regional, { config: { regions: ["us", "eu"] } }))
    expect(output.steps.map((outcome) => outcome.status)).toEqual(["succeeded", "succeeded", "succeeded"])
    expect(output.entities.map((record) => `${record.key}@${record.properties.region}`)).toEqual([
      "eua@eu",
      "eub@eu",
      "usa@us",
      "usb@us"
    ])
  })

  test("belong to one run: a second run of the same connector sees only its own", async () => {
    const first = await Effect.runPromise(runConnector(regional, { config: { regions: ["eu"] } }))
    const second = await Effect.runPromise(runConnector(regional, { config: { regions: ["ap"] } }))
    expect(first.entities.map((record) => record.key)).toEqual(["eua", "eub"])
    expect(second.entities.map((record) => record.key)).toEqual(["apa", "apb"])
  })

  test("a retried step's output is the one of the attempt that succeeded", async () => {
    let attempts = 0
    const connector = Connector.make({
      name: "retried",
      steps: (step) => {
        const cursor = step("cursor", "")
          .retry(Schedule.recurs(1))
          .run(() =>
            Effect.suspend(() =>
              ++attempts === 1
                ? Effect.fail(new ApiError({ service: "api", reason: "503", retryable: true }))
                : Effect.succeed(`attempt-${attempts}`)
            )
          )
        return [
          cursor,
          step("reader", "")
            .dependsOn(cursor)
            .run((ctx) => ctx.emitEntity(entity("cursor", ctx.prior.output(cursor)).class("Resource")))
        ]
      }
    })
    const output = await Effect.runPromise(runConnector(connector))
    expect(output.entities.map((record) => record.key)).toEqual(["attempt-2"])
  })

  test("reading a step that is not a dependency fails the reader, saying which dependency is missing", async () => {
    const connector = Connector.make({
      name: "undeclared",
      steps: [
        step("a", "").run(async () => 1),
        step("b", "").run(async (ctx) => {
          ctx.prior.output("a")
        }),
        step("c", "").run((ctx) => Effect.sync(() => ctx.prior.output("a")))
      ]
    })
    const output = await Effect.runPromise(runConnector(connector))
    expect(output.steps.map((outcome) => outcome.status)).toEqual(["succeeded", "failed", "failed"])
    for (const outcome of output.steps.slice(1)) {
      expect(outcome.error?._tag).toBe("ConnectorFailed")
      expect(outcome.error?.message).toContain(`reads the output of step "a", which it does not depend on`)
    }
  })
})
