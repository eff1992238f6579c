import type { Effect, Scope, Stream } from "effect"
import { Context } from "effect"
import type { EntityRef, RelationshipRef, SyncStats, SyncStatus } from "../model/Outcome.ts"
import type {
  EntityFilter,
  GraphEntity,
  GraphItem,
  GraphRelationship,
  HistoryFilter,
  RelationshipFilter,
  RunRecord,
  RunStep,
  ScopeRef,
  StoreDump,
  StoreStats
} from "./Graph.ts"
import type { ScopeLocked, StoreFailure } from "./StoreErrors.ts"
import type { Kind, Spill } from "./staging/Spill.ts"
import type { StepDigest } from "./staging/StepDigests.ts"

export * from "./Graph.ts"
export * from "./StoreErrors.ts"
export type { Kind } from "./staging/Spill.ts"

/**
 * The store port (DESIGN §6): a narrow **driver** that gives the commit core (`Commit.ts`) only what needs
 * a database. What a commit means (staging and ownership, the plans, C04, C07, C13, the preview, the run
 * record's content, the numbering of fault points) is written once, in the core; a driver speaks its
 * database. Drivers: SQLite (`src/store/sqlite`, the embedded default), memory (`src/store/memory`),
 * PostgreSQL. `test/store/StoreContract.ts` is the one suite every driver must pass.
 *
 * A sync of a scope is a **session** (`begin`), which serialises the scope's commits across processes
 * (SQLite: a lock row held for the session; PostgreSQL: an advisory lock taken first in each write
 * transaction). The core runs the whole plan-and-apply of a commit inside one `write` transaction: it
 * reads the scope's state and its committed rows (one pass, streamed), looks up the endpoints it could
 * not find among the staged rows, then applies the plan as a numbered sequence of set-wise writes with the
 * run record. The staged rows are in the core's spill, which the driver reads (the SQLite driver attaches
 * its file; others read its rows). A dry run takes a **read-only session** (`beginReadOnly`): the same
 * reads in a consistent snapshot, no lock, no migration, nothing written. It has no `write` at all.
 *
 * Errors: `StoreError` for an unexpected failure of the database; `NotADatabase` when it turns out
 * corrupt or not ours; `ScopeLocked` when the scope stayed locked for the whole wait.
 */

/** What the core reads of a scope before it plans a commit. */
export interface ScopeState {
  /** The scope's current generation; 0 when nothing was ever written for it. */
  readonly generation: number
  /** How many rows of each kind the scope holds. */
  readonly rows: readonly [number, number]
  /** The stored per-step checksums of each kind (see `StepDigests`). */
  readonly digests: readonly [ReadonlyMap<string, StepDigest>, ReadonlyMap<string, StepDigest>]
}

/** One committed row of the scope, as the diff reads it. */
export interface CommittedRow {
  readonly id: Uint8Array
  readonly hash: Uint8Array
  readonly step: string
  /** Relationships: whether both endpoints are rows of the same scope (then reads need not look them up). */
  readonly local: boolean
  /** Relationships: the endpoints (entities: the id again, unused). */
  readonly fromId: Uint8Array
  readonly toId: Uint8Array
}

/** The content of a run record (every run is recorded: committed, partial, or failed before committing). */
export interface RunContent {
  readonly syncId: string
  readonly status: SyncStatus
  readonly stats: SyncStats
  readonly startedAt: Date
  readonly finishedAt: Date
  /** Why a failed run failed. */
  readonly error: string | undefined
}

/**
 * One write of a commit, in the order the core issues them (their 0-based index is the fault point a
 * test's `beforeWrite` sees). Rows to insert or update are spill rows; a driver orders inserts by id.
 */
export type Write =
  /** Sets the scope's generation (creating the scope at 1). */
  | { readonly _tag: "Generation"; readonly generation: number }
  /** Deletes the scope's rows of `kind` with these ids. */
  | { readonly _tag: "Delete"; readonly kind: Kind; readonly ids: ReadonlyArray<Uint8Array> }
  /**
   * Replaces the scope's rows of `kind` with the staged rows at these spill rows (same ids); `"all"`:
   * every staged row (inserted into a scope that held none). Relationships at a spill row in `nonLocal`
   * are written not local; every other one local.
   */
  | {
      readonly _tag: "Update" | "Insert"
      readonly kind: Kind
      readonly rows: Uint32Array | "all"
      readonly nonLocal: ReadonlySet<number>
    }
  /** Marks the scope's relationships with these ids local, or not local. */
  | { readonly _tag: "Locality"; readonly ids: ReadonlyArray<Uint8Array>; readonly local: boolean }
  /** Sets the scope's stored per-step checksums to exactly these. */
  | {
      readonly _tag: "Digests"
      readonly digests: readonly [ReadonlyMap<string, StepDigest>, ReadonlyMap<string, StepDigest>]
    }
  /** Records the run under the generation set by this transaction's `Generation` write. */
  | { readonly _tag: "Run"; readonly run: RunContent }
  | { readonly _tag: "RunStep"; readonly ordinal: number; readonly step: RunStep }

/** No steps: `committed` with it as `skip` streams every row of the scope. */
export const NO_STEPS: ReadonlySet<string> = new Set()

/** What the core may do in a read transaction: a consistent snapshot of the store. */
export interface ReadTransaction {
  readonly state: Effect.Effect<ScopeState, StoreFailure>
  /**
   * The scope's committed rows of `kind`, in id order, but those owned by a step in `skip` (the steps
   * whose checksums show that this commit leaves their rows as they are): of those, only relationships
   * that are not local (the diff may make them local).
   */
  readonly committed: (kind: Kind, skip: ReadonlySet<string>) => Stream.Stream<CommittedRow, StoreFailure>
  /**
   * Of these entity ids, those that exist in another scope, or in this scope in a row owned by one of
   * `kept` (the steps whose rows this commit keeps): the endpoints outside the batch that C04 allows.
   */
  readonly existing: (
    ids: ReadonlyArray<Uint8Array>,
    kept: ReadonlySet<string>
  ) => Effect.Effect<ReadonlyArray<Uint8Array>, StoreFailure>
  /** The type and key (relationships: verb and endpoints) of the scope's rows with these ids, in that order. */
  readonly describe: (
    kind: Kind,
    ids: ReadonlyArray<Uint8Array>
  ) => Effect.Effect<ReadonlyArray<EntityRef | RelationshipRef>, StoreFailure>
}

/** A write transaction adds the writes. */
export interface WriteTransaction extends ReadTransaction {
  readonly write: (write: Write) => Effect.Effect<void, StoreFailure>
}

/** A dry run's session: reads only. */
export interface ReadSession {
  readonly scope: ScopeRef
  /** Runs `body` in a read transaction, with the sync's staged rows readable from `spill` (if any). */
  readonly read: <A, E>(
    spill: Spill | undefined,
    body: (tx: ReadTransaction) => Effect.Effect<A, E>
  ) => Effect.Effect<A, E | StoreFailure>
}

/** A sync's session: one transaction per commit (or failed run). */
export interface WriteSession extends ReadSession {
  /**
   * Runs `body` in one write transaction, committed when it succeeds and rolled back when it fails or is
   * interrupted. The scope is serialised first (`ScopeLocked` after the session's lock timeout).
   */
  readonly write: <A, E>(
    spill: Spill | undefined,
    body: (tx: WriteTransaction) => Effect.Effect<A, E>
  ) => Effect.Effect<A, E | StoreFailure | ScopeLocked>
}

export interface BeginOptions {
  /** How long to wait for another sync of the scope (SQLite default 60 s). */
  readonly lockTimeoutMs?: number
  /** Called once when the scope is busy and the session starts to wait, with who holds it. */
  readonly onLockWait?: (holder: string, timeoutMs: number) => void
}

/**
 * Deliberate bugs, for proving that the property tests and the harness catch them; never set outside
 * tests. The core plays the first five, every driver the last three:
 * - `delete-failed-steps`: rows of failed/skipped steps are deleted as if the step emitted nothing (C07).
 * - `delete-left-out-steps`: rows of steps disabled by config or not selected are deleted (C07), those of
 *   failed, timed-out and skipped steps kept.
 * - `rewrite-unchanged`: unchanged rows are rewritten with the new generation (C08, C11).
 * - `no-deletes`: nothing is ever deleted (C09).
 * - `stale-digest`: a diffed commit leaves the per-step checksums of the commit before, so a later sync
 *   that looks unchanged skips its diff wrongly (C09).
 * - `cross-scope-delete`: a delete is not restricted to the sync's scope (C02).
 * - `cross-scope-update`: an update is not restricted to the sync's scope (C02).
 * - `non-atomic`: every write is committed on its own (C01).
 */
export type Mutant =
  | "delete-failed-steps"
  | "delete-left-out-steps"
  | "rewrite-unchanged"
  | "no-deletes"
  | "stale-digest"
  | "cross-scope-delete"
  | "cross-scope-update"
  | "non-atomic"

/** Hooks for tests and benchmarks, set through a driver's options. */
export interface StoreTesting {
  /** Called before each write with its index (see `Write`); throwing is an injected commit fault. */
  readonly beforeWrite?: (index: number) => void
  /** Not a fault: receives how long each phase of a commit took (benchmarks). */
  readonly onPhase?: (phase: string, ms: number) => void
  readonly mutant?: Mutant
  /** Diff every commit (no insert-only or unchanged plan): the plans are tested against it. */
  readonly alwaysMerge?: boolean
  /** Staging may take this many bytes on disk at most: beyond, it fails as on a full disk. */
  readonly stagingMaxBytes?: number
}

/** A store driver. */
export interface StoreDriver {
  /** The database, for messages (`./parallax.db`, or a URL with its password masked). */
  readonly location: string
  readonly testing?: StoreTesting
  /**
   * The driver reads the staged rows of an SQLite spill set-wise from its file when it has one (`Spill.file`).
   * A sync whose scope holds no rows yet then stages into such a file (every row will be inserted); any
   * other stages into a log, whose rows a driver reads through the `Spill`'s methods.
   */
  readonly attachesSpill?: boolean
  /** Starts a sync of `scope` (see the module's notes); the session ends with its scope. */
  readonly begin: (
    scope: ScopeRef,
    options?: BeginOptions
  ) => Effect.Effect<WriteSession, ScopeLocked | StoreFailure, Scope.Scope>
  /** Starts a dry run of `scope`: no lock, nothing written. */
  readonly beginReadOnly: (scope: ScopeRef) => Effect.Effect<ReadSession, StoreFailure, Scope.Scope>
  /** Counts by scope and by type, of what the graph reads return (an edge whose endpoint is gone is not counted). */
  readonly stats: () => Effect.Effect<StoreStats, StoreFailure>
  /** Merged entities, ordered by id. */
  readonly entities: (filter?: EntityFilter) => Effect.Effect<ReadonlyArray<GraphEntity>, StoreFailure>
  /** Merged relationships whose endpoints both exist, ordered by id. */
  readonly relationships: (filter?: RelationshipFilter) => Effect.Effect<ReadonlyArray<GraphRelationship>, StoreFailure>
  /** Recorded runs, newest first. */
  readonly history: (filter?: HistoryFilter) => Effect.Effect<ReadonlyArray<RunRecord>, StoreFailure>
  /** The merged graph, streamed with bounded memory: every entity, then every relationship. */
  readonly exportGraph: () => Stream.Stream<GraphItem, StoreFailure>
  /** The logical dump (deterministic order), for tests and the harness. */
  readonly dump: () => Effect.Effect<StoreDump, StoreFailure>
}

/** The store: the driver the sync commits through and the reads read. */
export class Store extends Context.Tag("parallax/Store")<Store, StoreDriver>() {}
