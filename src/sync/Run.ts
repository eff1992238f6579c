import { Cause, type Duration, Effect, Exit, Layer, Option, Stream } from "effect"
import { type Connector, Connector as Connectors } from "../connector/Connector.ts"
import { asConnectorError, crashed } from "../connector/Failure.ts"
import { maskSecrets } from "../connector/Secrets.ts"
import {
  type ConfigInvalid,
  type ConnectorError,
  ConnectorFailed,
  type DefinitionError,
  UnknownStep
} from "../model/Errors.ts"
import type { EventSink, StepOutcome, SyncEvent, WarningSummary } from "../model/Events.ts"
import type { EntityRecord, RelationshipRecord, ValidationWarning } from "../model/Records.ts"
import { runSteps } from "../scheduler/Scheduler.ts"
import type { Staging } from "../scheduler/Staging.ts"
import { MemorySpill } from "./staging/MemorySpill.ts"
import { CoreStaging } from "./staging/Staging.ts"

/** How to run a connector. */
export interface RunOptions<R = never> {
  /** The account (connector instance) being synced; default `"default"`. */
  readonly account?: string
  /** A sync id; default a random UUID. */
  readonly syncId?: string
  /** Raw configuration, decoded with the connector's schema. */
  readonly config?: unknown
  /** How many steps may run at once (default 4). */
  readonly concurrency?: number
  /** Unknown classes and verbs are errors instead of warnings. */
  readonly strict?: boolean
  /**
   * Only these steps run, with the steps they depend on (directly or not); every other step is reported
   * `not_selected` and the rows it owned are kept. None: every step. An unknown id fails with `UnknownStep`.
   */
  readonly steps?: ReadonlyArray<string>
  /** The timeout of each attempt of a step that sets none itself (default 1 hour). */
  readonly stepTimeout?: Duration.DurationInput
  /** Replaces the connector's own services (its `layer`): a fake API for tests and the harness. */
  readonly layer?: Layer.Layer<R, ConnectorError>
  readonly onEvent?: EventSink
}

/** What collection produced, before anything is committed. */
export interface Collected {
  readonly connector: string
  readonly account: string
  readonly syncId: string
  readonly startedAt: Date
  readonly finishedAt: Date
  readonly steps: ReadonlyArray<StepOutcome>
  /** Warnings counted by step and message (a few sample subjects each), so memory stays bounded. */
  readonly warnings: ReadonlyArray<WarningSummary>
}

/** The output of `runConnector`: the step outcomes and the staged objects, each with its owning step. */
/**
 * A staged object with the step that owns it and, when other steps emitted an identical copy, those too
 * (`alsoBy`): a commit of the output then moves the row to one of them if its owner fails at the commit.
 */
export type Owned<A> = A & { readonly step: string; readonly alsoBy?: ReadonlyArray<string> }

export interface RunOutput extends Collected {
  readonly entities: ReadonlyArray<Owned<EntityRecord>>
  readonly relationships: ReadonlyArray<Owned<RelationshipRecord>>
}

/** Why a run could not even start collecting. */
export type RunError = ConfigInvalid | DefinitionError | UnknownStep | ConnectorError

/** The typed failure of a cause (`what` failed: ...), or a `ConnectorFailed` for a crash (`what` crashed: ...). */
const typedOrCrash = (cause: Cause.Cause<ConnectorError>, what: string): ConnectorError =>
  Option.match(Cause.failureOption(cause), {
    onSome: (error) => asConnectorError(error, what),
    onNone: () => crashed(Cause.squash(cause), what)
  })

/** How many sample subjects a warning summary keeps. */
export const WARNING_SAMPLES = 5
/** How many distinct (step, message) summaries a run keeps; further kinds are counted per step as one. */
export const WARNING_KINDS = 100
const OTHER_WARNINGS = `further kinds of warning (more than ${WARNING_KINDS} in this run)`

/** Counts warnings by (step, message), keeping a few sample subjects: bounded whatever a step emits. */
const warningCounter = () => {
  const summaries = new Map<string, { step: string; message: string; count: number; samples: Array<string> }>()
  const add = (warning: ValidationWarning) => {
    let key = `${warning.step}\u0000${warning.message}`
    let summary = summaries.get(key)
    let sample = warning.subject
    if (summary === undefined && summaries.size >= WARNING_KINDS) {
      key = `${warning.step}\u0000`
      summary = summaries.get(key)
      sample = `${warning.subject}: ${warning.message}`
      if (summary === undefined) {
        summary = { step: warning.step, message: OTHER_WARNINGS, count: 0, samples: [] }
        summaries.set(key, summary)
      }
    }
    if (summary === undefined) {
      summary = { step: warning.step, message: warning.message, count: 0, samples: [] }
      summaries.set(key, summary)
    }
    summary.count++
    if (summary.samples.length < WARNING_SAMPLES) summary.samples.push(sample)
  }
  const all = (): ReadonlyArray<WarningSummary> =>
    [...summaries.values()].map((summary) => ({ ...summary, subject: summary.samples[0] ?? "" }))
  return { add, all }
}

/** Fails with `UnknownStep` for the first selected step id the connector does not have. */
const checkSelection = <C, R>(connector: Connector<C, R>, selected: ReadonlyArray<string> | undefined) => {
  const known = connector.steps.map((step) => step.id)
  const unknown = selected?.find((id) => !known.includes(id))
  return unknown === undefined
    ? Effect.void
    : Effect.fail(new UnknownStep({ connector: connector.name, step: unknown, known }))
}

/**
 * Configure: checks the step graph and the selected steps, and decodes the config. Needs no store: a
 * connector that cannot be loaded or configured fails here, before any scope is locked or any run recorded.
 */
export const configure = <C, R>(connector: Connector<C, R>, options: RunOptions<R> = {}) =>
  Connectors.validate(connector).pipe(
    Effect.zipRight(checkSelection(connector, options.steps)),
    Effect.zipRight(Connectors.decodeConfig(connector, options.config ?? {}))
  )

/**
 * Discover → Collect into `staging`, with the config `configure` decoded: runs `discover`, then the steps.
 * Fails only on discovery; step failures are outcomes, not failures.
 */
export const collectConfigured = <C, R>(
  connector: Connector<C, R>,
  config: C,
  staging: Staging,
  options: RunOptions<R> = {}
): Effect.Effect<Collected, ConnectorError> =>
  Effect.gen(function* () {
    const account = options.account ?? "default"
    const syncId = options.syncId ?? crypto.randomUUID()
    const emit = options.onEvent ?? (() => {})
    const warnings = warningCounter()
    const secrets = maskSecrets(config)
    const layer = Layer.catchAllCause(
      Layer.suspend(() => options.layer ?? connector.layer?.(config) ?? (Layer.empty as Layer.Layer<R>)),
      (cause) =>
        Layer.fail(secrets.value(typedOrCrash(cause, `building the services of connector "${connector.name}"`)))
    )
    const startedAt = new Date()
    emit({ _tag: "SyncStarted", connector: connector.name, account, syncId })
    const steps = yield* Effect.gen(function* () {
      const discover = connector.discover
      if (discover) {
        yield* Effect.suspend(() => discover({ config, account })).pipe(
          Effect.catchAllDefect((defect) => Effect.fail(crashed(defect, "discovery"))),
          Effect.catchAllCause((cause) =>
            Cause.isInterruptedOnly(cause)
              ? Effect.fail(new ConnectorFailed({ reason: "discovery interrupted itself" }))
              : Effect.failCause(cause)
          ),
          // What leaves discovery says what went wrong, and never a secret of the config (C12).
          Effect.mapError((error) => secrets.value(asConnectorError(error, "discovery"))),
          (effect) => secrets.logging(effect)
        )
      }
      return yield* runSteps(connector.steps, {
        connector: connector.name,
        account,
        syncId,
        config,
        staging,
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        ...(options.strict === undefined ? {} : { strict: options.strict }),
        ...(options.steps === undefined ? {} : { steps: options.steps }),
        ...(options.stepTimeout === undefined ? {} : { stepTimeout: options.stepTimeout }),
        onEvent: emit,
        onWarning: warnings.add
      })
    }).pipe(Effect.provide(layer))
    emit({ _tag: "SyncFinished", syncId, steps })
    return {
      connector: connector.name,
      account,
      syncId,
      startedAt,
      finishedAt: new Date(),
      steps,
      warnings: warnings.all()
    }
  })

/**
 * Configure → Discover → Collect into `staging`: checks the step graph, decodes the config, runs
 * `discover`, then the steps. Fails only before collection (bad definition, bad config, discovery);
 * step failures are outcomes, not failures.
 */
export const collect = <C, R>(
  connector: Connector<C, R>,
  staging: Staging,
  options: RunOptions<R> = {}
): Effect.Effect<Collected, RunError> =>
  Effect.flatMap(configure(connector, options), (config) => collectConfigured(connector, config, staging, options))

const owned = <A>(record: A, step: string, also: ReadonlyArray<string>): Owned<A> =>
  also.length === 0 ? { ...record, step } : { ...record, step, alsoBy: also }

/**
 * Runs a connector and returns everything it emitted, in memory: for tests and small sources. `sync`
 * streams into the store instead.
 *
 * @example
 * const output = yield* runConnector(myConnector, { account: "prod", config: { region: "eu-west-1" } })
 */
export const runConnector = <C, R>(
  connector: Connector<C, R>,
  options: RunOptions<R> = {}
): Effect.Effect<RunOutput, RunError> =>
  Effect.gen(function* () {
    const staging = new CoreStaging(new MemorySpill())
    const collected = yield* collect(connector, staging, options)
    return {
      ...collected,
      entities: [...staging.spill.entitiesOfType(undefined)].map(({ record, step }) =>
        owned(record, step, staging.coEmitters(0, record.id))
      ),
      relationships: [...staging.spill.relationships(undefined)].map(({ record, step }) =>
        owned(record, step, staging.coEmitters(1, record.id))
      )
    }
  })

/**
 * Runs a connector and streams its events; the stream ends after `SyncFinished` and fails if the run
 * could not start.
 */
export const runConnectorStream = <C, R>(
  connector: Connector<C, R>,
  options: RunOptions<R> = {}
): Stream.Stream<SyncEvent, RunError> =>
  Stream.asyncPush<SyncEvent, RunError>((emit) =>
    runConnector(connector, { ...options, onEvent: (event) => emit.single(event) }).pipe(
      Effect.exit,
      // A defect ends the stream with that defect rather than leaving the consumer waiting forever.
      Effect.flatMap((exit) => Effect.sync(() => (Exit.isSuccess(exit) ? emit.end() : emit.halt(exit.cause)))),
      Effect.forkScoped
    )
  )
