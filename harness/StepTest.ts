import { Effect, type Layer } from "effect"
import {
  awaitable,
  type Connector,
  type ConnectorError,
  type EntityRecord,
  type RelationshipRecord,
  type RunError,
  runConnector,
  type Step,
  type StepContext,
  type StepOutcome,
  type StepRef,
  type WarningSummary
} from "parallax-connect"

/** How to run one step under test. */
export interface StepTestOptions<R> {
  /** Raw configuration, decoded with the connector's schema. */
  readonly config?: unknown
  /** The services the steps use (a fake API); default: the connector's own `layer`. */
  readonly layer?: Layer.Layer<R, ConnectorError>
  /** The account (default `"default"`). */
  readonly account?: string
  /** Unknown classes and verbs fail the emit instead of warning. */
  readonly strict?: boolean
}

/** What one step did: its outcome, what it emitted (in emission order), its warnings and its output. */
export interface StepTestResult<O> {
  readonly outcome: StepOutcome
  /** Every step that ran for it: its dependencies (direct or not), then the step itself. */
  readonly steps: ReadonlyArray<StepOutcome>
  /** The entities the step's successful attempt emitted (a failed attempt's are discarded, as in a sync). */
  readonly entities: ReadonlyArray<EntityRecord>
  readonly relationships: ReadonlyArray<RelationshipRecord>
  /** The step's warnings (an unknown class or verb outside strict mode), counted by message. */
  readonly warnings: ReadonlyArray<WarningSummary>
  /** What the step's program returned; `undefined` unless it succeeded. */
  readonly output: O | undefined
}

// biome-ignore lint/suspicious/noExplicitAny: any step of the connector, whatever its config and services
type AnyStep = Step<any, any>

/** The step with its emits and output recorded into `seen`, each attempt starting afresh. */
const recording = (
  step: AnyStep,
  seen: { entities: Array<EntityRecord>; relationships: Array<RelationshipRecord>; output: unknown }
): AnyStep => ({
  ...step,
  run: (ctx: StepContext<unknown>) => {
    seen.entities = []
    seen.relationships = []
    const recorded: StepContext<unknown> = {
      ...ctx,
      emitEntity: (builder) => awaitable(Effect.tap(ctx.emitEntity(builder), (record) => seen.entities.push(record))),
      emitRelationship: (builder) =>
        awaitable(Effect.tap(ctx.emitRelationship(builder), (record) => seen.relationships.push(record)))
    }
    const result = step.run(recorded)
    const keep = (value: unknown) => {
      seen.output = value
      return value
    }
    return Effect.isEffect(result) ? Effect.map(result, keep) : Promise.resolve(result).then(keep)
  }
})

/**
 * Runs one step of `connector`, with the steps it depends on, against `options.layer` (a fake API), and
 * returns what the step emitted, its warnings and its output: for an author's unit test of one step.
 * The run is a real one (validation, ids, retries, timeouts, `ctx.prior`); nothing is stored. Fails only
 * when the run cannot start (bad config, unknown step); a failed step is its `outcome`.
 *
 * @example
 * const services = yield* runStep(myConnector, "services", { config: { org: "acme" }, layer: FakeApi.layer(hosts) })
 * expect(services.entities.map((e) => e.key)).toEqual(["web-01/nginx"])
 */
export const runStep = <C, R, O = unknown>(
  connector: Connector<C, R>,
  step: string | StepRef<O>,
  options: StepTestOptions<R> = {}
): Effect.Effect<StepTestResult<O>, RunError> =>
  Effect.gen(function* () {
    const id = typeof step === "string" ? step : step.id
    const seen = {
      entities: [] as Array<EntityRecord>,
      relationships: [] as Array<RelationshipRecord>,
      output: undefined as unknown
    }
    const wrapped: Connector<C, R> = {
      ...connector,
      steps: connector.steps.map((candidate) => (candidate.id === id ? recording(candidate, seen) : candidate))
    }
    const output = yield* runConnector(wrapped, {
      steps: [id],
      ...(options.config === undefined ? {} : { config: options.config }),
      ...(options.layer === undefined ? {} : { layer: options.layer }),
      ...(options.account === undefined ? {} : { account: options.account }),
      ...(options.strict === undefined ? {} : { strict: options.strict })
    })
    const steps = output.steps.filter((outcome) => outcome.status !== "not_selected")
    const outcome = steps.find((candidate) => candidate.id === id) as StepOutcome
    const succeeded = outcome.status === "succeeded"
    return {
      outcome,
      steps,
      entities: succeeded ? seen.entities : [],
      relationships: succeeded ? seen.relationships : [],
      warnings: output.warnings.filter((warning) => warning.step === id),
      output: succeeded ? (seen.output as O) : undefined
    }
  })

/**
 * `runStep` as a promise, for `bun test` (or any test runner) files.
 *
 * @example
 * test("services emits one service per host", async () => {
 *   const { outcome, entities } = await testStep(myConnector, "services", { layer: FakeApi.layer(hosts) })
 *   expect(outcome.status).toBe("succeeded")
 *   expect(entities).toHaveLength(2)
 * })
 */
export const testStep = <C, R, O = unknown>(
  connector: Connector<C, R>,
  step: string | StepRef<O>,
  options: StepTestOptions<R> = {}
): Promise<StepTestResult<O>> => Effect.runPromise(runStep(connector, step, options))
