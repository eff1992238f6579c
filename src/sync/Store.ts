import type { Effect, Scope, Stream } from "effect"
import { Context } from "effect"
import type { StepOutcome } from "../model/Events.ts"
import type { Staging } from "../scheduler/Staging.ts"
import type { SyncPreview, SyncStats, SyncStatus } from "../model/Outcome.ts"
import type { MassDeletion, ReferentialIntegrity, ScopeLocked, StoreFailure } from "./StoreErrors.ts"

export * from "./StoreErrors.ts"

/**
 * The graph store port (DESIGN §6). Adapters: SQLite (`src/store/sqlite/SqliteStore.ts`, the embedded
 * default) and, later, PostgreSQL. Every dialect-specific statement lives in the adapter; this module
 * holds only the contract, shared by every adapter and proven by `test/store/StoreContract.ts`.
 *
 * A sync talks to the store through a {@link SyncSession}: `begin` takes the scope's lock (waiting up to
 * `lockTimeoutMs`, then `ScopeLocked`), hands out an on-disk {@link Staging} that the scheduler streams
 * emitted objects into, and `commit` validates, diffs set-wise by content hash and applies the change set
 * with the run record in one transaction. Closing the session's scope releases the lock and drops the
 * staged data.
 *
 * A read-only session (`begin(scope, { readOnly: true })`, what a dry run uses) writes nothing to the
 * store: it takes no lock (it neither waits for another sync of the scope nor makes one wait), applies
 * no migration, still stages on disk, and its `commit` only computes the change set (`dryRun` must be
 * set) against a consistent snapshot of the committed rows. A store whose schema is older than the
 * adapter's is refused (`StoreError` caused by {@link SchemaTooOld}): computing against it would need
 * the migrations it cannot apply.
 *
 * Errors: `StoreError` for an unexpected failure of the database; `NotADatabase` when the file turns out
 * to be corrupt (SQLite reports corrupt pages only when an operation reads them, so any operation may
 * fail with it, not only opening the store).
 *
 * Fault injection (tests and the harness): adapters accept `faults.beforeWrite(index)`, called before
 * each write statement of a commit with its 0-based index within that commit: 0 bumps the scope's
 * generation (creating the scope), then, for entities and then relationships, the delete, update and
 * insert statements that have work to do (the change set is applied set-wise, one statement each), then
 * whatever bookkeeping the adapter keeps (SQLite: its per-step checksums), then the run record and one
 * insert per step outcome. Recording a failed run (`recordFailure`) goes through
 * the same hook, its writes numbered from 0 again: the generation, the run record, one insert per step
 * outcome. Throwing from it aborts that transaction: the store must be exactly as before (C01). After a
 * failed commit, `sync` records the failed run, so a transient fault leaves exactly one `failed` run. The SQLite adapter also takes a `mutant` (a deliberate bug) so
 * that property tests and the harness can prove they catch it.
 *
 * Deletion (C07): a commit replaces the rows of every step that succeeded (or that the connector no
 * longer has) with what it staged; rows of steps that failed, timed out or were skipped stay as they
 * were. Rows of other scopes are never touched (C02).
 *
 * @example
 * const stats = yield* Store.pipe(Effect.flatMap((store) => store.stats()))
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

/** The mass-deletion guard (C13): refuse a commit deleting more than `maxShare` of a scope's rows. */
export interface MassDeletionPolicy {
  /** Largest share (0..1) of the scope's committed rows one sync may delete; default 0.5. */
  readonly maxShare: number
  /** Scopes with fewer committed rows than this are never guarded; default 20. */
  readonly minRows: number
  /** Commit anyway. */
  readonly force: boolean
}

export const defaultMassDeletion: MassDeletionPolicy = { maxShare: 0.5, minRows: 20, force: false }

/** What `SyncSession.commit` needs besides the staged objects. */
export interface CommitRequest {
  readonly syncId: string
  readonly status: SyncStatus
  readonly steps: ReadonlyArray<StepOutcome>
  readonly startedAt: Date
  /** Compute and return the change set, write nothing (no run record, no generation). */
  readonly dryRun: boolean
  readonly massDeletion: MassDeletionPolicy
}

/** What a commit did (or, in a dry run, would do). */
export interface CommitOutcome {
  /** The generation written (for a dry run: the one a real commit would have written). */
  readonly generation: number
  readonly stats: SyncStats
  readonly finishedAt: Date
  /** A dry run only: a bounded sample of the rows it would create, update and delete. */
  readonly preview?: SyncPreview
}

/** A run that ended before anything could be committed: recorded in the history, rows untouched. */
export interface FailedRun {
  readonly syncId: string
  readonly steps: ReadonlyArray<StepOutcome>
  readonly startedAt: Date
  readonly error: string
}

/** One sync of one scope, holding the scope's lock until its scope closes (a read-only session holds none). */
export interface SyncSession {
  readonly scope: ScopeRef
  /** Whether this session only computes dry runs (see `begin`). */
  readonly readOnly: boolean
  /** On-disk staging: the scheduler streams emitted objects into it; memory stays bounded. */
  readonly staging: Staging
  /**
   * Validates the staged batch, diffs it and applies it with the run record in one transaction; with
   * `dryRun`, only computes it (with a preview). A read-only session dies on a request that is not a dry run.
   */
  readonly commit: (
    request: CommitRequest
  ) => Effect.Effect<CommitOutcome, ReferentialIntegrity | MassDeletion | StoreFailure>
  /** Records a failed run (its generation is returned); no row is touched. A read-only session dies on it. */
  readonly recordFailure: (run: FailedRun) => Effect.Effect<number, StoreFailure>
}

/** The store. */
export interface StoreService {
  /** The database this store reads and writes, for messages (`./parallax.db`). */
  readonly location: string
  /**
   * Starts a sync of `scope`: takes its lock and opens staging. Waits up to `lockTimeoutMs` in all, for
   * another sync of the scope as for another connection's write transaction, then fails with `ScopeLocked`.
   * With `readOnly`, takes no lock and writes nothing (see the module's notes): for dry runs.
   */
  readonly begin: (
    scope: ScopeRef,
    options?: { readonly lockTimeoutMs?: number; readonly readOnly?: boolean }
  ) => Effect.Effect<SyncSession, ScopeLocked | StoreFailure, Scope.Scope>
  /** Counts by scope and by type, of what the graph reads return: an edge whose endpoint is gone is not counted. */
  readonly stats: () => Effect.Effect<StoreStats, StoreFailure>
  /** Merged entities, ordered by id. */
  readonly entities: (filter?: EntityFilter) => Effect.Effect<ReadonlyArray<GraphEntity>, StoreFailure>
  /** Merged relationships whose endpoints both exist, ordered by id. */
  readonly relationships: (filter?: RelationshipFilter) => Effect.Effect<ReadonlyArray<GraphRelationship>, StoreFailure>
  /** Recorded runs, newest first. */
  readonly history: (filter?: HistoryFilter) => Effect.Effect<ReadonlyArray<RunRecord>, StoreFailure>
  /** The merged graph, streamed with bounded memory: every entity, then every relationship. */
  readonly exportGraph: () => Stream.Stream<GraphItem, StoreFailure>
  /** The logical dump (deterministic order) for tests and the harness. */
  readonly dump: () => Effect.Effect<StoreDump, StoreFailure>
}

/** The graph store port. */
export class Store extends Context.Tag("parallax/Store")<Store, StoreService>() {}
