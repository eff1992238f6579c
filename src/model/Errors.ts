import { Schema } from "effect"

/**
 * The typed errors of parallax-connect. Every error that crosses a boundary is a `Schema.TaggedError`
 * with data fields and a readable `message` that says what was wrong and where.
 */

/** Credentials were refused by the source system. */
export class AuthFailed extends Schema.TaggedError<AuthFailed>()("AuthFailed", {
  service: Schema.String,
  reason: Schema.String
}) {
  override get message(): string {
    return `authentication to ${this.service} failed: ${this.reason}`
  }
}

/** A call to the source system's API failed. `retryable` marks transient failures (5xx, connection resets). */
export class ApiError extends Schema.TaggedError<ApiError>()("ApiError", {
  service: Schema.String,
  reason: Schema.String,
  status: Schema.optional(Schema.Number),
  url: Schema.optional(Schema.String),
  retryable: Schema.Boolean
}) {
  override get message(): string {
    const where = this.url === undefined ? "" : ` (${this.url})`
    const status = this.status === undefined ? "" : ` [HTTP ${this.status}]`
    return `${this.service} API error${status}${where}: ${this.reason}`
  }
}

/** A wait as people read it: seconds with one decimal under 10 s (`2.5 s`), whole seconds above (`42 s`). */
const seconds = (ms: number): string => (ms < 9_950 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`)

/**
 * The source system asked us to slow down; `retryAfterMs` is how long it asked us to wait (the message
 * says it in seconds: `rate limited by github: retry after 42 s`).
 */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  service: Schema.String,
  retryAfterMs: Schema.Number,
  url: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return `rate limited by ${this.service}: retry after ${seconds(this.retryAfterMs)}`
  }
}

/** An emitted object is not valid: `subject` names it (`entity host/web-01`), `property` the offending field. */
export class ValidationFailed extends Schema.TaggedError<ValidationFailed>()("ValidationFailed", {
  subject: Schema.String,
  property: Schema.optional(Schema.String),
  reason: Schema.String
}) {
  override get message(): string {
    const property = this.property === undefined ? "" : ` property "${this.property}"`
    return `invalid ${this.subject}${property}: ${this.reason}`
  }
}

/** The same id was emitted twice in one sync with different content. */
export class DuplicateKey extends Schema.TaggedError<DuplicateKey>()("DuplicateKey", {
  subject: Schema.String,
  id: Schema.String,
  step: Schema.String,
  firstStep: Schema.String
}) {
  override get message(): string {
    return `${this.subject} (id ${this.id}) emitted by step "${this.step}" with content different from what step "${this.firstStep}" emitted`
  }
}

/** One invalid field of a connector's configuration. */
export class ConfigIssue extends Schema.Class<ConfigIssue>("ConfigIssue")({
  path: Schema.String,
  message: Schema.String
}) {}

/** The connector's configuration does not decode; `issues` lists every invalid field with its path. */
export class ConfigInvalid extends Schema.TaggedError<ConfigInvalid>()("ConfigInvalid", {
  connector: Schema.String,
  issues: Schema.Array(ConfigIssue)
}) {
  override get message(): string {
    const lines = this.issues.map((issue) => `  - ${issue.path === "" ? "(config)" : issue.path}: ${issue.message}`)
    return `invalid configuration for connector "${this.connector}":\n${lines.join("\n")}`
  }
}

/** A step ran longer than its timeout. */
export class Timeout extends Schema.TaggedError<Timeout>()("Timeout", {
  step: Schema.String,
  afterMs: Schema.Number
}) {
  override get message(): string {
    return `step "${this.step}" timed out after ${this.afterMs} ms`
  }
}

/** The steps' dependencies form a cycle; `cycle` spells it out, first step repeated at the end. */
export class DependencyCycle extends Schema.TaggedError<DependencyCycle>()("DependencyCycle", {
  connector: Schema.String,
  cycle: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `connector "${this.connector}" has a dependency cycle: ${this.cycle.join(" -> ")}`
  }
}

/** A step depends on a step the connector does not have. */
export class UnknownDependency extends Schema.TaggedError<UnknownDependency>()("UnknownDependency", {
  connector: Schema.String,
  step: Schema.String,
  dependency: Schema.String
}) {
  override get message(): string {
    return `connector "${this.connector}": step "${this.step}" depends on unknown step "${this.dependency}"`
  }
}

/** Two steps of one connector share an id. */
export class DuplicateStep extends Schema.TaggedError<DuplicateStep>()("DuplicateStep", {
  connector: Schema.String,
  step: Schema.String
}) {
  override get message(): string {
    return `connector "${this.connector}" has more than one step with id "${this.step}"`
  }
}

/** A step was asked for (`--step`, `runConnector(c, { steps })`) that the connector does not have. */
export class UnknownStep extends Schema.TaggedError<UnknownStep>()("UnknownStep", {
  connector: Schema.String,
  step: Schema.String,
  known: Schema.Array(Schema.String)
}) {
  override get message(): string {
    return `connector "${this.connector}" has no step "${this.step}" (its steps: ${this.known.join(", ")})`
  }
}

/** The general error for connector authors: anything else that made a step or discovery fail. */
export class ConnectorFailed extends Schema.TaggedError<ConnectorFailed>()("ConnectorFailed", {
  reason: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  override get message(): string {
    return this.reason
  }
}

/** A relationship whose endpoint is missing: its subject, and which endpoint. */
export class MissingEndpoint extends Schema.Class<MissingEndpoint>("MissingEndpoint")({
  subject: Schema.String,
  missing: Schema.Literal("from", "to")
}) {}

/**
 * C04: the step emitted relationships whose endpoint is neither emitted in this sync nor in the store.
 * The step fails (its rows are kept, as for any failed step) and the rest of the sync commits. An edge
 * declared to point into another account (`.toAccount()`) may point at an entity that is not there yet.
 */
export class MissingEndpoints extends Schema.TaggedError<MissingEndpoints>()("MissingEndpoints", {
  step: Schema.String,
  total: Schema.Number,
  /** The first offending relationships (at most 20). */
  offenders: Schema.Array(MissingEndpoint)
}) {
  override get message(): string {
    const lines = this.offenders.map((offender) => `  - ${offender.subject}: ${offender.missing} endpoint not found`)
    const more = this.total > this.offenders.length ? `\n  ... and ${this.total - this.offenders.length} more` : ""
    return `step "${this.step}" emitted ${this.total} relationship(s) whose endpoint exists neither in this sync nor in the store:\n${lines.join("\n")}${more}`
  }
}

/** What a step or `discover` may fail with. */
export type ConnectorError =
  | AuthFailed
  | ApiError
  | RateLimited
  | ValidationFailed
  | DuplicateKey
  | ConfigInvalid
  | Timeout
  | ConnectorFailed
  | MissingEndpoints

/** Every tag of `ConnectorError` (the compiler checks that none is missing). */
const CONNECTOR_ERRORS: Readonly<Record<ConnectorError["_tag"], true>> = {
  AuthFailed: true,
  ApiError: true,
  RateLimited: true,
  ValidationFailed: true,
  DuplicateKey: true,
  ConfigInvalid: true,
  Timeout: true,
  ConnectorFailed: true,
  MissingEndpoints: true
}

/**
 * Whether `value` is one of the typed errors a step may fail with (by its tag): a thrown `RateLimited`
 * in an `async` step keeps its tag (and is retried) instead of becoming a `ConnectorFailed`.
 */
export const isConnectorError = (value: unknown): value is ConnectorError =>
  typeof value === "object" &&
  value !== null &&
  "_tag" in value &&
  typeof value._tag === "string" &&
  Object.hasOwn(CONNECTOR_ERRORS, value._tag)

/** A connector that cannot be loaded: its step graph is not a DAG. */
export type DefinitionError = DependencyCycle | UnknownDependency | DuplicateStep

/** Whether a retry may help: rate limits and transient API errors. */
export const isRetryable = (error: ConnectorError): boolean =>
  error._tag === "RateLimited" || (error._tag === "ApiError" && error.retryable)

/**
 * Staging the sync's objects failed (the temporary directory's disk filled up, say). It fails the whole
 * sync, not one step: what was lost may belong to any step, so no step may report success on it.
 */
export class StagingFailed extends Schema.TaggedError<StagingFailed>()("StagingFailed", {
  /** Where the sync stages (a directory under SQLITE_TMPDIR or TMPDIR). */
  directory: Schema.String,
  /** Rows staged when it failed. */
  rows: Schema.Number,
  /** Bytes the staged rows took when it failed. */
  bytes: Schema.optional(Schema.Number),
  /** Whether the disk was full. */
  full: Schema.Boolean,
  reason: Schema.String
}) {
  override get message(): string {
    const mib = Math.max(1, Math.ceil((this.bytes ?? 0) / 1048576))
    return this.full
      ? `no room to stage in ${this.directory}: needs more than ${mib} MiB (the disk filled up after ${this.rows.toLocaleString("en-US")} staged rows); free space there, or point SQLITE_TMPDIR (or TMPDIR) at a larger filesystem: a sync stages about 300 bytes per object`
      : `staging failed in ${this.directory} after ${this.rows.toLocaleString("en-US")} rows: ${this.reason}`
  }
}
