/**
 * parallax-connect: the public connector SDK. Connectors and their tests import everything from here.
 *
 * @example
 * import { Connector, entity, relationship, step } from "parallax-connect"
 */
export { type Awaitable, awaitable } from "./connector/Awaitable.ts"
export { type ConfigKey, configKeys } from "./connector/ConfigKeys.ts"
export { Connector, type DiscoverContext } from "./connector/Connector.ts"
export { documentConnector } from "./connector/Document.ts"
export {
  type Collected,
  collect,
  type RunError,
  type RunOptions,
  type RunOutput,
  runConnector,
  runConnectorStream
} from "./connector/Run.ts"
export {
  type EntityDeclaration,
  type RelationshipDeclaration,
  type Step,
  StepBuilder,
  type StepCondition,
  type StepFactory,
  type StepResult,
  type StepRun,
  step
} from "./connector/Step.ts"
export type { Emit, Prior, StepContext, StepCounts, StepLogger, StepRef } from "./connector/StepContext.ts"
export { stepEffect } from "./connector/StepEffect.ts"
export {
  ApiError,
  AuthFailed,
  ConfigInvalid,
  ConfigIssue,
  type ConnectorError,
  ConnectorFailed,
  type DefinitionError,
  DependencyCycle,
  DuplicateKey,
  DuplicateStep,
  isConnectorError,
  isRetryable,
  RateLimited,
  Timeout,
  UnknownDependency,
  UnknownStep,
  ValidationFailed
} from "./Errors.ts"
export { EntityBuilder, entity } from "./model/Entity.ts"
export { contentHash, entityId, type Properties, type PropertyValue, relationshipId } from "./model/Ids.ts"
export type { EntityRecord, RelationshipRecord, ValidationWarning } from "./model/Records.ts"
export { RelationshipBuilder, relationship } from "./model/Relationship.ts"
export { ENTITY_CLASSES, RELATIONSHIP_VERBS } from "./model/Vocabulary.ts"
export { waves as planWaves } from "./scheduler/Dag.ts"
export type {
  EventSink,
  NotRunStatus,
  StepOutcome,
  StepStatus,
  SyncEvent,
  WarningSummary
} from "./scheduler/Events.ts"
export { defaultRetry } from "./scheduler/Scheduler.ts"
export {
  type CommitOutcome,
  type CommitRequest,
  DanglingEndpoint,
  type DumpRow,
  type EntityFilter,
  type GraphEntity,
  type GraphItem,
  type GraphRelationship,
  type HistoryFilter,
  MassDeletion,
  type MassDeletionPolicy,
  NotADatabase,
  type OpenError,
  ReferentialIntegrity,
  type RelationshipFilter,
  type RunRecord,
  type RunStep,
  SchemaTooNew,
  SchemaTooOld,
  ScopeLocked,
  type ScopeRef,
  type ScopeSummary,
  type Source,
  Store,
  type StoreDump,
  StoreError,
  type StoreService,
  type StoreStats,
  type SyncSession,
  type TypeCount
} from "./store/Store.ts"
export * as SqliteStore from "./store/sqlite/SqliteStore.ts"
export {
  type CommitError,
  type CommitOptions,
  commitSync,
  type SyncError,
  type SyncOptions,
  statusOf,
  sync
} from "./sync/Sync.ts"
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
} from "./sync/SyncResult.ts"
