import { Cause, Deferred, Duration, Effect, Schedule } from "effect"
import { asConnectorError, crashed } from "../connector/Failure.ts"
import { maskSecrets } from "../connector/Secrets.ts"
import type { Step } from "../connector/Step.ts"
import type { Prior, StepContext, StepLogger } from "../connector/StepContext.ts"
import {
  type ConnectorError,
  ConnectorFailed,
  DuplicateKey,
  isRetryable,
  Timeout,
  ValidationFailed
} from "../Errors.ts"
import type { EntityBuilder } from "../model/Entity.ts"
import { entityId } from "../model/Ids.ts"
import type { Staged, ValidationWarning } from "../model/Records.ts"
import type { RelationshipBuilder } from "../model/Relationship.ts"
import { ENTITY_CLASSES, RELATIONSHIP_VERBS } from "../model/Vocabulary.ts"
import type { StageResult, Staging } from "../sync/Staging.ts"
import { ancestors } from "./Dag.ts"
import { declarationCheck } from "./Declarations.ts"
import type { EventSink, StepOutcome, StepStatus } from "./Events.ts"
import { responsive } from "./Responsive.ts"

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
  readonly onEvent?: EventSink
  readonly onWarning?: (warning: ValidationWarning) => void
}

/**
 * What a step staged in its current attempt; `duplicates` counts identical re-emits (kept once).
 * `deadline` (in the `Clock`'s milliseconds) is when the attempt times out.
 */
interface Counts {
  entities: number
  relationships: number
  duplicates: number
  deadline: number
}

const elapsed = (start: number): number => Math.round(performance.now() - start)

const makeLogger = (annotations: Record<string, string>): StepLogger => {
  const at =
    (log: (...message: ReadonlyArray<unknown>) => Effect.Effect<void>) =>
    (message: string, ...rest: ReadonlyArray<unknown>) =>
      log(message, ...rest).pipe(Effect.annotateLogs(annotations))
  return {
    debug: at(Effect.logDebug),
    info: at(Effect.logInfo),
    warn: at(Effect.logWarning),
    error: at(Effect.logError)
  }
}

/**
 * Runs a connector's steps as a dependency DAG (DESIGN §5): a step starts once all its dependencies
 * have finished, up to `concurrency` at once. A failed step never stops independent steps; the steps
 * that depend on it are skipped. Returns every step's outcome in declaration order; never fails.
 */
export const runSteps = <C, R>(
  steps: ReadonlyArray<Step<C, R>>,
  options: SchedulerOptions<C>
): Effect.Effect<ReadonlyArray<StepOutcome>, never, R> =>
  Effect.gen(function* () {
    const { connector, account, syncId, config, staging } = options
    const emit = options.onEvent ?? (() => {})
    const warn = options.onWarning ?? (() => {})
    const bound = options.concurrency ?? 4
    const permits = Number.isNaN(bound) ? 4 : Math.max(1, Math.floor(Math.min(bound, steps.length)))
    const semaphore = yield* Effect.makeSemaphore(permits)
    const clock = yield* Effect.clock
    const secrets = maskSecrets(config)
    const done = new Map<string, Deferred.Deferred<StepStatus>>()
    for (const step of steps) done.set(step.id, yield* Deferred.make<StepStatus>())

    /** A warning about an emitted object, or under `strict` the failure of its emit. */
    const remark = (stepId: string, subject: string, message: string) => {
      if (options.strict) return new ValidationFailed({ subject, reason: `${message} (strict mode)` })
      warn({ step: stepId, subject, message })
      return undefined
    }
    const declared = new Map(steps.map((step) => [step.id, declarationCheck(step)] as const))

    const context = (step: Step<C, R>, counts: Counts): StepContext<C> => {
      const visible = ancestors(steps, step.id)
      const check = declared.get(step.id)
      /** Validates, identifies and stages one emitted object (the hot path: one suspended effect each). */
      const stage = <A extends { readonly id: string }>(
        builder: { readonly subject: string; toStaged(account: string): Staged<A> | ValidationFailed },
        unknownOf: (record: A) => string | undefined,
        undeclaredOf: ((record: A) => string | undefined) | undefined,
        put: (record: A, json: string) => StageResult,
        added: () => void
      ): Effect.Effect<A, ValidationFailed | DuplicateKey | Timeout> =>
        Effect.suspend((): Effect.Effect<A, ValidationFailed | DuplicateKey | Timeout> => {
          // A step that emits past its deadline fails at once, even in a loop that never waits.
          if (clock.unsafeCurrentTimeMillis() > counts.deadline) return Effect.fail(timedOut(step))
          const staged = builder.toStaged(account)
          if (staged instanceof ValidationFailed) return Effect.fail(staged)
          const record = staged.record
          const unknown = unknownOf(record)
          if (unknown !== undefined) {
            const failure = remark(step.id, builder.subject, `unknown ${unknown}`)
            if (failure) return Effect.fail(failure)
          }
          const undeclared = undeclaredOf?.(record)
          if (undeclared !== undefined) {
            const failure = remark(step.id, builder.subject, undeclared)
            if (failure) return Effect.fail(failure)
          }
          const result = put(record, staged.json)
          if (result._tag === "Conflict") {
            return Effect.fail(
              new DuplicateKey({ subject: builder.subject, id: record.id, step: step.id, firstStep: result.firstStep })
            )
          }
          if (result._tag === "Added") added()
          else counts.duplicates++
          return Effect.succeed(record)
        })
      const prior: Prior = {
        entities: (type) => staging.entitiesOf(visible, type),
        entity: (type, key) => staging.entityById(visible, entityId(account, type, key)),
        hasEntity: (type, key) => staging.hasEntity(visible, entityId(account, type, key)),
        relationships: (verb) => staging.relationshipsOf(visible, verb)
      }
      return {
        connector,
        account,
        syncId,
        stepId: step.id,
        config,
        prior,
        log: makeLogger({ connector, account, step: step.id }),
        counts: () => ({ entities: counts.entities, relationships: counts.relationships }),
        emitEntity: (builder: EntityBuilder) =>
          stage(
            builder,
            (record) => (ENTITY_CLASSES.has(record.class) ? undefined : `class "${record.class}"`),
            check?.entity,
            (record, json) => staging.putEntity(step.id, record, json),
            () => counts.entities++
          ),
        emitRelationship: (builder: RelationshipBuilder) =>
          stage(
            builder,
            (record) => (RELATIONSHIP_VERBS.has(record.verb) ? undefined : `verb "${record.verb}"`),
            check?.relationship,
            (record, json) => staging.putRelationship(step.id, record, json),
            () => counts.relationships++
          )
      }
    }

    const limitOf = (step: Step<C, R>): Duration.Duration =>
      Duration.decode(step.timeout ?? options.stepTimeout ?? DEFAULT_STEP_TIMEOUT)
    const timedOut = (step: Step<C, R>) => new Timeout({ step: step.id, afterMs: Duration.toMillis(limitOf(step)) })

    const attempt = (step: Step<C, R>, counts: Counts, number: number) => {
      const run = Effect.suspend(() => step.run(context(step, counts))).pipe(
        Effect.catchAllDefect((defect) => Effect.fail(crashed(defect, `step "${step.id}"`))),
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
      const limit = limitOf(step)
      const timed = run.pipe(
        Effect.timeoutFail({ duration: limit, onTimeout: () => timedOut(step) }),
        Effect.zipLeft(
          Effect.suspend(() =>
            clock.unsafeCurrentTimeMillis() > counts.deadline ? Effect.fail(timedOut(step)) : Effect.void
          )
        )
      )
      return Effect.zipRight(
        Effect.sync(() => {
          counts.entities = 0
          counts.relationships = 0
          counts.duplicates = 0
          counts.deadline = clock.unsafeCurrentTimeMillis() + Duration.toMillis(limit)
          emit({ _tag: "StepStarted", step: step.id, attempt: number })
        }),
        timed
      ).pipe(Effect.tapError(() => Effect.sync(() => staging.discardStep(step.id))))
    }

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
      const counts: Counts = { entities: 0, relationships: 0, duplicates: 0, deadline: Number.POSITIVE_INFINITY }
      return {
        counts,
        attempts: () => attempts,
        run: Effect.suspend(() => attempt(step, counts, ++attempts)).pipe(Effect.retry(retryAfter))
      }
    }

    const runOne = (step: Step<C, R>) =>
      Effect.gen(function* () {
        for (const dependency of step.dependsOn) {
          const status = yield* Deferred.await(done.get(dependency) as Deferred.Deferred<StepStatus>)
          if (status !== "succeeded") {
            const because = `dependency "${dependency}" ${status === "skipped" ? "was skipped" : status === "timed_out" ? "timed out" : "failed"}`
            emit({ _tag: "StepSkipped", step: step.id, because })
            return {
              id: step.id,
              status: "skipped",
              entities: 0,
              relationships: 0,
              duplicates: 0,
              attempts: 0,
              durationMs: 0,
              skippedBecause: because
            } satisfies StepOutcome
          }
        }
        return yield* semaphore.withPermits(1)(
          Effect.gen(function* () {
            const start = performance.now()
            const running = retrying(step)
            const exit = yield* Effect.either(running.run)
            const durationMs = elapsed(start)
            const { entities, relationships, duplicates } = running.counts
            if (exit._tag === "Right") {
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
            const error = exit.left
            emit({ _tag: "StepFailed", step: step.id, error, durationMs })
            return {
              id: step.id,
              status: error._tag === "Timeout" ? "timed_out" : "failed",
              entities: 0,
              relationships: 0,
              duplicates: 0,
              attempts: running.attempts(),
              durationMs,
              error
            } satisfies StepOutcome
          })
        )
      }).pipe(
        Effect.tap((outcome) => Deferred.succeed(done.get(step.id) as Deferred.Deferred<StepStatus>, outcome.status)),
        Effect.onInterrupt(() => Deferred.interrupt(done.get(step.id) as Deferred.Deferred<StepStatus>))
      )

    return yield* Effect.forEach(steps, runOne, { concurrency: "unbounded" })
  }).pipe(responsive)
