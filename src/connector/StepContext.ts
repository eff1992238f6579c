import type { Effect } from "effect"
import type { EntityBuilder } from "../model/Entity.ts"
import type { DuplicateKey, Timeout, ValidationFailed } from "../model/Errors.ts"
import type { EntityRecord, RelationshipRecord } from "../model/Records.ts"
import type { RelationshipBuilder } from "../model/Relationship.ts"
import type { Awaitable } from "./Awaitable.ts"

/** A step whose output can be read: anything with an id and a program producing `O`. */
export interface StepRef<O> {
  readonly id: string
  readonly run: (ctx: never) => Effect.Effect<O, unknown, unknown> | PromiseLike<O>
}

/**
 * Read access to what the step's dependencies (and their dependencies) emitted in this sync. Reads are
 * synchronous and lazy: `entities(type)` streams from staging rather than loading a whole type.
 * Only dependencies are visible, so a step's view never depends on how other steps were interleaved.
 */
export interface Prior {
  /** Entities of `type` emitted by the step's dependencies, in emission order. */
  readonly entities: (type: string) => Iterable<EntityRecord>
  /** One entity by `(type, key)` in the sync's account, if a dependency emitted it. */
  readonly entity: (type: string, key: string) => EntityRecord | undefined
  /** Whether a dependency emitted the entity `(type, key)`. */
  readonly hasEntity: (type: string, key: string) => boolean
  /** Relationships emitted by the step's dependencies, all or of one verb. */
  readonly relationships: (verb?: string) => Iterable<RelationshipRecord>
  /**
   * The value a dependency's program returned in this sync (its output): typed when given the step
   * itself, by the type argument when given its id. Reading a step that is not a dependency (direct or
   * not) fails the reading step. Outputs live for one sync only.
   *
   * @example
   * const regions = step("regions", "List regions").run(async () => ["eu-west-1", "us-east-1"])
   * step("instances", "Instances per region")
   *   .dependsOn(regions)
   *   .run(async (ctx) => {
   *     for (const region of ctx.prior.output(regions)) await listInstances(region)
   *   })
   */
  readonly output: {
    <O>(step: StepRef<O>): O
    <O = unknown>(stepId: string): O
  }
}

/** A step's own counts so far in this attempt. */
export interface StepCounts {
  readonly entities: number
  readonly relationships: number
}

/** A logger annotated with the connector, account and step; `yield*` or `await` each line. */
export interface StepLogger {
  readonly debug: (message: string, ...rest: ReadonlyArray<unknown>) => Awaitable<void>
  readonly info: (message: string, ...rest: ReadonlyArray<unknown>) => Awaitable<void>
  readonly warn: (message: string, ...rest: ReadonlyArray<unknown>) => Awaitable<void>
  readonly error: (message: string, ...rest: ReadonlyArray<unknown>) => Awaitable<void>
}

/** What an emit gives back: the staged record, or why it was refused; `yield*` it or `await` it. */
export type Emit<A> = Awaitable<A, ValidationFailed | DuplicateKey | Timeout>

/** What a step's program receives (DESIGN §5). */
export interface StepContext<C = unknown> {
  readonly connector: string
  readonly account: string
  readonly syncId: string
  readonly stepId: string
  /** The connector's decoded configuration (secrets as `Redacted`). */
  readonly config: C
  /**
   * Validates, identifies and stages one entity; the staged record is returned. Fails with `Timeout` once
   * the step has run past its timeout.
   */
  readonly emitEntity: (entity: EntityBuilder) => Emit<EntityRecord>
  /** Validates, identifies and stages one relationship; the staged record is returned. */
  readonly emitRelationship: (relationship: RelationshipBuilder) => Emit<RelationshipRecord>
  readonly prior: Prior
  readonly log: StepLogger
  /** Entities and relationships this step has emitted so far. */
  readonly counts: () => StepCounts
  /**
   * Aborted when this attempt of the step is stopped (its timeout, Ctrl-C, the sync interrupted): pass
   * it to `fetch` and other promise APIs in an `async` step. Effect programs are interrupted instead.
   */
  readonly signal: AbortSignal
}
