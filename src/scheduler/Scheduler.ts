import { Cause, Deferred, Duration, Effect, Schedule } from "effect"
import { asConnectorError, crashed } from "../connector/Failure.ts"
import { maskSecrets } from "../connector/Secrets.ts"
import type { Step } from "../connector/Step.ts"
import {
  type ConnectorError,
  ConnectorFailed,
  isConnectorError,
  isRetryable,
  StagingFailed,
  Timeout,
  ValidationFailed
} from "../model/Errors.ts"
import {
  type EventSink,
  type NotRunStatus,
  STEP_PROGRESS_INTERVAL_MS,
  type StepOutcome,
  type StepStatus
} from "../model/Events.ts"
import type { ValidationWarning } from "../model/Records.ts"
import { type Counts, makeAttempt, type RunEnvironment } from "./Attempt.ts"
import { declarationCheck } from "./Declarations.ts"
import { responsive } from "./Responsive.ts"
import { selection } from "./Selection.ts"
import type { Staging } from "./Staging.ts"

/** The default retry policy: three jittered exponential retries from 200 ms. */
export const defaultRetry: Schedule.Schedule<unknown, ConnectorError> = Schedule.exponential("200 millis").pipe(
  Schedule.jittered,
  Schedule.intersect(Schedule.recurs(3))
)

/** How long a step's attempt may run when neither the step nor the run sets a timeout. */
export const DEFAULT_STEP_TIMEOUT: Duration.Duration = Duration.hours(1)

export interface SchedulerOptions<C> {
  readonly connector: string
  readonly account: string
  readonly syncId: string
  readonly config: C
  readonly staging: Staging
  /** How many steps may run at once (default 4). */
  readonly concurrency?: number
  /** Unknown classes and verbs, and objects a step did not declare, fail the emit instead of warning. */
  readonly strict?: boolean
  /** Each attempt of a step that sets no `.timeout()` of its own fails with `Timeout` after this (default 1 hour). */
  readonly stepTimeout?: Duration.DurationInput
  /** Only these steps and the steps they depend on run; the others are `not_selected`. None: every step. */
  readonly steps?: ReadonlyArray<string>
  readonly onEvent?: EventSink
  readonly onWarning?: (warning: ValidationWarning) => void
}

const elapsed = (start: number): number => Math.round(performance.now() - start)

const notRun = (id: string, status: NotRunStatus, because: string): StepOutcome => ({
  id,
  status,
  entities: 0,
  relationships: 0,
  duplicates: 0,
  attempts: 0,
  durationMs: 0,
  skippedBecause: because
})

const dependencyNote = (dependency: string, status: StepStatus): string =>
  `dependency "${dependency}" ${status === "skipped" ? "was skipped" : status === "timed_out" ? "timed out" : status === "disabled" ? "is disabled" : "failed"}`

/**
 * Runs a connector's steps as a dependency DAG (DESIGN §5): a step starts once all its dependencies
 * have finished, up to `concurrency` at once. A failed step never stops independent steps; the steps
 * that depend on it are skipped. A step disabled by config (`enabledWhen`) does not run, nor do the
 * steps that depend on it; with `steps`, only those and their dependencies run. Returns every step's
 * outcome in declaration order; never fails. A step's output is kept for its dependents for this run only.
 */
export const runSteps = <C, R>(
  steps: ReadonlyArray<Step<C, R>>,
  options: SchedulerOptions<C>
): Effect.Effect<ReadonlyArray<StepOutcome>, never, R> =>
  Effect.gen(function* () {
    const emit = options.onEvent ?? (() => {})
    const bound = options.concurrency ?? 4
    const permits = Number.isNaN(bound) ? 4 : Math.max(1, Math.floor(Math.min(bound, steps.length)))
    const semaphore = yield* Effect.makeSemaphore(permits)
    const done = new Map<string, Deferred.Deferred<StepStatus>>()
    for (const step of steps) done.set(step.id, yield* Deferred.make<StepStatus>())
    const selected = selection(steps, options.steps)
    const clock = yield* Effect.clock
    const secrets = maskSecrets(options.config)
    const warn = options.onWarning ?? (() => {})
    const limitOf = (step: Step<C, R>): Duration.Duration =>
      Duration.decode(step.timeout ?? options.stepTimeout ?? DEFAULT_STEP_TIMEOUT)
    const timedOut = (step: Step<C, R>) => new Timeout({ step: step.id, afterMs: Duration.toMillis(limitOf(step)) })
    const env: RunEnvironment<C> = {
      connector: options.connector,
      account: options.account,
      syncId: options.syncId,
      config: options.config,
      staging: options.staging,
      remark: (stepId, subject, message) => {
        if (options.strict) return new ValidationFailed({ subject, reason: `${message} (strict mode)` })
        warn({ step: stepId, subject, message })
        return undefined
      },
      declared: new Map(steps.map((step) => [step.id, declarationCheck(step)] as const)),
      clock,
      timedOut,
      steps,
      outputs: new Map(),
      progress: (stepId, counts, now) => {
        counts.progressAt = now + STEP_PROGRESS_INTERVAL_MS
        emit({ _tag: "StepProgress", step: stepId, entities: counts.entities, relationships: counts.relationships })
      }
    }

    const attempt = (step: Step<C, R>, counts: Counts, number: number) =>
      Effect.suspend(() => {
        const limit = limitOf(step)
        counts.entities = 0
        counts.relationships = 0
        counts.duplicates = 0
        counts.deadline = clock.unsafeCurrentTimeMillis() + Duration.toMillis(limit)
        counts.progressAt = clock.unsafeCurrentTimeMillis() + STEP_PROGRESS_INTERVAL_MS
        emit({ _tag: "StepStarted", step: step.id, attempt: number })
        const run = makeAttempt(env, step, counts).program.pipe(
          // A thrown ConnectorError (an `async` step's, or a defect) keeps its tag, so RateLimited is retried.
          // A failed staging is the whole sync's failure, not this step's: it goes on as a defect.
          Effect.catchAllDefect((defect) =>
            defect instanceof StagingFailed
              ? Effect.die(defect)
              : Effect.fail(isConnectorError(defect) ? defect : crashed(defect, `step "${step.id}"`))
          ),
          // A step that interrupts itself fails alone (C06); the run's own interruption is not caught here.
          Effect.catchAllCause((cause) =>
            Cause.isInterruptedOnly(cause)
              ? Effect.fail(new ConnectorFailed({ reason: `step "${step.id}" interrupted itself` }))
              : Effect.failCause(cause)
          ),
          // What leaves the step says what went wrong, and never a secret of the config (C12).
          Effect.mapError((error) => secrets.value(asConnectorError(error, `step "${step.id}"`))),
          (effect) => secrets.logging(effect)
        )
        // The timer interrupts an attempt where it waits or yields; an attempt that ran past its limit in
        // synchronous work the timer could not interrupt fails all the same, and what it staged is discarded.
        return run.pipe(
          Effect.timeoutFail({ duration: limit, onTimeout: () => timedOut(step) }),
          Effect.zipLeft(
            Effect.suspend(() =>
              clock.unsafeCurrentTimeMillis() > counts.deadline ? Effect.fail(timedOut(step)) : Effect.void
            )
          )
        )
      }).pipe(Effect.tapError(() => Effect.sync(() => options.staging.discardStep(step.id))))

    const retrying = (step: Step<C, R>) => {
      let attempts = 0
      let lastError: ConnectorError | undefined
      const retryAfter = Schedule.identity<ConnectorError>().pipe(
        Schedule.intersect(step.retry ?? defaultRetry),
        Schedule.modifyDelay(([error], delay) =>
          error._tag === "RateLimited" ? Duration.max(delay, Duration.millis(error.retryAfterMs)) : delay
        ),
        Schedule.whileInput((error: ConnectorError) => isRetryable(error)),
        Schedule.delays,
        Schedule.tapInput((error: ConnectorError) => Effect.sync(() => (lastError = error))),
        Schedule.onDecision((delay, decision) =>
          Effect.sync(() => {
            if (lastError !== undefined && decision._tag === "Continue") {
              emit({
                _tag: "StepRetrying",
                step: step.id,
                attempt: attempts,
                delayMs: Math.round(Duration.toMillis(delay)),
                error: lastError
              })
            }
          })
        )
      )
      const counts: Counts = {
        entities: 0,
        relationships: 0,
        duplicates: 0,
        deadline: Number.POSITIVE_INFINITY,
        progressAt: Number.POSITIVE_INFINITY
      }
      return {
        counts,
        attempts: () => attempts,
        run: Effect.suspend(() => attempt(step, counts, ++attempts)).pipe(Effect.retry(retryAfter))
      }
    }

    /** Whether the step is enabled by config; a predicate that throws fails the step. */
    const disabledBecause = (step: Step<C, R>): string | undefined | ConnectorFailed => {
      const condition = step.enabled
      if (condition === undefined) return undefined
      try {
        if (condition.when(options.config)) return undefined
        return typeof condition.reason === "function" ? condition.reason(options.config) : condition.reason
      } catch (defect) {
        return new ConnectorFailed({
          reason: `step "${step.id}": enabledWhen crashed: ${String(defect)}`,
          cause: defect
        })
      }
    }

    const skip = (id: string, status: NotRunStatus, because: string) =>
      Effect.sync(() => {
        emit({ _tag: "StepSkipped", step: id, status, because })
        return notRun(id, status, because)
      })

    const execute = (step: Step<C, R>) =>
      semaphore.withPermits(1)(
        Effect.gen(function* () {
          const start = performance.now()
          const running = retrying(step)
          const exit = yield* Effect.either(running.run)
          const durationMs = elapsed(start)
          const { entities, relationships, duplicates } = running.counts
          if (exit._tag === "Right") {
            env.outputs.set(step.id, exit.right)
            emit({ _tag: "StepCompleted", step: step.id, entities, relationships, durationMs })
            return {
              id: step.id,
              status: "succeeded",
              entities,
              relationships,
              duplicates,
              attempts: running.attempts(),
              durationMs
            } satisfies StepOutcome
          }
          return failed(step.id, exit.left, running.attempts(), durationMs)
        })
      )

    const failed = (id: string, error: ConnectorError, attempts: number, durationMs: number): StepOutcome => {
      emit({ _tag: "StepFailed", step: id, error, durationMs })
      return {
        id,
        status: error._tag === "Timeout" ? "timed_out" : "failed",
        entities: 0,
        relationships: 0,
        duplicates: 0,
        attempts,
        durationMs,
        error
      }
    }

    const runOne = (step: Step<C, R>) =>
      Effect.gen(function* () {
        if (!selected.has(step.id)) {
          return yield* skip(step.id, "not_selected", `not selected (${[...(options.steps ?? [])].join(", ")})`)
        }
        const disabled = disabledBecause(step)
        if (disabled instanceof ConnectorFailed) return failed(step.id, disabled, 0, 0)
        if (disabled !== undefined) return yield* skip(step.id, "disabled", disabled)
        for (const dependency of step.dependsOn) {
          const status = yield* Deferred.await(done.get(dependency) as Deferred.Deferred<StepStatus>)
          if (status !== "succeeded") {
            return yield* skip(
              step.id,
              status === "disabled" ? "disabled" : "skipped",
              dependencyNote(dependency, status)
            )
          }
        }
        return yield* execute(step)
      }).pipe(
        Effect.tap((outcome) => Deferred.succeed(done.get(step.id) as Deferred.Deferred<StepStatus>, outcome.status)),
        Effect.onInterrupt(() => Deferred.interrupt(done.get(step.id) as Deferred.Deferred<StepStatus>))
      )

    return yield* Effect.forEach(steps, runOne, { concurrency: "unbounded" })
  }).pipe(responsive)
