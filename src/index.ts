/**
 * parallax-connect: the public connector SDK. Connectors and their tests import everything from here.
 *
 * @example
 * import { Connector, entity, relationship, step } from "parallax-connect"
 */
export { Connector, type DiscoverContext } from "./connector/Connector.ts"
export {
  type Collected,
  collect,
  type RunError,
  type RunOptions,
  type RunOutput,
  runConnector,
  runConnectorStream
} from "./connector/Run.ts"
export { type Step, StepBuilder, type StepRun, step } from "./connector/Step.ts"
export type { Prior, StepContext, StepCounts, StepLogger } from "./connector/StepContext.ts"
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
  RateLimited,
  Timeout,
  UnknownDependency,
  ValidationFailed
} from "./Errors.ts"
export { EntityBuilder, entity } from "./model/Entity.ts"
export { contentHash, entityId, type Properties, type PropertyValue, relationshipId } from "./model/Ids.ts"
export type { EntityRecord, RelationshipRecord, ValidationWarning } from "./model/Records.ts"
export { RelationshipBuilder, relationship } from "./model/Relationship.ts"
export { ENTITY_CLASSES, RELATIONSHIP_VERBS } from "./model/Vocabulary.ts"
export { waves as planWaves } from "./scheduler/Dag.ts"
export type { EventSink, StepOutcome, StepStatus, SyncEvent } from "./scheduler/Events.ts"
export { defaultRetry } from "./scheduler/Scheduler.ts"
