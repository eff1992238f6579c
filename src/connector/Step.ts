import type { Duration, Effect, Schedule } from "effect"
import type { ConnectorError } from "../Errors.ts"
import type { StepContext, StepRef } from "./StepContext.ts"

/**
 * What a step's program returns: an Effect, or a Promise (an `async` function). Its value is the step's
 * output, which the steps that depend on it read with `ctx.prior.output(step)`.
 */
export type StepResult<O, R> = Effect.Effect<O, ConnectorError, R> | PromiseLike<O>

/** A step's collection program: emits through the context, fails with a typed `ConnectorError` (or throws). */
export type StepRun<C, R = never, O = unknown> = (ctx: StepContext<C>) => StepResult<O, R>

/** When a step runs: `when(config)` false disables it, reported `disabled` with `reason`. */
export interface StepCondition<C> {
  readonly when: (config: C) => boolean
  readonly reason: string | ((config: C) => string)
}

/** One unit of collection in a connector: an id, its dependencies and its program (DESIGN §5). */
export interface Step<C = unknown, R = never, O = unknown> {
  readonly id: string
  readonly description: string
  readonly dependsOn: ReadonlyArray<string>
  readonly entityTypes: ReadonlyArray<string>
  readonly relationshipVerbs: ReadonlyArray<string>
  readonly timeout: Duration.DurationInput | undefined
  readonly retry: Schedule.Schedule<unknown, ConnectorError> | undefined
  /** Disables the step by config (its rows are kept, its dependents do not run); none: always enabled. */
  readonly enabled: StepCondition<C> | undefined
  readonly run: StepRun<C, R, O>
}

/** What the builder collects before `.run` finishes the step. */
type StepOptions<C> = Omit<Step<C>, "id" | "description" | "run">

/**
 * Builds a step; `.run(fn)` finishes it. `C` is the connector's config type: the `step` that
 * `Connector.make({ steps: (step) => [...] })` hands out knows it, so `ctx.config` is typed.
 */
export class StepBuilder<C = unknown> {
  constructor(
    readonly id: string,
    readonly description: string,
    private readonly options: StepOptions<C> = {
      dependsOn: [],
      entityTypes: [],
      relationshipVerbs: [],
      timeout: undefined,
      retry: undefined,
      enabled: undefined
    }
  ) {}

  private with(patch: Partial<StepOptions<C>>): StepBuilder<C> {
    return new StepBuilder(this.id, this.description, { ...this.options, ...patch })
  }

  /** Steps that must finish before this one starts (ids, or the steps themselves); read them through `ctx.prior`. */
  dependsOn(...steps: ReadonlyArray<string | StepRef<unknown>>): StepBuilder<C> {
    const ids = steps.map((dependency) => (typeof dependency === "string" ? dependency : dependency.id))
    return this.with({ dependsOn: [...this.options.dependsOn, ...ids] })
  }

  /** Declares the entity types this step emits (shown by `plan`). */
  entities(...types: ReadonlyArray<string>): StepBuilder<C> {
    return this.with({ entityTypes: [...this.options.entityTypes, ...types] })
  }

  /** Declares the relationship verbs this step emits (shown by `plan`). */
  relationships(...verbs: ReadonlyArray<string>): StepBuilder<C> {
    return this.with({ relationshipVerbs: [...this.options.relationshipVerbs, ...verbs] })
  }

  /** Fails the step with `Timeout` when it runs longer than `duration` (each attempt). */
  timeout(duration: Duration.DurationInput): StepBuilder<C> {
    return this.with({ timeout: duration })
  }

  /**
   * Retries the whole step (its staged output discarded first) by `schedule` when it fails with a
   * retryable error (`RateLimited`, `ApiError` with `retryable`). A `RateLimited` error's retry-after is
   * always honoured. The default is three jittered exponential retries from 200 ms.
   */
  retry(schedule: Schedule.Schedule<unknown, ConnectorError>): StepBuilder<C> {
    return this.with({ retry: schedule })
  }

  /**
   * Runs the step only when `when(config)` holds. Otherwise it is reported `disabled` with `reason`, the
   * rows it owned are kept as they were (as for a skipped step: C07) and the steps that depend on it are
   * disabled too. A step made into a no-op by config would instead succeed with nothing, and lose its rows.
   *
   * @example
   * step("audit-logs", "Audit logs").enabledWhen((config) => config.auditLogs, "auditLogs is off")
   */
  enabledWhen(when: (config: C) => boolean, reason: string | ((config: C) => string)): StepBuilder<C> {
    return this.with({ enabled: { when, reason } })
  }

  /**
   * Finishes the step with its program: a function of the step's context returning an Effect or a
   * Promise (an `async` function). What it returns is the step's output.
   */
  run<O = void, R = never, Ctx extends C = C>(run: (ctx: StepContext<Ctx>) => StepResult<O, R>): Step<Ctx, R, O> {
    return { id: this.id, description: this.description, ...(this.options as StepOptions<Ctx>), run }
  }
}

/** Starts a step whose context has config `C` (what `Connector.make`'s `steps: (step) => [...]` receives). */
export type StepFactory<C> = (id: string, description: string) => StepBuilder<C>

/**
 * Starts a step. Inside `Connector.make({ config, steps: (step) => [...] })` use the `step` given there:
 * it types `ctx.config` from the config schema.
 *
 * @example
 * step("services", "Collect services").dependsOn("hosts").run((ctx) =>
 *   ctx.emitEntity(entity("service", "nginx").class("Service")))
 */
export const step = (id: string, description: string): StepBuilder => new StepBuilder(id, description)
