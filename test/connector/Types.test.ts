import { expect, test } from "bun:test"
import { Context, Effect, Layer, type Redacted, Schema } from "effect"
import {
  Connector,
  type ConnectorError,
  type Connector as ConnectorType,
  type DuplicateKey,
  type EntityRecord,
  entity,
  type RunError,
  type RunOutput,
  runConnector,
  type Step,
  type StepContext,
  step,
  type Timeout,
  type ValidationFailed
} from "parallax-connect"

// Type-level tests: `tsc --noEmit` (part of `npm test`) enforces them; the runtime test only keeps
// bun from reporting an empty file.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
const assertType = <_ extends true>(): void => {}

class Api extends Context.Tag("test/Api")<Api, { readonly list: Effect.Effect<ReadonlyArray<string>> }>() {}
const Config = Schema.Struct({ org: Schema.String, token: Schema.Redacted(Schema.String) })
type Config = typeof Config.Type

const needsApi = step("s", "")
  .dependsOn("other")
  .timeout("1 second")
  .run<Config, Api>((ctx) =>
    Effect.gen(function* () {
      const api = yield* Api
      for (const key of yield* api.list)
        yield* ctx.emitEntity(entity("repo", `${ctx.config.org}/${key}`).class("Repository"))
    })
  )

const typeChecks = () => {
  assertType<Equals<typeof needsApi, Step<Config, Api>>>()
  assertType<Equals<Config["token"], Redacted.Redacted<string>>>()

  // emit's errors are exactly the typed validation errors and the step's timeout; its result is the staged record.
  const emits = (ctx: StepContext) => ctx.emitEntity(entity("host", "h").class("Host"))
  assertType<Equals<ReturnType<typeof emits>, Effect.Effect<EntityRecord, ValidationFailed | DuplicateKey | Timeout>>>()

  // A connector whose steps need a service must say how to build it.
  const withLayer = Connector.make({
    name: "typed",
    config: Config,
    layer: () => Layer.succeed(Api, { list: Effect.succeed([]) }),
    discover: (ctx) => Effect.sync(() => ctx.config.org.toUpperCase()),
    steps: [needsApi]
  })
  assertType<Equals<typeof withLayer, ConnectorType<Config, Api>>>()

  // @ts-expect-error: `layer` is required when the steps need services
  Connector.make({ name: "missing-layer", config: Config, steps: [needsApi] })

  // Services-free connectors need no layer.
  const plain = Connector.make({ name: "plain", steps: [step("s", "").run(() => Effect.void)] })
  assertType<Equals<typeof plain, ConnectorType<unknown, never>>>()

  // A test double must provide the connector's services.
  runConnector(withLayer, { layer: Layer.succeed(Api, { list: Effect.succeed(["x"]) }) })
  // @ts-expect-error: a layer for another service does not fit
  runConnector(withLayer, { layer: Layer.succeed(Context.GenericTag<"Other", number>("Other"), 1) })

  // Steps fail only with connector errors.
  // @ts-expect-error: a plain string is not a ConnectorError
  step("bad", "").run(() => Effect.fail("nope"))
  step("ok", "").run(() => Effect.fail<ConnectorError>(null as unknown as ConnectorError))

  // Property values are flat.
  // @ts-expect-error: nested objects are not property values
  entity("host", "h").property("nested", { a: 1 })
  // @ts-expect-error: arrays hold strings only
  entity("host", "h").property("numbers", [1, 2])
  entity("host", "h").properties({ a: "x", b: 1, c: true, d: null, e: ["x"] })

  // The run's output and errors.
  const run = runConnector(plain)
  assertType<Equals<typeof run, Effect.Effect<RunOutput, RunError>>>()
  assertType<Equals<RunOutput["entities"][number]["step"], string>>()
}

test("type-level checks compile (see tsc --noEmit)", () => {
  expect(typeof typeChecks).toBe("function")
})
