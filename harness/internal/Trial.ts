import { Cause, Duration, Effect, Exit, Layer, Logger, LogLevel, type Scope } from "effect"
import type fc from "fast-check"
import type { Connector, ConnectorError, EventSink, SyncEvent } from "parallax-connect"
import type { HarnessBackend, SyncOutcome, TrialStore } from "../Backend.ts"
import { unrecordedRequestIn } from "../HttpFixtures.ts"
import { canonical } from "./Dump.ts"
import { integrityHint, missingEndpoints } from "./Integrity.ts"
import { recordingTargets, seedTargets, type TargetRegistry } from "./Targets.ts"

// biome-ignore lint/suspicious/noExplicitAny: the harness checks connectors of any config and service type
type AnyConnector = Connector<any, any>

/** Everything a property needs to know about the connector under test. */
export interface Target<S> {
  readonly connector: AnyConnector
  /** A fresh instance of the connector (its module imported anew), when the caller can make one. */
  readonly load: (() => Promise<AnyConnector>) | undefined
  readonly sources: fc.Arbitrary<S> | undefined
  readonly configFor: (source: S | undefined) => unknown
  // biome-ignore lint/suspicious/noExplicitAny: the connector's own services
  readonly layerFor: ((source: S | undefined) => Layer.Layer<any, ConnectorError> | undefined) | undefined
  readonly account: string
  readonly otherAccounts: ReadonlyArray<string>
  readonly concurrency: number
  readonly syncTimeout: Duration.Duration
  readonly backend: HarnessBackend
  /** The `.toAccount` targets learnt so far; every trial store is seeded with them. */
  readonly targets: TargetRegistry
}

/** A case that could not check the invariant (nothing to compare), with why. */
export interface Skip {
  readonly _tag: "Skip"
  readonly reason: string
}

/** What one case found, when it found no violation: checked, or skipped. */
// biome-ignore lint/suspicious/noConfusingVoidType: a case body that checked everything simply returns
export type Verdict = Skip | void

/** Ends a case without checking anything; the report counts it as not compared. */
export const skip = (reason: string): Effect.Effect<Skip> => Effect.succeed({ _tag: "Skip", reason })

/** A broken invariant: what was expected, what happened, with the rows or steps that show it. */
export class Violation extends Error {
  constructor(
    readonly summary: string,
    readonly details: ReadonlyArray<string> = []
  ) {
    super([summary, ...details.map((line) => `  ${line}`)].join("\n"))
  }
}

/** What one sync produced besides its outcome: its events and everything logged while it ran. */
export interface Observed {
  readonly events: Array<SyncEvent>
  readonly logs: Array<string>
}

/** Renders any value the way a log line or an error message would carry it (Redacted stays redacted). */
export const render = (value: unknown): string => {
  if (typeof value === "string") return value
  if (value instanceof Error) return `${value.name}: ${value.message} ${safeJson(value)}`
  return safeJson(value)
}

const safeJson = (value: unknown): string => {
  try {
    return canonical(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/** Runs `effect` with every log line captured into `logs` (and nothing printed). */
export const capturingLogs = <A, E, R>(effect: Effect.Effect<A, E, R>, logs: Array<string>) =>
  effect.pipe(
    Effect.provide(
      Layer.merge(
        Logger.replace(
          Logger.defaultLogger,
          Logger.make(({ message, annotations, cause, spans }) => {
            logs.push(
              [render(message), ...[...annotations].map(([k, v]) => `${k}=${render(v)}`), Cause.pretty(cause)]
                .concat([...spans].map((span) => span.label))
                .join(" ")
            )
          })
        ),
        Logger.minimumLogLevel(LogLevel.All)
      )
    )
  )

/** The connector's own options for one source state. */
export const sourceOptions = <S>(target: Target<S>, source: S | undefined) => ({
  config: target.configFor(source),
  layer: target.layerFor?.(source)
})

/** One sync of `connector` into `store`, bounded by the target's sync timeout; `.toAccount` targets are learnt. */
export const syncOnce = <S>(
  target: Target<S>,
  store: TrialStore,
  options: {
    readonly connector?: AnyConnector
    readonly source: S | undefined
    readonly account?: string
    readonly concurrency?: number
    readonly config?: unknown
    readonly steps?: ReadonlyArray<string>
    readonly onEvent?: EventSink
    readonly beforeWrite?: (index: number) => void
  }
): Effect.Effect<SyncOutcome, Violation> => {
  const own = sourceOptions(target, options.source)
  return store
    .sync(recordingTargets(options.connector ?? target.connector, target.targets), {
      account: options.account ?? target.account,
      config: options.config ?? own.config,
      layer: own.layer,
      concurrency: options.concurrency ?? target.concurrency,
      steps: options.steps,
      onEvent: options.onEvent,
      beforeWrite: options.beforeWrite
    })
    .pipe(
      Effect.timeoutFail({
        duration: target.syncTimeout,
        onTimeout: () =>
          new Violation(`a sync did not finish within ${Duration.format(target.syncTimeout)}`, [
            "a step waits for something that never comes (a hidden dependency on another step?)"
          ])
      }),
      Effect.flatMap((outcome) => {
        // A request a replayed HTTP fixture does not hold is a broken test set-up, whatever the property.
        const errors = outcome._tag === "Committed" ? outcome.result.steps.map((step) => step.error) : [outcome.error]
        const unrecorded = errors.map(unrecordedRequestIn).find((error) => error !== undefined)
        return unrecorded === undefined
          ? Effect.succeed(outcome)
          : Effect.fail(new Violation("a request is missing from the replayed HTTP fixture", [unrecorded.message]))
      })
    )
}

/**
 * Fails with a violation unless the sync committed; returns its result. `faults`: step faults were
 * injected. Without them, a step that failed for an edge whose endpoint is nowhere (C04) is the
 * connector's bug, and fails the property too.
 */
export const committed = (outcome: SyncOutcome, what: string, faults = false) => {
  if (outcome._tag !== "Committed") return Effect.fail(new Violation(`${what} did not complete: ${outcome.message}`))
  const missing = faults ? [] : missingEndpoints(outcome.result.steps)
  return missing.length === 0
    ? Effect.succeed(outcome.result)
    : Effect.fail(
        new Violation(`${what}: ${missing.map((step) => step.error?.message).join("; ")}`, [
          ...integrityHint(outcome.result.steps, false)
        ])
      )
}

/**
 * A fresh instance of the connector when the target can load one (its module imported anew, so module
 * state starts empty), else the shared one.
 */
export const freshInstance = <S>(target: Target<S>): Effect.Effect<AnyConnector, Violation> =>
  target.load === undefined
    ? Effect.succeed(target.connector)
    : Effect.flatMap(
        Effect.tryPromise({
          try: () => target.load?.() ?? Promise.resolve(target.connector),
          catch: (error) => new Violation("load() could not make a fresh instance of the connector", [String(error)])
        }),
        (fresh) =>
          fresh.name === target.connector.name
            ? Effect.succeed(fresh)
            : violate(`load() gave connector "${fresh.name}", not a fresh instance of "${target.connector.name}"`)
      )

/** How many times a trial is rerun after it learnt new `.toAccount` targets. */
const RERUNS = 3

/**
 * Runs one trial: fresh stores (seeded with the known `.toAccount` targets), the body, everything closed;
 * a violation becomes a thrown error for fast-check. A trial that failed after learning new targets is
 * run again with them seeded, so that a verdict never depends on targets the store did not hold.
 */
export const runTrial = async <S>(
  target: Target<S>,
  body: (
    open: Effect.Effect<TrialStore, never, Scope.Scope>,
    trial: Target<S>
  ) => Effect.Effect<Verdict, Violation, Scope.Scope>
): Promise<Verdict> => {
  for (let attempt = 0; ; attempt++) {
    const learnt = target.targets.size
    const seeds = target.targets.list()
    const open = Effect.tap(target.backend.open, (store) => seedTargets(store, seeds))
    const trial = Effect.map(freshInstance(target), (connector): Target<S> => ({ ...target, connector }))
    const exit = await Effect.runPromiseExit(
      capturingLogs(Effect.scoped(Effect.flatMap(trial, (fresh) => body(open, fresh))), [])
    )
    if (Exit.isSuccess(exit)) return exit.value
    if (target.targets.size > learnt && attempt < RERUNS) continue
    const failure = Cause.failureOption(exit.cause)
    if (failure._tag === "Some") throw failure.value
    const defect = Cause.dieOption(exit.cause)
    if (defect._tag === "Some" && defect.value instanceof Violation) throw defect.value
    throw new Violation("the trial crashed", Cause.pretty(exit.cause).split("\n").slice(0, 12))
  }
}

/** Fails the trial with a violation. */
export const violate = (summary: string, details: ReadonlyArray<string> = []): Effect.Effect<never, Violation> =>
  Effect.fail(new Violation(summary, details))
