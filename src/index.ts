/**
 * parallax-connect: the connector SDK, what connector authors use: connectors, steps, the builders of
 * entities and relationships, the errors a step fails with, and `runConnector` to run one in memory.
 * What embeds the SDK (stores, `sync`, `commitSync`, results, drivers) is `parallax-connect/runtime`.
 *
 * @example
 * import { Connector, entity, relationship, step } from "parallax-connect"
 */
export { type Awaitable, awaitable } from "./connector/Awaitable.ts"
export { type ConfigKey, configKeys } from "./connector/ConfigKeys.ts"
export { Connector, type DiscoverContext } from "./connector/Connector.ts"
export { waves as planWaves } from "./connector/Dag.ts"
export { documentConnector } from "./connector/Document.ts"
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
export { EntityBuilder, entity } from "./model/Entity.ts"
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
  MissingEndpoint,
  MissingEndpoints,
  RateLimited,
  Timeout,
  UnknownDependency,
  UnknownStep,
  ValidationFailed
} from "./model/Errors.ts"
export type {
  EventSink,
  NotRunStatus,
  StepOutcome,
  StepStatus,
  SyncEvent,
  WarningSummary
} from "./model/Events.ts"
export { contentHash, entityId, type Properties, type PropertyValue, relationshipId } from "./model/Ids.ts"
export type { EntityRecord, RelationshipRecord, ValidationWarning } from "./model/Records.ts"
export { RelationshipBuilder, relationship } from "./model/Relationship.ts"
export { ENTITY_CLASSES, RELATIONSHIP_VERBS } from "./model/Vocabulary.ts"
export { defaultRetry } from "./scheduler/Scheduler.ts"
export {
  type Collected,
  collect,
  type Owned,
  type RunError,
  type RunOptions,
  type RunOutput,
  runConnector,
  runConnectorStream
} from "./sync/Run.ts"
