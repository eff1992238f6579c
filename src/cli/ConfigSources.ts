import { FileSystem } from "@effect/platform"
import { SchemaAST as AST, Effect, Option } from "effect"
import { parse as parseYaml } from "yaml"
import type { ConfigInvalid } from "../Errors.ts"
import { type CliError, usageError } from "./CliError.ts"
import type { AnyConnector } from "./ResolveConnector.ts"

/**
 * A connector's raw configuration, merged from (later wins): a JSON or YAML file (`--config`), environment
 * variables `PARALLAX_<CONNECTOR>_<KEY>` (`my-connector`'s `apiUrl` is `PARALLAX_MY_CONNECTOR_API_URL`),
 * and `--set key=value` flags. Text from the environment and flags is typed by the connector's schema
 * (numbers, booleans, arrays as comma-separated or JSON); the schema then decodes the merged object.
 */
type Raw = Record<string, unknown>

const upperSnake = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .toUpperCase()

export const envName = (connector: string, key: string): string =>
  `PARALLAX_${upperSnake(connector)}_${upperSnake(key)}`

/** The property signatures of the encoded side of a struct schema (through transformations and unions). */
const fields = (ast: AST.AST): ReadonlyArray<AST.PropertySignature> => {
  const encoded = AST.encodedAST(ast)
  switch (encoded._tag) {
    case "TypeLiteral":
      return encoded.propertySignatures
    case "Union":
      return encoded.types.flatMap((member) => fields(member))
    case "Suspend":
      return fields(encoded.f())
    default:
      return []
  }
}

const kinds = (ast: AST.AST): ReadonlyArray<string> => {
  switch (ast._tag) {
    case "Union":
      return ast.types.flatMap((member) => kinds(member))
    case "Refinement":
      return kinds(ast.from)
    case "Transformation":
      return kinds(ast.from)
    case "Literal":
      return [typeof ast.literal]
    case "NumberKeyword":
      return ["number"]
    case "BooleanKeyword":
      return ["boolean"]
    case "TupleType":
      return ["array"]
    case "TypeLiteral":
      return ["object"]
    case "UndefinedKeyword":
      return []
    default:
      return ["string"]
  }
}

/** Types one text value by what the schema's field accepts. */
const coerce = (text: string, field: AST.PropertySignature | undefined): unknown => {
  if (field === undefined) return text
  const accepted = new Set(kinds(AST.encodedAST(field.type)))
  if (accepted.has("string") && !accepted.has("array") && !accepted.has("object")) return text
  const trimmed = text.trim()
  if (accepted.has("boolean") && (trimmed === "true" || trimmed === "false")) return trimmed === "true"
  if (accepted.has("number") && trimmed !== "" && Number.isFinite(Number(trimmed))) return Number(trimmed)
  if (accepted.has("array") || accepted.has("object")) {
    if (trimmed.startsWith("[") || trimmed.startsWith("{")) {
      try {
        return JSON.parse(trimmed)
      } catch {
        return text
      }
    }
    if (accepted.has("array")) return trimmed === "" ? [] : trimmed.split(",").map((item) => item.trim())
  }
  return text
}

const readFile = (path: string): Effect.Effect<Raw, CliError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs
      .readFileString(path)
      .pipe(Effect.mapError((error) => usageError(`cannot read config file ${path}: ${error.message}`)))
    const parsed = yield* Effect.try({
      try: () => (/\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text)) as unknown,
      catch: (error) =>
        usageError(`config file ${path} is not valid ${/\.ya?ml$/i.test(path) ? "YAML" : "JSON"}: ${String(error)}`)
    })
    if (parsed === null || parsed === undefined) return {}
    if (typeof parsed !== "object" || Array.isArray(parsed)) {
      return yield* usageError(`config file ${path} must hold an object of settings`)
    }
    return parsed as Raw
  })

const setPath = (target: Raw, path: ReadonlyArray<string>, value: unknown) => {
  let node = target
  for (const segment of path.slice(0, -1)) {
    const next = node[segment]
    node[segment] = typeof next === "object" && next !== null && !Array.isArray(next) ? { ...(next as Raw) } : {}
    node = node[segment] as Raw
  }
  node[path[path.length - 1] as string] = value
}

export interface ConfigInput {
  readonly file: string | undefined
  /** `key=value` pairs, in the order given. */
  readonly set: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string | undefined>>
}

/** Merges the config sources for `connector` (file < environment < --set). */
export const gatherConfig = (
  connector: AnyConnector,
  input: ConfigInput
): Effect.Effect<Raw, CliError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const byName = new Map(fields(connector.config.ast).map((field) => [String(field.name), field]))
    const config: Raw = input.file === undefined ? {} : yield* readFile(input.file)
    for (const [name, field] of byName) {
      const value = input.env[envName(connector.name, name)]
      if (value !== undefined) config[name] = coerce(value, field)
    }
    for (const pair of input.set) {
      const at = pair.indexOf("=")
      if (at <= 0) return yield* usageError(`--set expects key=value, got "${pair}"`)
      const path = pair.slice(0, at).split(".")
      setPath(config, path, coerce(pair.slice(at + 1), path.length === 1 ? byName.get(path[0] as string) : undefined))
    }
    return config
  })

const isRedacted = (ast: AST.AST): boolean =>
  Option.exists(AST.getTypeConstructorAnnotation(ast), (annotation) => annotation._tag === "effect/Redacted") ||
  (ast._tag === "Union" && ast.types.some((member) => isRedacted(member))) ||
  (ast._tag === "Refinement" && isRedacted(ast.from))

/** The names of the connector's secret (`Redacted`) config fields. */
export const secretFields = (connector: AnyConnector): ReadonlyArray<string> => {
  const typeSide = AST.typeAST(connector.config.ast)
  const literal = typeSide._tag === "TypeLiteral" ? typeSide.propertySignatures : []
  return literal.filter((field) => isRedacted(field.type)).map((field) => String(field.name))
}

/**
 * The message of a config error, fit for a terminal: one line per invalid field (an optional field's
 * "Expected undefined" alternative is dropped when the field has a real complaint), and the raw text of
 * every secret field replaced by `<redacted>`, so that a secret never reaches an error message (C12).
 */
export const configErrorMessage = (error: ConfigInvalid, connector: AnyConnector, raw: Raw): string => {
  const secrets = secretFields(connector)
    .map((name) => raw[name])
    .filter((value): value is string => typeof value === "string" && value.length > 0)
  const scrub = (text: string) => secrets.reduce((out, secret) => out.split(secret).join("<redacted>"), text)
  const byPath = new Map<string, Array<string>>()
  for (const issue of error.issues) byPath.set(issue.path, [...(byPath.get(issue.path) ?? []), issue.message])
  const lines = [...byPath].flatMap(([path, messages]) => {
    const real = messages.filter((message) => !/^Expected undefined, actual/.test(message))
    return [...new Set(real.length > 0 ? real : messages)].map(
      (message) => `  - ${path === "" ? "(config)" : path}: ${scrub(message)}`
    )
  })
  return `invalid configuration for connector "${error.connector}" (file < PARALLAX_* environment < --set):\n${lines.join("\n")}`
}
