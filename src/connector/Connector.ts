import type { Layer } from "effect"
import { Effect, Either, ParseResult, Schema, SchemaAST } from "effect"
import { ConfigInvalid, ConfigIssue, type ConnectorError, type DefinitionError } from "../model/Errors.ts"
import { checkGraph } from "./Dag.ts"
import { holdsSecret } from "./SecretFields.ts"
import { type Step, type StepFactory, step } from "./Step.ts"

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
  /** The config as an Effect Schema, decoded before anything runs; use `Schema.Redacted` for secrets. None: no settings. */
  readonly config?: Schema.Schema<C, I>
  /** Checks credentials and reachability before any step runs. */
  readonly discover?: (ctx: DiscoverContext<C>) => Effect.Effect<void, ConnectorError, R>
  /**
   * The steps: a list, or a function of a `step` factory that types every step's `ctx.config` from
   * `config` (and checks that the services the steps use are the ones `layer` builds).
   */
  readonly steps: ReadonlyArray<Step<C, R>> | ((step: StepFactory<C>) => ReadonlyArray<Step<C, R>>)
}

const NAME_PATTERN = /^[a-z][a-z0-9-]*$/

/**
 * The config of a connector that declares none: an empty struct that rejects every key, each with its
 * path (`Schema.Struct({})` alone accepts any object, excess-property checks included).
 */
const NoSettings = Schema.Struct({}).pipe(
  Schema.filter((value) => {
    const keys = Object.keys(value)
    return (
      keys.length === 0 ||
      keys.map((key) => ({ path: [key], message: "is unexpected: this connector takes no settings" }))
    )
  })
)

/**
 * Defines a connector. Steps that need services (an API client) get them from `layer`, built from the
 * decoded config; tests and the harness may swap it for a fake. Given as a function, `steps` receives
 * a `step` factory that types each step's `ctx.config` from `config`, with no type written.
 *
 * @example
 * export default Connector.make({
 *   name: "my-connector",
 *   config: Schema.Struct({ hosts: Schema.Number }),
 *   steps: (step) => [
 *     step("hosts", "Collect hosts").run(async (ctx) => {
 *       for (let i = 0; i < ctx.config.hosts; i++) await ctx.emitEntity(entity("host", `web-${i}`).class("Host"))
 *     })
 *   ]
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
    // No schema: no settings, so an unknown key (`--set typo=1`) is an error rather than ignored.
    config: definition.config ?? (NoSettings as unknown as Schema.Schema<C>),
    discover: definition.discover,
    steps:
      typeof definition.steps === "function"
        ? definition.steps(step as unknown as StepFactory<C>)
        : (definition.steps as ReadonlyArray<Step<C, R>>),
    layer: definition.layer
  }
}

/** Rejects duplicate step ids, unknown dependencies and cycles (C05). */
const validate = <C, R>(connector: Connector<C, R>): Effect.Effect<Connector<C, R>, DefinitionError> =>
  Either.match(checkGraph(connector.name, connector.steps), {
    onLeft: (error) => Effect.fail(error),
    onRight: () => Effect.succeed(connector)
  })

/**
 * A struct (also filtered, or a transformation between structs): its issues are rewritten field by field,
 * keeping their paths, rather than folded into one message about the whole config.
 */
const isStruct = (ast: SchemaAST.AST): boolean =>
  SchemaAST.isTypeLiteral(ast) ||
  (SchemaAST.isRefinement(ast) && isStruct(ast.from)) ||
  (SchemaAST.isTransformation(ast) && (isStruct(ast.from) || isStruct(ast.to)))

/**
 * A message about a secret without the value: the formatter's `, actual ...` suffix goes, and so does
 * the value where a custom message still quotes it whole. Never a substring replacement: hiding a
 * one-character secret inside the words around it would garble the message and give the secret away.
 */
const withoutValue = (message: string, actual: unknown): string => {
  const bare = message.replace(/,? actual [\s\S]*$/, "")
  if (typeof actual !== "string" || actual.length === 0) return bare
  return bare === actual ? "<redacted>" : bare.split(JSON.stringify(actual)).join('"<redacted>"')
}

/**
 * Rewrites a decoding issue so that nothing under a `Redacted` field quotes the value it was given:
 * `Expected a string at least 10 character(s) long, actual "hunter2"` must not reach a terminal (C12).
 */
const hideSecrets = (issue: ParseResult.ParseIssue): ParseResult.ParseIssue => {
  if (
    "ast" in issue &&
    "actual" in issue &&
    holdsSecret(issue.ast as SchemaAST.AST) &&
    !isStruct(issue.ast as SchemaAST.AST)
  ) {
    const messages = ParseResult.ArrayFormatter.formatIssueSync(issue).map((inner) =>
      withoutValue(inner.message, issue.actual)
    )
    const unique = [...new Set(messages)].filter((message) => !/^Expected (undefined|a secret)?$/.test(message))
    return new ParseResult.Type(
      issue.ast as SchemaAST.AST,
      "<redacted>",
      `${unique.length === 0 ? "Expected a secret" : unique.join("; ")} (secret value hidden)`
    )
  }
  switch (issue._tag) {
    case "Transformation":
      return new ParseResult.Transformation(issue.ast, issue.actual, issue.kind, hideSecrets(issue.issue))
    case "Pointer":
      return new ParseResult.Pointer(issue.path, issue.actual, hideSecrets(issue.issue))
    case "Refinement":
      return new ParseResult.Refinement(issue.ast, issue.actual, issue.kind, hideSecrets(issue.issue))
    case "Composite":
      return new ParseResult.Composite(
        issue.ast,
        issue.actual,
        Array.isArray(issue.issues)
          ? (issue.issues.map((inner) => hideSecrets(inner)) as unknown as ParseResult.Composite["issues"])
          : hideSecrets(issue.issues as ParseResult.ParseIssue),
        issue.output
      )
    default:
      return issue
  }
}

/**
 * Decodes raw configuration with the connector's schema; every invalid field is listed with its path.
 * Values given for `Redacted` fields never appear in the messages.
 */
const decodeConfig = <C, R>(connector: Connector<C, R>, input: unknown): Effect.Effect<C, ConfigInvalid> =>
  Schema.decodeUnknown(connector.config, { errors: "all", onExcessProperty: "error" })(input).pipe(
    Effect.mapError(
      (error) =>
        new ConfigInvalid({
          connector: connector.name,
          issues: ParseResult.ArrayFormatter.formatIssueSync(hideSecrets(error.issue)).map(
            (issue) => new ConfigIssue({ path: issue.path.map(String).join("."), message: issue.message })
          )
        })
    )
  )

/** Defining and checking connectors. */
export const Connector = { make, validate, decodeConfig }
