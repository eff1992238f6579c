import { type Clock, Effect, Runtime } from "effect"
import { awaitable, SyncAwaitable } from "../connector/Awaitable.ts"
import { ancestors } from "../connector/Dag.ts"
import type { Step } from "../connector/Step.ts"
import type { Prior, StepContext, StepLogger, StepRef } from "../connector/StepContext.ts"
import { resultEffect } from "../connector/StepEffect.ts"
import type { EntityBuilder } from "../model/Entity.ts"
import { type ConnectorError, ConnectorFailed, DuplicateKey, type Timeout, ValidationFailed } from "../model/Errors.ts"
import { entityId } from "../model/Ids.ts"
import type { EntityRecord, JsonSlot, RelationshipRecord } from "../model/Records.ts"
import type { RelationshipBuilder } from "../model/Relationship.ts"
import { ENTITY_CLASSES, RELATIONSHIP_VERBS } from "../model/Vocabulary.ts"
import type { DeclarationCheck } from "./Declarations.ts"
import { turnDue } from "./Responsive.ts"
import type { StageResult, Staging } from "./Staging.ts"

/**
 * What a step staged in its current attempt; `duplicates` counts identical re-emits (kept once).
 * `deadline` (in the `Clock`'s milliseconds) is when the attempt times out.
 */
export interface Counts {
  entities: number
  relationships: number
  duplicates: number
  deadline: number
  /** When (in the `Clock`'s milliseconds) the counts are next sent as progress. */
  progressAt: number
}

/** An emitted object's builder, as staging reads it. */
interface Builder<A> {
  readonly subject: string
  stage(account: string, slot: JsonSlot): A | ValidationFailed
}

/** What every attempt of a run shares: where it stages, what it reads, how it logs. */
export interface RunEnvironment<C> {
  readonly connector: string
  readonly account: string
  readonly syncId: string
  readonly config: C
  readonly staging: Staging
  /** A warning about an emitted object, or under `strict` the failure of its emit. */
  readonly remark: (stepId: string, subject: string, message: string) => ValidationFailed | undefined
  /** What each step declared it emits, as checks (none: the step declares nothing). */
  readonly declared: ReadonlyMap<string, DeclarationCheck | undefined>
  readonly clock: Clock.Clock
  // biome-ignore lint/suspicious/noExplicitAny: any step of the run
  readonly timedOut: (step: Step<any, any>) => Timeout
  // biome-ignore lint/suspicious/noExplicitAny: only ids and dependencies are read
  readonly steps: ReadonlyArray<Step<any, any>>
  /** The outputs of the steps that succeeded in this run, by step id (never shared between runs). */
  readonly outputs: Map<string, unknown>
  /** Sends a running step's counts (`StepProgress`), called from its emits when `counts.progressAt` is due. */
  readonly progress: (stepId: string, counts: Counts, now: number) => void
}

/**
 * The emits and log lines an attempt made, and whether it still runs: emits of an attempt that was
 * stopped (an `async` step still running after its timeout) are refused, so nothing reaches staging
 * after its output was discarded.
 */
interface Ledger {
  made: number
  ran: number
  active: boolean
  /** The attempt's runtime once it runs: an awaited log line keeps the step's loggers (secrets masked), level and annotations. */
  runtime: Runtime.Runtime<never>
}

const makeLogger = (annotations: Record<string, string>, ledger: Ledger) => {
  const at =
    (log: (...message: ReadonlyArray<unknown>) => Effect.Effect<void>) =>
    (message: string, ...rest: ReadonlyArray<unknown>) => {
      ledger.made++
      let ran = false
      return awaitable(
        Effect.suspend(() => {
          if (!ran) {
            ran = true
            ledger.ran++
          }
          return log(message, ...rest).pipe(Effect.annotateLogs(annotations))
        }),
        ledger.runtime
      )
    }
  return {
    debug: at(Effect.logDebug),
    info: at(Effect.logInfo),
    warn: at(Effect.logWarning),
    error: at(Effect.logError)
  } satisfies StepLogger
}

/** One attempt of a step: its context and its program, as an Effect whatever the step's style. */
export const makeAttempt = <C, R, O>(env: RunEnvironment<C>, step: Step<C, R, O>, counts: Counts) => {
  const { account, staging } = env
  const ledger: Ledger = { made: 0, ran: 0, active: true, runtime: Runtime.defaultRuntime }
  const controller = new AbortController()
  const visible = ancestors(env.steps, step.id)
  const check = env.declared.get(step.id)

  /**
   * Validates, identifies and stages one emitted object (the hot path: synchronous, run when yielded or
   * awaited). Made once per kind of object, shared by every emit of the attempt.
   */
  const stager = <A extends { readonly id: string }, B extends Builder<A>>(
    unknownOf: (record: A) => string | undefined,
    undeclaredOf: ((record: A) => string | undefined) | undefined,
    put: (record: A, json: string) => StageResult,
    added: () => void
  ) => {
    /** The JSON of the record `stage` returned last (one slot per kind: made once, not per emit). */
    const slot: JsonSlot = { json: "" }
    const run = (builder: B, first: boolean): A | ValidationFailed | DuplicateKey | Timeout => {
      if (first) ledger.ran++
      if (!ledger.active) {
        throw new ConnectorFailed({ reason: `step "${step.id}" was stopped; it emitted ${builder.subject} too late` })
      }
      // A step that emits past its deadline fails at once, even in a loop that never waits.
      const now = env.clock.unsafeCurrentTimeMillis()
      if (now > counts.deadline) return env.timedOut(step)
      const record = builder.stage(account, slot)
      if (record instanceof ValidationFailed) return record
      const unknown = unknownOf(record)
      if (unknown !== undefined) {
        const failure = env.remark(step.id, builder.subject, `unknown ${unknown}`)
        if (failure) return failure
      }
      const undeclared = undeclaredOf?.(record)
      if (undeclared !== undefined) {
        const failure = env.remark(step.id, builder.subject, undeclared)
        if (failure) return failure
      }
      const result = put(record, slot.json)
      if (result._tag === "Conflict") {
        return new DuplicateKey({ subject: builder.subject, id: record.id, step: step.id, firstStep: result.firstStep })
      }
      if (result._tag === "Added") added()
      else counts.duplicates++
      if (now >= counts.progressAt) env.progress(step.id, counts, now)
      return record
    }
    return (builder: B) => {
      ledger.made++
      return new SyncAwaitable<B, A, ValidationFailed | DuplicateKey | Timeout>(run, builder, turnDue)
    }
  }
  // The last class and verb found known: a step emits one after another (a look-up in the set per emit costs).
  let knownClass: string | undefined
  let knownVerb: string | undefined
  const stageEntity = stager<EntityRecord, EntityBuilder>(
    (record) => {
      if (record.class === knownClass) return undefined
      if (!ENTITY_CLASSES.has(record.class)) return `class "${record.class}"`
      knownClass = record.class
      return undefined
    },
    check?.entity,
    (record, json) => staging.putEntity(step.id, record, json),
    () => counts.entities++
  )
  const stageRelationship = stager<RelationshipRecord, RelationshipBuilder>(
    (record) => {
      if (record.verb === knownVerb) return undefined
      if (!RELATIONSHIP_VERBS.has(record.verb)) return `verb "${record.verb}"`
      knownVerb = record.verb
      return undefined
    },
    check?.relationship,
    (record, json) => staging.putRelationship(step.id, record, json),
    () => counts.relationships++
  )

  const output = (ref: string | StepRef<unknown>) => {
    const id = typeof ref === "string" ? ref : ref.id
    if (!visible.has(id)) {
      throw new ConnectorFailed({
        reason: `step "${step.id}" reads the output of step "${id}", which it does not depend on (add .dependsOn("${id}"))`
      })
    }
    return env.outputs.get(id)
  }
  const prior: Prior = {
    entities: (type) => staging.entitiesOf(visible, type),
    entity: (type, key) => staging.entityById(visible, entityId(account, type, key)),
    hasEntity: (type, key) => staging.hasEntity(visible, entityId(account, type, key)),
    relationships: (verb) => staging.relationshipsOf(visible, verb),
    output: output as Prior["output"]
  }
  const context: StepContext<C> = {
    connector: env.connector,
    account,
    syncId: env.syncId,
    stepId: step.id,
    config: env.config,
    prior,
    log: makeLogger({ connector: env.connector, account, step: step.id }, ledger),
    counts: () => ({ entities: counts.entities, relationships: counts.relationships }),
    signal: controller.signal,
    emitEntity: stageEntity,
    emitRelationship: stageRelationship
  }

  /** An `async` step that resolved with emits or log lines it never awaited did not do what it says. */
  const unawaited = Effect.suspend(() => {
    const missed = ledger.made - ledger.ran
    return missed === 0
      ? Effect.void
      : Effect.fail(
          new ConnectorFailed({
            reason: `step "${step.id}" made ${missed} emit(s) or log line(s) it never awaited (write \`await ctx.emitEntity(...)\`)`
          })
        )
  })

  const program: Effect.Effect<O, ConnectorError, R> = Effect.flatMap(Effect.runtime<never>(), (runtime) => {
    ledger.runtime = runtime
    const { effect, promise } = resultEffect(step.id, step.run(context))
    return promise ? Effect.zipLeft(effect, unawaited) : effect
  }).pipe(
    Effect.onInterrupt(() => Effect.sync(() => controller.abort())),
    Effect.ensuring(Effect.sync(() => (ledger.active = false)))
  )
  return { context, program }
}
