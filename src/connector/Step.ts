import type { Duration, Effect, Schedule } from "effect"
import type { ConnectorError } from "../model/Errors.ts"
import { TYPE_PATTERN, VERB_PATTERN } from "../model/Validate.ts"
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

/**
 * An entity a step declares it emits: its type and class.
 *
 * @example
 * step("hosts", "Collect hosts").entities({ type: "aws_ec2_instance", class: "Host" })
 */
export interface EntityDeclaration {
  readonly type: string
  readonly class: string
}

/**
 * A relationship a step declares it emits: the type of its source, its verb and the type of its target.
 *
 * @example
 * step("services", "Collect services").relationships({ from: "host", verb: "RUNS", to: "service" })
 */
export interface RelationshipDeclaration {
  readonly from: string
  readonly verb: string
  readonly to: string
}

/**
 * One unit of collection in a connector: an id, its dependencies, what it declares it emits and its
 * program (DESIGN §5). A step that declares anything has every emit checked against its declarations
 * (an undeclared type, class or edge shape is a warning, an error under `strict`); a step that declares
 * nothing is not checked.
 */
export interface Step<C = unknown, R = never, O = unknown> {
  readonly id: string
  readonly description: string
  readonly dependsOn: ReadonlyArray<string>
  readonly entities: ReadonlyArray<EntityDeclaration>
  readonly relationships: ReadonlyArray<RelationshipDeclaration>
  readonly timeout: Duration.DurationInput | undefined
  readonly retry: Schedule.Schedule<unknown, ConnectorError> | undefined
  /** Disables the step by config (its rows are kept, its dependents do not run); none: always enabled. */
  readonly enabled: StepCondition<C> | undefined
  readonly run: StepRun<C, R, O>
}

/** What the builder collects before `.run` finishes the step. */
type StepOptions<C> = Omit<Step<C>, "id" | "description" | "run">

/** `declarations` with `more` appended, each once, in the order first given. */
const appended = <A>(declarations: ReadonlyArray<A>, more: ReadonlyArray<A>, key: (a: A) => string) => {
  const seen = new Set(declarations.map(key))
  const out = [...declarations]
  for (const declaration of more) {
    if (seen.has(key(declaration))) continue
    seen.add(key(declaration))
    out.push(declaration)
  }
  return out
}

const checkEntity = (stepId: string, declaration: EntityDeclaration): EntityDeclaration => {
  if (typeof declaration?.type !== "string" || !TYPE_PATTERN.test(declaration.type)) {
    throw new TypeError(`step "${stepId}" declares entity type "${declaration?.type}", which is not snake_case`)
  }
  if (typeof declaration.class !== "string" || declaration.class.length === 0) {
    throw new TypeError(`step "${stepId}" declares entity type "${declaration.type}" without a class`)
  }
  return { type: declaration.type, class: declaration.class }
}

const checkRelationship = (stepId: string, declaration: RelationshipDeclaration): RelationshipDeclaration => {
  for (const end of ["from", "to"] as const) {
    if (typeof declaration?.[end] !== "string" || !TYPE_PATTERN.test(declaration[end])) {
      throw new TypeError(
        `step "${stepId}" declares a relationship whose "${end}" type "${declaration?.[end]}" is not snake_case`
      )
    }
  }
  if (typeof declaration.verb !== "string" || !VERB_PATTERN.test(declaration.verb)) {
    throw new TypeError(`step "${stepId}" declares relationship verb "${declaration.verb}", not UPPER_SNAKE_CASE`)
  }
  return { from: declaration.from, verb: declaration.verb, to: declaration.to }
}

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
      entities: [],
      relationships: [],
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

  /**
   * Declares the entities this step emits, each a type with its class. Shown by `plan` and
   * `parallax document`; a sync warns about (under `--strict`: rejects) an entity of a type, or a class
   * for its type, that the step did not declare. Throws on a type that is not snake_case.
   *
   * @example
   * step("hosts", "Collect hosts").entities({ type: "host", class: "Host" })
   */
  entities(...declarations: ReadonlyArray<EntityDeclaration>): StepBuilder<C> {
    const checked = declarations.map((declaration) => checkEntity(this.id, declaration))
    return this.with({
      entities: appended(this.options.entities, checked, (d) => `${d.type}\u0000${d.class}`)
    })
  }

  /**
   * Declares the relationships this step emits, each by the types of its ends and its verb. Shown by
   * `plan` and `parallax document`; a sync warns about (under `--strict`: rejects) an edge of another
   * shape. Throws on a type that is not snake_case or a verb that is not UPPER_SNAKE_CASE.
   *
   * @example
   * step("services", "Collect services").relationships({ from: "host", verb: "RUNS", to: "service" })
   */
  relationships(...declarations: ReadonlyArray<RelationshipDeclaration>): StepBuilder<C> {
    const checked = declarations.map((declaration) => checkRelationship(this.id, declaration))
    return this.with({
      relationships: appended(this.options.relationships, checked, (d) => `${d.from}\u0000${d.verb}\u0000${d.to}`)
    })
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
 * step("services", "Collect services")
 *   .dependsOn("hosts")
 *   .entities({ type: "service", class: "Service" })
 *   .relationships({ from: "host", verb: "RUNS", to: "service" })
 *   .run((ctx) => ctx.emitEntity(entity("service", "nginx").class("Service")))
 */
export const step = (id: string, description: string): StepBuilder => new StepBuilder(id, description)
