import type { EntityRecord, RelationshipRecord } from "../model/Records.ts"

/** What staging an object did: added, or an identical copy was already staged, or it clashes. */
export type StageResult =
  | { readonly _tag: "Added" }
  | { readonly _tag: "Identical" }
  | { readonly _tag: "Conflict"; readonly firstStep: string }

export const Added: StageResult = { _tag: "Added" }
export const Identical: StageResult = { _tag: "Identical" }

/**
 * Where emitted objects go during collection. Synchronous on purpose: emit is the hot path. The
 * in-memory adapter serves `runConnector`; the store's adapters stage on disk so memory stays bounded.
 *
 * An object emitted identically by two steps is staged once and owned by the step whose id sorts
 * first, so ownership never depends on interleaving.
 */
export interface Staging {
  /** Stages `record` for `step`; `json` is its canonical properties JSON when the caller has it. */
  readonly putEntity: (step: string, record: EntityRecord, json?: string) => StageResult
  readonly putRelationship: (step: string, record: RelationshipRecord, json?: string) => StageResult
  /** Forgets everything `step` staged (before a retry, or when it failed). */
  readonly discardStep: (step: string) => void
  readonly entitiesOf: (steps: ReadonlySet<string>, type: string) => Iterable<EntityRecord>
  readonly entityById: (steps: ReadonlySet<string>, id: string) => EntityRecord | undefined
  /** Whether `entityById` would find the entity, without reading its row. */
  readonly hasEntity: (steps: ReadonlySet<string>, id: string) => boolean
  readonly relationshipsOf: (steps: ReadonlySet<string>, verb: string | undefined) => Iterable<RelationshipRecord>
}
