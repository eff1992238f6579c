import type { Layer } from "effect"
import { Effect, Either, ParseResult, Schema } from "effect"
import { ConfigInvalid, ConfigIssue, type ConnectorError, type DefinitionError } from "../Errors.ts"
import { checkGraph } from "../scheduler/Dag.ts"
import type { Step } from "./Step.ts"

/** What `discover` receives: the decoded config and the account being synced. */
export interface DiscoverContext<C> {
  readonly config: C
  readonly account: string
}

/** A connector: its name, config schema, optional discovery, its steps and the services they need. */
export interface Connector<C = unknown, R = never> {
  readonly name: string
  readonly description: string
  /** The config schema; its encoded side is whatever the author chose (strings, numbers, ...). */
  // biome-ignore lint/suspicious/noExplicitAny: schemas are invariant in their encoded type, which callers never need
  readonly config: Schema.Schema<C, any>
  readonly discover: ((ctx: DiscoverContext<C>) => Effect.Effect<void, ConnectorError, R>) | undefined
  readonly steps: ReadonlyArray<Step<C, R>>
  /** Builds the services the steps need (an API client) from the decoded config. */
  readonly layer: ((config: C) => Layer.Layer<R, ConnectorError>) | undefined
}

interface Definition<C, I, R> {
  /** The connector's id: lowercase, digits and dashes (`my-connector`). */
  readonly name: string
  readonly description?: string
  /** The config as an Effect Schema, decoded before anything runs; use `Schema.Redacted` for secrets. */
  readonly config?: Schema.Schema<C, I>
  /** Checks credentials and reachability before any step runs. */
  readonly discover?: (ctx: DiscoverContext<C>) => Effect.Effect<void, ConnectorError, R>
  readonly steps: ReadonlyArray<Step<C, R>>
}

const NAME_PATTERN = /^[a-z][a-z0-9-]*$/

/**
 * Defines a connector. Steps that need services (an API client) get them from `layer`, built from the
 * decoded config; tests and the harness may swap it for a fake.
 *
 * @example
 * export default Connector.make({
 *   name: "my-connector",
 *   steps: [step("hosts", "Collect hosts").run((ctx) => ctx.emitEntity(entity("host", "web-01").class("Host")))]
 * })
 */
function make<C = unknown, I = unknown, R = never>(
  definition: Definition<C, I, R> &
    ([R] extends [never]
      ? { readonly layer?: (config: C) => Layer.Layer<R, ConnectorError> }
      : { readonly layer: (config: C) => Layer.Layer<R, ConnectorError> })
): Connector<C, R> {
  if (!NAME_PATTERN.test(definition.name)) {
    throw new TypeError(`connector name "${definition.name}" must be lowercase letters, digits and dashes`)
  }
  return {
    name: definition.name,
    description: definition.description ?? "",
    config: definition.config ?? (Schema.Unknown as unknown as Schema.Schema<C>),
    discover: definition.discover,
    steps: definition.steps,
    layer: definition.layer
  }
}

/** Rejects duplicate step ids, unknown dependencies and cycles (C05). */
const validate = <C, R>(connector: Connector<C, R>): Effect.Effect<Connector<C, R>, DefinitionError> =>
  Either.match(checkGraph(connector.name, connector.steps), {
    onLeft: (error) => Effect.fail(error),
    onRight: () => Effect.succeed(connector)
  })

/** Decodes raw configuration with the connector's schema; every invalid field is listed with its path. */
const decodeConfig = <C, R>(connector: Connector<C, R>, input: unknown): Effect.Effect<C, ConfigInvalid> =>
  Schema.decodeUnknown(connector.config, { errors: "all", onExcessProperty: "error" })(input).pipe(
    Effect.mapError(
      (error) =>
        new ConfigInvalid({
          connector: connector.name,
          issues: ParseResult.ArrayFormatter.formatErrorSync(error).map(
            (issue) => new ConfigIssue({ path: issue.path.map(String).join("."), message: issue.message })
          )
        })
    )
  )

/** Defining and checking connectors. */
export const Connector = { make, validate, decodeConfig }
