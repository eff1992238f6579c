import type { Effect } from "effect"
import type { DuplicateKey, Timeout, ValidationFailed } from "../Errors.ts"
import type { EntityBuilder } from "../model/Entity.ts"
import type { EntityRecord, RelationshipRecord } from "../model/Records.ts"
import type { RelationshipBuilder } from "../model/Relationship.ts"

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
}

/** A step's own counts so far in this attempt. */
export interface StepCounts {
  readonly entities: number
  readonly relationships: number
}

/** A logger annotated with the connector, account and step. */
export interface StepLogger {
  readonly debug: (message: string, ...rest: ReadonlyArray<unknown>) => Effect.Effect<void>
  readonly info: (message: string, ...rest: ReadonlyArray<unknown>) => Effect.Effect<void>
  readonly warn: (message: string, ...rest: ReadonlyArray<unknown>) => Effect.Effect<void>
  readonly error: (message: string, ...rest: ReadonlyArray<unknown>) => Effect.Effect<void>
}

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
  readonly emitEntity: (entity: EntityBuilder) => Effect.Effect<EntityRecord, ValidationFailed | DuplicateKey | Timeout>
  /** Validates, identifies and stages one relationship; the staged record is returned. */
  readonly emitRelationship: (
    relationship: RelationshipBuilder
  ) => Effect.Effect<RelationshipRecord, ValidationFailed | DuplicateKey | Timeout>
  readonly prior: Prior
  readonly log: StepLogger
  /** Entities and relationships this step has emitted so far. */
  readonly counts: () => StepCounts
}
