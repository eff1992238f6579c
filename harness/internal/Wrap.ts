import { Effect, Schedule } from "effect"
import fc from "fast-check"
import {
  ApiError,
  AuthFailed,
  awaitable,
  type Connector,
  type DuplicateKey,
  entity,
  type Step,
  type StepContext,
  stepEffect,
  type Timeout,
  ValidationFailed
} from "parallax-connect"

/**
 * What the harness does to one step: nothing; fail it before or after it emitted; make it hang past a
 * timeout; or make its first attempt emit, plus a probe entity, then fail with a retryable error (the
 * retry must succeed as if the first attempt never happened).
 */
export type StepFault = "none" | "fail-before" | "fail-after" | "timeout" | "flaky"

/** The entity type a flaky step's failed first attempt emits; it must never reach the store. */
export const PROBE_TYPE = "parallax_harness_probe"

/** Whether a fault makes the step end without succeeding. */
export const isFailing = (fault: StepFault | undefined): boolean =>
  fault !== undefined && fault !== "none" && fault !== "flaky"

/** One fault per step, in the connector's declaration order. */
export type FaultPlan = ReadonlyArray<StepFault>

/** How one run is scheduled: concurrency, the order steps are declared in, delays before steps and emits. */
export interface RunSchedule {
  readonly concurrency: number
  /** A sort key per step: steps are declared in increasing key order (ties keep the original order). */
  readonly order: ReadonlyArray<number>
  /** Milliseconds each step waits before it starts. */
  readonly delays: ReadonlyArray<number>
  /** How many times each step yields to other fibers before each emit. */
  readonly yields: ReadonlyArray<number>
  /** Per step: 0 keeps its emission order, any other value shuffles its emits with that seed. */
  readonly shuffles: ReadonlyArray<number>
}

// biome-ignore lint/suspicious/noExplicitAny: wrapping works on connectors of any config and service type
type AnyConnector = Connector<any, any>
// biome-ignore lint/suspicious/noExplicitAny: see above
type AnyStep = Step<any, any>

/** An arbitrary fault plan for `steps` steps; shrinks towards no faults. */
export const faultPlan = (steps: number): fc.Arbitrary<FaultPlan> =>
  fc.array(fc.constantFrom<StepFault>("none", "fail-before", "fail-after", "timeout", "flaky"), {
    minLength: steps,
    maxLength: steps
  })

/** An arbitrary schedule for `steps` steps; shrinks towards sequential declaration order without delays. */
export const schedule = (steps: number): fc.Arbitrary<RunSchedule> => {
  const perStep = (max: number) => fc.array(fc.nat(max), { minLength: steps, maxLength: steps })
  return fc.record({
    concurrency: fc.integer({ min: 1, max: 8 }),
    order: perStep(100),
    delays: perStep(4),
    yields: perStep(3),
    shuffles: perStep(1000)
  })
}

const TIMEOUT_MS = 25

/** The error an injected failure raises: a non-retryable API error, so no retry hides it. */
export const injectedFailure = (stepId: string) =>
  new ApiError({ service: "parallax-harness", reason: `injected failure in step "${stepId}"`, retryable: false })

const faulty = (step: AnyStep, fault: StepFault): AnyStep => {
  switch (fault) {
    case "none":
      return step
    case "fail-before":
      return { ...step, run: () => Effect.fail(injectedFailure(step.id)) }
    case "fail-after":
      return { ...step, run: (ctx) => Effect.zipRight(stepEffect(step, ctx), Effect.fail(injectedFailure(step.id))) }
    case "flaky": {
      const attempted = new Set<string>()
      return {
        ...step,
        retry: Schedule.recurs(2),
        run: (ctx) =>
          Effect.suspend(() => {
            if (attempted.has(ctx.syncId)) return stepEffect(step, ctx)
            attempted.add(ctx.syncId)
            return stepEffect(step, ctx).pipe(
              Effect.zipRight(ctx.emitEntity(entity(PROBE_TYPE, step.id).class("Host"))),
              Effect.zipRight(
                Effect.fail(
                  new ApiError({
                    service: "parallax-harness",
                    reason: `injected transient failure in "${step.id}"`,
                    retryable: true
                  })
                )
              )
            )
          })
      }
    }
    case "timeout":
      return {
        ...step,
        timeout: `${TIMEOUT_MS} millis`,
        run: (ctx) => Effect.zipRight(stepEffect(step, ctx), Effect.never)
      }
  }
}

/** The connector with `plan` injected around its own steps. */
export const withFaults = (connector: AnyConnector, plan: FaultPlan): AnyConnector => ({
  ...connector,
  steps: connector.steps.map((step, index) => faulty(step, plan[index] ?? "none"))
})

/** The connector with every step emitting nothing (a source that is empty). */
export const emptied = (connector: AnyConnector): AnyConnector => ({
  ...connector,
  steps: connector.steps.map((step) => ({ ...step, run: () => Effect.void }))
})

/** Why the harness disables a step. */
export const HARNESS_DISABLED = "disabled by the harness"

/** The connector with the steps `mask` marks disabled by config, as `enabledWhen` would. */
export const disabling = (connector: AnyConnector, mask: ReadonlyArray<boolean>): AnyConnector => ({
  ...connector,
  steps: connector.steps.map((step, index) =>
    mask[index] ? { ...step, enabled: { when: () => false, reason: HARNESS_DISABLED } } : step
  )
})

/** The connector with discovery refusing the credentials, so nothing is collected. */
export const failingDiscovery = (connector: AnyConnector): AnyConnector => ({
  ...connector,
  discover: () => Effect.fail(new AuthFailed({ service: "parallax-harness", reason: "injected discovery failure" }))
})

const yielding = (ctx: StepContext<unknown>, times: number): StepContext<unknown> => {
  if (times === 0) return ctx
  const pause = Effect.forEach(Array.from({ length: times }), () => Effect.yieldNow(), { discard: true })
  return {
    ...ctx,
    emitEntity: (builder) => awaitable(Effect.zipRight(pause, ctx.emitEntity(builder))),
    emitRelationship: (builder) => awaitable(Effect.zipRight(pause, ctx.emitRelationship(builder)))
  }
}

/** A deterministic shuffle of `items` from `seed` (a small linear congruential generator). */
const shuffle = <A>(items: ReadonlyArray<A>, seed: number): ReadonlyArray<A> => {
  const out = [...items]
  let state = seed >>> 0 || 1
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    const j = state % (i + 1)
    ;[out[i], out[j]] = [out[j] as A, out[i] as A]
  }
  return out
}

/**
 * A context whose emits are validated at once (so the step sees the record and any validation error
 * where it emitted) but staged only when the step's program ends, in an order shuffled by `seed`.
 */
const reordering = (ctx: StepContext<unknown>, seed: number) => {
  const staged: Array<Effect.Effect<unknown, ValidationFailed | DuplicateKey | Timeout>> = []
  /** Validated now (the step sees the record or the error), staged at the end. */
  const deferred = <A>(
    record: () => A | ValidationFailed,
    stage: () => Effect.Effect<unknown, ValidationFailed | DuplicateKey | Timeout>
  ) =>
    awaitable(
      Effect.suspend(() => {
        const validated = record()
        if (validated instanceof ValidationFailed) return Effect.fail(validated)
        staged.push(stage())
        return Effect.succeed(validated)
      })
    )
  const context: StepContext<unknown> = {
    ...ctx,
    emitEntity: (builder) =>
      deferred(
        () => builder.toRecord(ctx.account),
        () => ctx.emitEntity(builder)
      ),
    emitRelationship: (builder) =>
      deferred(
        () => builder.toRecord(ctx.account),
        () => ctx.emitRelationship(builder)
      )
  }
  return {
    context,
    flush: Effect.suspend(() => Effect.forEach(shuffle(staged, seed), (emit) => emit, { discard: true }))
  }
}

/** The connector run under `plan`: steps re-declared in another order, delayed, yielding before emits, emits shuffled. */
export const scheduled = (connector: AnyConnector, plan: RunSchedule): AnyConnector => {
  const steps = connector.steps.map((step, index): [AnyStep, number] => {
    const delay = plan.delays[index] ?? 0
    const yields = plan.yields[index] ?? 0
    const seed = plan.shuffles[index] ?? 0
    const body: AnyStep["run"] =
      seed === 0
        ? (ctx) => stepEffect(step, yielding(ctx, yields))
        : (ctx) =>
            Effect.suspend(() => {
              const { context, flush } = reordering(yielding(ctx, yields), seed)
              return Effect.tap(stepEffect(step, context), () => flush)
            })
    const run: AnyStep["run"] = (ctx) =>
      Effect.zipRight(delay === 0 ? Effect.yieldNow() : Effect.sleep(delay), stepEffect({ ...step, run: body }, ctx))
    return [{ ...step, run }, plan.order[index] ?? 0]
  })
  const ordered = steps
    .map(([step, key], index) => ({ step, key, index }))
    .sort((a, b) => a.key - b.key || a.index - b.index)
    .map(({ step }) => step)
  return { ...connector, steps: ordered }
}

/** A canonical schedule: one step at a time, in declaration order, no delays. */
export const sequential = (steps: number): RunSchedule => ({
  concurrency: 1,
  order: Array.from({ length: steps }, () => 0),
  delays: Array.from({ length: steps }, () => 0),
  yields: Array.from({ length: steps }, () => 0),
  shuffles: Array.from({ length: steps }, () => 0)
})

/** The ids of the steps that depend, directly or not, on one of `roots`. */
export const dependents = (connector: AnyConnector, roots: ReadonlySet<string>): ReadonlySet<string> => {
  const reached = new Set<string>()
  let grew = true
  while (grew) {
    grew = false
    for (const step of connector.steps) {
      if (reached.has(step.id)) continue
      if (step.dependsOn.some((dependency) => roots.has(dependency) || reached.has(dependency))) {
        reached.add(step.id)
        grew = true
      }
    }
  }
  return reached
}

/** A readable fault plan: only the steps with a fault. */
export const describePlan = (connector: AnyConnector, plan: FaultPlan): string => {
  const faults = connector.steps.flatMap((step, index) => {
    const fault = plan[index] ?? "none"
    return fault === "none" ? [] : [`${step.id}: ${fault}`]
  })
  return faults.length === 0 ? "(no step faults)" : faults.join("\n")
}

/** A readable schedule. */
export const describeSchedule = (connector: AnyConnector, plan: RunSchedule): string => {
  const order = scheduled(connector, plan).steps.map((step) => step.id)
  const timing = connector.steps
    .map(
      (step, index) => `${step.id}: delay ${plan.delays[index] ?? 0} ms, ${plan.yields[index] ?? 0} yield(s) per emit`
    )
    .join("\n")
  return `concurrency ${plan.concurrency}, steps declared as [${order.join(", ")}]\n${timing}`
}
