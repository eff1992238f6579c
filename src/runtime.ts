/**
 * parallax-connect/runtime: what embeds the SDK. Stores (the `Store` port and its drivers), `sync` and
 * `commitSync`, and what they return. Connector authors need only `parallax-connect`.
 *
 * @example
 * import { SqliteStore, sync } from "parallax-connect/runtime"
 * const result = yield* sync(myConnector, { account: "prod" }).pipe(Effect.provide(SqliteStore.layer))
 */
export { StagingFailed } from "./model/Errors.ts"
export type { EventSink, StepOutcome, StepStatus, SyncEvent, WarningSummary } from "./model/Events.ts"
export {
  type EntityRef,
  emptyStats,
  type KindPreview,
  PREVIEW_ITEMS,
  type PreviewList,
  type RelationshipRef,
  type SyncPreview,
  type SyncResult,
  type SyncStats,
  type SyncStatus
} from "./model/Outcome.ts"
export * as MemoryStore from "./store/memory/MemoryStore.ts"
export * as PostgresStore from "./store/postgres/PostgresStore.ts"
export * as SqliteStore from "./store/sqlite/SqliteStore.ts"
export {
  type CommitOutcome,
  type CommitRequest,
  defaultMassDeletion,
  type FailedRun,
  type MassDeletionPolicy,
  statusOf
} from "./sync/Commit.ts"
export {
  type BeginOptions,
  type CommittedRow,
  type DumpRow,
  type EntityFilter,
  type GraphEntity,
  type GraphItem,
  type GraphRelationship,
  type HistoryFilter,
  type Kind,
  MassDeletion,
  type Mutant,
  NotADatabase,
  type OpenError,
  type ReadSession,
  type ReadTransaction,
  type RelationshipFilter,
  type RunContent,
  type RunRecord,
  type RunStep,
  SchemaTooNew,
  SchemaTooOld,
  ScopeLocked,
  type ScopeRef,
  type ScopeState,
  type ScopeSummary,
  type Source,
  Store,
  type StoreDriver,
  type StoreDump,
  StoreError,
  type StoreFailure,
  type StoreStats,
  type StoreTesting,
  type TypeCount,
  type Write,
  type WriteSession,
  type WriteTransaction
} from "./sync/Store.ts"
export {
  type CommitError,
  type CommitOptions,
  commitSync,
  type SyncError,
  type SyncOptions,
  sync
} from "./sync/Sync.ts"
export type { Spill, SpilledEdge, SpilledEntity, SpilledRelationship } from "./sync/staging/Spill.ts"
