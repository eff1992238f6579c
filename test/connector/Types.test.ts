import { expect, expectTypeOf, test } from "bun:test"
import { Context, Effect, Layer, type Redacted, Schema } from "effect"
import {
  Connector,
  type ConnectorError,
  type Connector as ConnectorType,
  type DuplicateKey,
  type Emit,
  type EntityRecord,
  entity,
  type RunError,
  type RunOutput,
  runConnector,
  type Step,
  type StepContext,
  step,
  type Timeout,
  type UnknownStep,
  type ValidationFailed
} from "parallax-connect"

// Type-level tests: `tsc --noEmit` (part of `npm test`) enforces them; the runtime test at the end runs
// the connector whose types are checked here, so the checks inside its steps are reached too.

class Api extends Context.Tag("test/Api")<Api, { readonly list: Effect.Effect<ReadonlyArray<string>> }>() {}
class Other extends Context.Tag("test/Other")<Other, number>() {}
const Config = Schema.Struct({ org: Schema.String, token: Schema.Redacted(Schema.String) })
type Config = typeof Config.Type

// No type argument anywhere: the config schema types `ctx.config` (and `discover`, `layer`,
// `enabledWhen`), the steps' services are checked against the layer, outputs are typed by the step.
const typed = Connector.make({
  name: "typed",
  config: Config,
  layer: (config) => Layer.succeed(Api, { list: Effect.succeed([config.org]) }),
  discover: (ctx) => Effect.sync(() => expectTypeOf(ctx.config).toEqualTypeOf<Config>()),
  steps: (step) => {
    const regions = step("regions", "List regions").run(async (ctx) => {
      expectTypeOf(ctx.config).toEqualTypeOf<Config>()
      expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>()
      return ["eu-west-1", "us-east-1"]
    })
    expectTypeOf(regions).toEqualTypeOf<Step<Config, never, Array<string>>>()
    const repos = step("repos", "Collect repositories")
      .dependsOn(regions)
      .enabledWhen((config) => config.org !== "", "no organisation")
      .run((ctx) =>
        Effect.gen(function* () {
          expectTypeOf(ctx.prior.output(regions)).toEqualTypeOf<Array<string>>()
          expectTypeOf(ctx.prior.output<number>("regions")).toEqualTypeOf<number>()
          expectTypeOf(ctx.prior.output("regions")).toEqualTypeOf<unknown>()
          const api = yield* Api
          for (const key of yield* api.list) {
            const record = yield* ctx.emitEntity(entity("repo", `${ctx.config.org}/${key}`).class("Repository"))
            expectTypeOf(record).toEqualTypeOf<EntityRecord>()
          }
          return (yield* api.list).length
        })
      )
    expectTypeOf(repos).toEqualTypeOf<Step<Config, Api, number>>()
    return [regions, repos]
  }
})

const typeChecks = () => {
  expectTypeOf(typed).toEqualTypeOf<ConnectorType<Config, Api>>()
  expectTypeOf<Config["token"]>().toEqualTypeOf<Redacted.Redacted<string>>()

  // An emit is an Effect an async step may await; both give the staged record and the typed errors (a timeout too).
  const emits = (ctx: StepContext) => ctx.emitEntity(entity("host", "h").class("Host"))
  expectTypeOf(emits).returns.toEqualTypeOf<Emit<EntityRecord>>()
  expectTypeOf<Emit<EntityRecord>>().toMatchTypeOf<
    Effect.Effect<EntityRecord, ValidationFailed | DuplicateKey | Timeout>
  >()
  expectTypeOf<Awaited<Emit<EntityRecord>>>().toEqualTypeOf<EntityRecord>()

  // A connector whose steps need a service must say how to build it, with that service.
  // @ts-expect-error: `layer` is required when the steps need services
  Connector.make({
    name: "missing-layer",
    config: Config,
    steps: (step) => [step("s", "").run(() => Effect.asVoid(Api))]
  })
  Connector.make({
    name: "wrong-layer",
    config: Config,
    layer: () => Layer.succeed(Other, 1),
    // @ts-expect-error: the steps need Api, the layer builds Other
    steps: (step) => [step("s", "").run(() => Effect.asVoid(Api))]
  })

  // A step defined apart from the connector is typed by the variable's type, still with no type argument.
  const apart: Step<Config, Api> = step("apart", "").run((ctx) =>
    Effect.map(Api, (api) => expectTypeOf(ctx.config.org).toEqualTypeOf<string>() && api)
  )
  Connector.make({
    name: "apart",
    config: Config,
    layer: () => Layer.succeed(Api, { list: Effect.succeed([]) }),
    steps: [apart]
  })

  // Services-free, config-free connectors need neither.
  const plain = Connector.make({ name: "plain", steps: [step("s", "").run(async () => {})] })
  expectTypeOf(plain).toEqualTypeOf<ConnectorType<unknown, never>>()

  // A test double must provide the connector's services.
  runConnector(typed, { layer: Layer.succeed(Api, { list: Effect.succeed(["x"]) }) })
  // @ts-expect-error: a layer for another service does not fit
  runConnector(typed, { layer: Layer.succeed(Other, 1) })

  // Steps fail only with connector errors; async steps may throw anything (it becomes the step's error).
  // @ts-expect-error: a plain string is not a ConnectorError
  step("bad", "").run(() => Effect.fail("nope"))
  step("ok", "").run(() => Effect.fail<ConnectorError>(null as unknown as ConnectorError))
  step("throws", "").run(async () => {
    throw new Error("nope")
  })
  // @ts-expect-error: a run function returns an Effect or a Promise
  step("neither", "").run(() => 42)

  // Property values are flat.
  // @ts-expect-error: nested objects are not property values
  entity("host", "h").property("nested", { a: 1 })
  // @ts-expect-error: arrays hold strings only
  entity("host", "h").property("numbers", [1, 2])
  entity("host", "h").properties({ a: "x", b: 1, c: true, d: null, e: ["x"] })

  // The run's output and errors; selecting steps may fail with UnknownStep.
  const run = runConnector(plain, { steps: ["s"] })
  expectTypeOf(run).toEqualTypeOf<Effect.Effect<RunOutput, RunError>>()
  expectTypeOf<UnknownStep>().toMatchTypeOf<RunError>()
  expectTypeOf<RunOutput["entities"][number]["step"]>().toEqualTypeOf<string>()
}

test("the typed connector runs: its steps read the typed config and each other's outputs", async () => {
  expect(typeof typeChecks).toBe("function")
  const output = await Effect.runPromise(runConnector(typed, { config: { org: "acme", token: "t" } }))
  expect(output.steps.map((outcome) => [outcome.id, outcome.status])).toEqual([
    ["regions", "succeeded"],
    ["repos", "succeeded"]
  ])
  expect(output.entities.map((record) => record.key)).toEqual(["acme/acme"])
})
