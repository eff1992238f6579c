import type { StepOutcome } from "../model/Events.ts"
import type { SyncStats, SyncStatus } from "../model/Outcome.ts"

/**
 * What the store's reads return (DESIGN §3, §6): scopes, the merged graph (an entity or relationship
 * asserted by several scopes is one item with every source), run records and the logical dump.
 */

/** A connector instance: the unit that owns rows. */
export interface ScopeRef {
  readonly connector: string
  readonly account: string
}

/** Where a stored row came from. */
export interface Source {
  readonly connector: string
  readonly account: string
  readonly step: string
  /** The scope's generation that last created or changed the row. */
  readonly generation: number
}

/** An entity of the merged graph: content from its first source (by connector, then account), and every source. */
export interface GraphEntity {
  readonly id: string
  readonly type: string
  readonly key: string
  readonly class: string
  readonly displayName: string
  readonly properties: Readonly<Record<string, unknown>>
  readonly sources: ReadonlyArray<Source>
}

/** A relationship of the merged graph; both endpoints exist in some scope (dangling edges are never returned). */
export interface GraphRelationship {
  readonly id: string
  readonly verb: string
  readonly fromId: string
  readonly fromType: string
  readonly fromKey: string
  readonly toId: string
  readonly toType: string
  readonly toKey: string
  readonly toAccount?: string
  readonly key?: string
  readonly properties: Readonly<Record<string, unknown>>
  readonly sources: ReadonlyArray<Source>
}

/** One item of the streamed export: every entity first, then every relationship. */
export type GraphItem =
  | ({ readonly _tag: "Entity" } & GraphEntity)
  | ({ readonly _tag: "Relationship" } & GraphRelationship)

/** Filters for graph reads; `limit` caps the number of merged items returned. */
export interface EntityFilter {
  readonly type?: string
  readonly connector?: string
  readonly account?: string
  readonly limit?: number
}

export interface RelationshipFilter {
  readonly verb?: string
  readonly connector?: string
  readonly account?: string
  readonly limit?: number
}

export interface HistoryFilter {
  readonly connector?: string
  readonly account?: string
  readonly limit?: number
}

/** A scope with its current generation and row counts (relationships: those whose endpoints both exist). */
export interface ScopeSummary extends ScopeRef {
  readonly generation: number
  readonly entities: number
  readonly relationships: number
  readonly lastSyncAt?: Date
  readonly lastStatus?: SyncStatus
}

/** Rows of one type (entity type or relationship verb) in one scope. */
export interface TypeCount extends ScopeRef {
  readonly kind: "entity" | "relationship"
  readonly type: string
  readonly count: number
}

/** Counts by scope and by type. */
export interface StoreStats {
  readonly scopes: ReadonlyArray<ScopeSummary>
  readonly types: ReadonlyArray<TypeCount>
}

/** One step's outcome as recorded in the history (errors as their messages). */
export interface RunStep {
  readonly id: string
  readonly status: StepOutcome["status"]
  readonly entities: number
  readonly relationships: number
  /** Identical re-emits, kept once (see `StepOutcome.duplicates`). */
  readonly duplicates: number
  readonly attempts: number
  readonly durationMs: number
  readonly error?: string
  readonly skippedBecause?: string
}

/** One recorded run of a scope (every run, failed ones too), newest first in `history`. */
export interface RunRecord extends ScopeRef {
  readonly syncId: string
  readonly generation: number
  readonly status: SyncStatus
  readonly stats: SyncStats
  readonly steps: ReadonlyArray<RunStep>
  readonly startedAt: Date
  readonly finishedAt: Date
  /** Why a failed run failed. */
  readonly error?: string
}

/** One stored row in the logical dump. `firstSeenAt` is the only field that depends on wall-clock time. */
export interface DumpRow {
  readonly kind: "entity" | "relationship"
  readonly connector: string
  readonly account: string
  readonly id: string
  readonly step: string
  readonly hash: string
  readonly generation: number
  readonly firstSeenAt: number
  /** Every content column (type, key, class, displayName, properties as stored; endpoints for relationships). */
  readonly content: Readonly<Record<string, unknown>>
}

/** Every row of every scope, the scopes and the runs, in a deterministic order (for tests and the harness). */
export interface StoreDump {
  readonly scopes: ReadonlyArray<ScopeRef & { readonly generation: number }>
  readonly rows: ReadonlyArray<DumpRow>
  readonly runs: ReadonlyArray<RunRecord>
}
