import type { Duration, Effect, Schedule } from "effect"
import type { ConnectorError } from "../Errors.ts"
import type { StepContext } from "./StepContext.ts"

/** A step's collection program: emits through the context, fails with a typed `ConnectorError`. */
export type StepRun<C, R> = (ctx: StepContext<C>) => Effect.Effect<void, ConnectorError, R>

/** One unit of collection in a connector: an id, its dependencies and its program (DESIGN §5). */
export interface Step<C = unknown, R = never> {
  readonly id: string
  readonly description: string
  readonly dependsOn: ReadonlyArray<string>
  readonly entityTypes: ReadonlyArray<string>
  readonly relationshipVerbs: ReadonlyArray<string>
  readonly timeout: Duration.DurationInput | undefined
  readonly retry: Schedule.Schedule<unknown, ConnectorError> | undefined
  readonly run: StepRun<C, R>
}

/** Builds a step; `.run(fn)` finishes it. */
export class StepBuilder {
  constructor(
    readonly id: string,
    readonly description: string,
    private readonly options: {
      readonly dependsOn: ReadonlyArray<string>
      readonly entityTypes: ReadonlyArray<string>
      readonly relationshipVerbs: ReadonlyArray<string>
      readonly timeout: Duration.DurationInput | undefined
      readonly retry: Schedule.Schedule<unknown, ConnectorError> | undefined
    } = { dependsOn: [], entityTypes: [], relationshipVerbs: [], timeout: undefined, retry: undefined }
  ) {}

  private with(patch: Partial<StepBuilder["options"]>): StepBuilder {
    return new StepBuilder(this.id, this.description, { ...this.options, ...patch })
  }

  /** Steps that must finish before this one starts; their output is readable through `ctx.prior`. */
  dependsOn(...stepIds: ReadonlyArray<string>): StepBuilder {
    return this.with({ dependsOn: [...this.options.dependsOn, ...stepIds] })
  }

  /** Declares the entity types this step emits (shown by `plan`). */
  entities(...types: ReadonlyArray<string>): StepBuilder {
    return this.with({ entityTypes: [...this.options.entityTypes, ...types] })
  }

  /** Declares the relationship verbs this step emits (shown by `plan`). */
  relationships(...verbs: ReadonlyArray<string>): StepBuilder {
    return this.with({ relationshipVerbs: [...this.options.relationshipVerbs, ...verbs] })
  }

  /** Fails the step with `Timeout` when it runs longer than `duration` (each attempt). */
  timeout(duration: Duration.DurationInput): StepBuilder {
    return this.with({ timeout: duration })
  }

  /**
   * Retries the whole step (its staged output discarded first) by `schedule` when it fails with a
   * retryable error (`RateLimited`, `ApiError` with `retryable`). A `RateLimited` error's retry-after is
   * always honoured. The default is three jittered exponential retries from 200 ms.
   */
  retry(schedule: Schedule.Schedule<unknown, ConnectorError>): StepBuilder {
    return this.with({ retry: schedule })
  }

  /** Finishes the step with its program. */
  run<C = unknown, R = never>(run: StepRun<C, R>): Step<C, R> {
    return { id: this.id, description: this.description, ...this.options, run }
  }
}

/**
 * Starts a step.
 *
 * @example
 * step("services", "Collect services").dependsOn("hosts").run((ctx) =>
 *   ctx.emitEntity(entity("service", "nginx").class("Service")))
 */
export const step = (id: string, description: string): StepBuilder => new StepBuilder(id, description)
