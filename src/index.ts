/**
 * parallax-connect: the connector SDK, what connector authors use: connectors, steps, the builders of
 * entities and relationships, the errors a step fails with, and `runConnector` to run one in memory.
 * What embeds the SDK (stores, `sync`, `commitSync`, results, drivers) is `parallax-connect/runtime`.
 *
 * @example
 * import { Connector, entity, relationship, step } from "parallax-connect"
 */
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
  type StepRun,
  step
} from "./connector/Step.ts"
export type { Prior, StepContext, StepCounts, StepLogger } from "./connector/StepContext.ts"
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
  isRetryable,
  MissingEndpoint,
  MissingEndpoints,
  RateLimited,
  Timeout,
  UnknownDependency,
  ValidationFailed
} from "./model/Errors.ts"
export type { EventSink, StepOutcome, StepStatus, SyncEvent, WarningSummary } from "./model/Events.ts"
export { contentHash, entityId, type Properties, type PropertyValue, relationshipId } from "./model/Ids.ts"
export type { EntityRecord, RelationshipRecord, ValidationWarning } from "./model/Records.ts"
export { RelationshipBuilder, relationship } from "./model/Relationship.ts"
export { ENTITY_CLASSES, RELATIONSHIP_VERBS } from "./model/Vocabulary.ts"
export { waves as planWaves } from "./scheduler/Dag.ts"
export { defaultRetry } from "./scheduler/Scheduler.ts"
