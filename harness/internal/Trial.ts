import { Cause, Duration, Effect, Exit, Layer, Logger, LogLevel, type Scope } from "effect"
import type fc from "fast-check"
import type { Connector, ConnectorError, EventSink, SyncEvent } from "parallax-connect"
import type { HarnessBackend, SyncOutcome, TrialStore } from "../Backend.ts"
import { canonical } from "./Dump.ts"

/** Everything a property needs to know about the connector under test. */
export interface Target<S> {
  // biome-ignore lint/suspicious/noExplicitAny: the harness checks connectors of any config and service type
  readonly connector: Connector<any, any>
  readonly sources: fc.Arbitrary<S> | undefined
  readonly configFor: (source: S | undefined) => unknown
  // biome-ignore lint/suspicious/noExplicitAny: the connector's own services
  readonly layerFor: ((source: S | undefined) => Layer.Layer<any, ConnectorError> | undefined) | undefined
  readonly account: string
  readonly otherAccounts: ReadonlyArray<string>
  readonly concurrency: number
  readonly syncTimeout: Duration.Duration
  readonly backend: HarnessBackend
}

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

/** One sync of `connector` into `store`, bounded by the target's sync timeout. */
export const syncOnce = <S>(
  target: Target<S>,
  store: TrialStore,
  options: {
    // biome-ignore lint/suspicious/noExplicitAny: the connector (possibly wrapped) under test
    readonly connector?: Connector<any, any>
    readonly source: S | undefined
    readonly account?: string
    readonly concurrency?: number
    readonly config?: unknown
    readonly onEvent?: EventSink
    readonly beforeWrite?: (index: number) => void
  }
): Effect.Effect<SyncOutcome, Violation> => {
  const own = sourceOptions(target, options.source)
  return store
    .sync(options.connector ?? target.connector, {
      account: options.account ?? target.account,
      config: options.config ?? own.config,
      layer: own.layer,
      concurrency: options.concurrency ?? target.concurrency,
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
      })
    )
}

/** Fails with a violation unless the sync committed; returns its result. */
export const committed = (outcome: SyncOutcome, what: string) =>
  outcome._tag === "Committed"
    ? Effect.succeed(outcome.result)
    : Effect.fail(
        new Violation(
          `${what} did not complete: ${outcome.message}`,
          outcome.message.includes("ReferentialIntegrity") || outcome.message.includes("point at entities")
            ? [
                "a step emits relationships to entities that another step emits without depending on it:",
                "declare the dependency (dependsOn) so that its relationships wait for, and fail with, that step"
              ]
            : []
        )
      )

/** Runs one trial: a fresh store, the body, everything closed; a violation becomes a thrown error for fast-check. */
export const runTrial = <S>(
  target: Target<S>,
  body: (open: Effect.Effect<TrialStore, never, Scope.Scope>) => Effect.Effect<void, Violation, Scope.Scope>
): Promise<void> =>
  Effect.runPromiseExit(capturingLogs(Effect.scoped(body(target.backend.open)), [])).then((exit) => {
    if (Exit.isSuccess(exit)) return
    const failure = Cause.failureOption(exit.cause)
    if (failure._tag === "Some") throw failure.value
    const defect = Cause.dieOption(exit.cause)
    if (defect._tag === "Some" && defect.value instanceof Violation) throw defect.value
    throw new Violation("the trial crashed", Cause.pretty(exit.cause).split("\n").slice(0, 12))
  })

/** Fails the trial with a violation. */
export const violate = (summary: string, details: ReadonlyArray<string> = []): Effect.Effect<never, Violation> =>
  Effect.fail(new Violation(summary, details))
