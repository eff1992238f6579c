import { FileSystem } from "@effect/platform"
import { SchemaAST as AST, Effect, Option } from "effect"
import { type ParseError, parse as parseJsonc, printParseErrorCode } from "jsonc-parser"
import { parse as parseYaml, YAMLParseError } from "yaml"
import type { ConfigInvalid } from "../model/Errors.ts"
import { setOwn } from "../model/Validate.ts"
import { type CliError, usageError } from "./CliError.ts"
import type { AnyConnector } from "./ResolveConnector.ts"

/**
 * A connector's raw configuration, merged from (later wins): a JSON or YAML file (`--config`), environment
 * variables `PARALLAX_<CONNECTOR>_<KEY>` (`my-connector`'s `apiUrl` is `PARALLAX_MY_CONNECTOR_API_URL`,
 * a nested `retry.maxDelay` is `PARALLAX_MY_CONNECTOR_RETRY_MAX_DELAY`), and `--set key=value` flags
 * (`--set retry.maxDelay=5`). Text from the environment and flags is typed by what the connector's
 * schema accepts at that path (numbers, booleans, arrays as comma-separated or JSON); the schema then
 * decodes the merged object. Where each setting came from is kept, so errors can name it.
 */
type Raw = Record<string, unknown>

const upperSnake = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .toUpperCase()

/** The environment variable of a setting: `envName("github", ["baseUrl"])` is `PARALLAX_GITHUB_BASE_URL`. */
export const envName = (connector: string, path: ReadonlyArray<string>): string =>
  `PARALLAX_${upperSnake(connector)}_${path.map(upperSnake).join("_")}`

/** The property signatures of one side of a struct schema (through transformations, filters and unions). */
const sideFields =
  (side: (ast: AST.AST) => AST.AST) =>
  (ast: AST.AST): ReadonlyArray<AST.PropertySignature> => {
    const struct = side(ast)
    switch (struct._tag) {
      case "TypeLiteral":
        return struct.propertySignatures
      case "Union":
        return struct.types.flatMap((member) => sideFields(side)(member))
      case "Suspend":
        return sideFields(side)(struct.f())
      case "Refinement":
        return sideFields(side)(struct.from)
      default:
        return []
    }
  }

/** The fields as given (text, numbers): what the sources set. */
const fields = sideFields(AST.encodedAST)
/** The fields as decoded: where the `Redacted` ones show. */
const decodedFields = sideFields(AST.typeAST)

/** The schema of the setting at `path` (`["retry", "maxDelay"]`), if the config schema has one there. */
const schemaAt = (ast: AST.AST, path: ReadonlyArray<string>): AST.AST | undefined => {
  let current: AST.AST = ast
  for (const segment of path) {
    const candidates: ReadonlyArray<AST.PropertySignature> = fields(current)
    const matching = candidates.filter((field) => String(field.name) === segment)
    if (matching.length === 0) return undefined
    current =
      matching.length === 1
        ? (matching[0] as AST.PropertySignature).type
        : AST.Union.make(matching.map((field) => field.type))
  }
  return current
}

/** Every settable path of a struct schema, nested structs included (a few levels deep). */
const settablePaths = (ast: AST.AST, prefix: ReadonlyArray<string> = []): ReadonlyArray<ReadonlyArray<string>> =>
  prefix.length >= 4
    ? []
    : fields(ast).flatMap((field) => {
        const path = [...prefix, String(field.name)]
        return [path, ...settablePaths(field.type, path)]
      })

const kinds = (ast: AST.AST): ReadonlyArray<string> => {
  switch (ast._tag) {
    case "Union":
      return ast.types.flatMap((member) => kinds(member))
    case "Refinement":
      return kinds(ast.from)
    case "Transformation":
      return kinds(ast.from)
    case "Suspend":
      return kinds(ast.f())
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

/** Types one text value by what the schema accepts there. */
const coerce = (text: string, ast: AST.AST | undefined): unknown => {
  if (ast === undefined) return text
  const accepted = new Set(kinds(AST.encodedAST(ast)))
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

const lineAndColumn = (text: string, offset: number) => {
  const before = text.slice(0, offset).split("\n")
  return `line ${before.length}, column ${(before[before.length - 1] ?? "").length + 1}`
}

/** Why `text` is not JSON, with the line and column of the first error. */
const jsonError = (text: string, error: unknown): string => {
  const errors: Array<ParseError> = []
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false })
  const first = errors[0]
  if (first === undefined) return String(error instanceof Error ? error.message : error)
  return `${lineAndColumn(text, first.offset)}: ${printParseErrorCode(first.error)}`
}

/** Why `text` is not YAML, with the line and column, on one line. */
const yamlError = (error: unknown): string => {
  if (!(error instanceof YAMLParseError)) return String(error instanceof Error ? error.message : error)
  const reason = (error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "")
  const at = error.linePos?.[0]
  return at === undefined ? reason : `line ${at.line}, column ${at.col}: ${reason}`
}

const readFile = (path: string): Effect.Effect<Raw, CliError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const text = yield* fs
      .readFileString(path)
      .pipe(Effect.mapError((error) => usageError(`cannot read config file ${path}: ${error.message}`)))
    const yaml = /\.ya?ml$/i.test(path)
    const parsed = yield* Effect.try({
      try: () => (yaml ? parseYaml(text) : JSON.parse(text)) as unknown,
      catch: (error) =>
        usageError(
          `config file ${path} is not valid ${yaml ? "YAML" : "JSON"}: ${yaml ? yamlError(error) : jsonError(text, error)}`
        )
    })
    if (parsed === null || parsed === undefined) return {}
    if (typeof parsed !== "object" || Array.isArray(parsed)) {
      return yield* usageError(`config file ${path} must hold an object of settings`)
    }
    return parsed as Raw
  })

/**
 * Sets the setting at `path`, every segment as an own property: `__proto__`, `constructor` or `prototype`
 * become keys like any other (which the schema then rejects as unknown), never the object's prototype or
 * an inherited member.
 */
const setPath = (target: Raw, path: ReadonlyArray<string>, value: unknown) => {
  let node = target
  for (const segment of path.slice(0, -1)) {
    const next = Object.hasOwn(node, segment) ? node[segment] : undefined
    const copy = typeof next === "object" && next !== null && !Array.isArray(next) ? { ...(next as Raw) } : {}
    setOwn<unknown>(node, segment, copy)
    node = copy
  }
  setOwn<unknown>(node, path[path.length - 1] as string, value)
}

export interface ConfigInput {
  readonly file: string | undefined
  /** `key=value` pairs, in the order given. */
  readonly set: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string | undefined>>
}

/** The merged settings, and where each came from (`a.b` → `PARALLAX_X_A_B`, `--set a.b`, the file). */
export interface GatheredConfig {
  readonly raw: Raw
  readonly origins: ReadonlyMap<string, string>
}

/**
 * The environment variables of a connector, by name. A nested setting gets a variable only when no
 * other setting's name turns into the same one (`retryMax` and `retry.max` are both `..._RETRY_MAX`:
 * that variable sets the top-level `retryMax`).
 */
const envSettings = (connector: AnyConnector): ReadonlyArray<readonly [string, ReadonlyArray<string>]> => {
  const byName = new Map<string, Map<string, ReadonlyArray<string>>>()
  for (const path of settablePaths(connector.config.ast)) {
    const name = envName(connector.name, path)
    byName.set(name, (byName.get(name) ?? new Map()).set(path.join("."), path))
  }
  return [...byName].flatMap(([name, paths]) => {
    const candidates = [...paths.values()]
    const chosen = candidates.length === 1 ? candidates : candidates.filter((path) => path.length === 1)
    return chosen.map((path) => [name, path] as const)
  })
}

/** Merges the config sources for `connector` (file < environment < --set). */
export const gatherConfig = (
  connector: AnyConnector,
  input: ConfigInput
): Effect.Effect<GatheredConfig, CliError, FileSystem.FileSystem> =>
  Effect.gen(function* () {
    const ast = connector.config.ast
    const origins = new Map<string, string>()
    const raw: Raw = input.file === undefined ? {} : yield* readFile(input.file)
    for (const key of Object.keys(raw)) origins.set(key, input.file as string)
    const fromEnv = envSettings(connector)
      .filter(([name]) => input.env[name] !== undefined)
      .sort(([, a], [, b]) => a.length - b.length)
    for (const [name, path] of fromEnv) {
      setPath(raw, path, coerce(input.env[name] as string, schemaAt(ast, path)))
      origins.set(path.join("."), name)
    }
    for (const pair of input.set) {
      const at = pair.indexOf("=")
      if (at <= 0) return yield* usageError(`--set expects key=value, got "${pair}"`)
      const path = pair.slice(0, at).split(".")
      if (path.some((segment) => segment === "")) return yield* usageError(`--set has an empty key in "${pair}"`)
      setPath(raw, path, coerce(pair.slice(at + 1), schemaAt(ast, path)))
      origins.set(path.join("."), `--set ${path.join(".")}`)
    }
    return { raw, origins }
  })

const isRedacted = (ast: AST.AST): boolean =>
  Option.exists(AST.getTypeConstructorAnnotation(ast), (annotation) => annotation._tag === "effect/Redacted") ||
  (ast._tag === "Union" && ast.types.some((member) => isRedacted(member))) ||
  (ast._tag === "Refinement" && isRedacted(ast.from)) ||
  (ast._tag === "Transformation" && (isRedacted(ast.to) || isRedacted(ast.from)))

/** Whether the setting at `path` (`--set a.b=...` → `["a", "b"]`) is a secret (`Redacted`) field. */
export const isSecretSetting = (connector: AnyConnector, path: ReadonlyArray<string>): boolean => {
  const field = schemaAt(connector.config.ast, path)
  return field !== undefined && isRedacted(field)
}

/** The secret (`Redacted`) strings given in `raw`, wherever the schema has a `Redacted` field. */
const secretValues = (ast: AST.AST, raw: unknown): ReadonlyArray<string> => {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return []
  return decodedFields(ast).flatMap((field) => {
    const value = (raw as Raw)[String(field.name)]
    if (isRedacted(field.type)) return typeof value === "string" && value !== "" ? [value] : []
    return secretValues(field.type, value)
  })
}

/**
 * The origin of the setting at `path`, or of the nearest enclosing setting that has one, or else of a
 * setting inside it (`--set typo.x=1` makes `typo` unknown).
 */
const originOf = (origins: ReadonlyMap<string, string>, path: string): string | undefined => {
  const segments = path === "" ? [] : path.split(".")
  for (let length = segments.length; length > 0; length--) {
    const origin = origins.get(segments.slice(0, length).join("."))
    if (origin !== undefined) return origin
  }
  if (path === "") return undefined
  for (const [key, origin] of origins) if (key.startsWith(`${path}.`)) return origin
  return undefined
}

/** `Expected <what>, actual <value>`: what the schema's formatter says of a value of the wrong type or literal. */
const EXPECTED = /^Expected (.+?), actual (.+)$/s

/**
 * A field's messages as one line. A union's alternatives each expect something of the same value; they
 * become one expectation (`Expected "all" | "hosts", actual "edges"`, as effect's tree formatter words a
 * union) rather than a line per alternative; other messages are joined with "; ".
 */
const oneLine = (messages: ReadonlyArray<string>): string => {
  const parts: Array<string | { readonly actual: string; readonly expected: Array<string> }> = []
  for (const message of messages) {
    const match = EXPECTED.exec(message)
    if (match === null) {
      parts.push(message)
      continue
    }
    const [, expected, actual] = match as unknown as readonly [string, string, string]
    const same = parts.find((part) => typeof part !== "string" && part.actual === actual)
    if (same === undefined || typeof same === "string") parts.push({ actual, expected: [expected] })
    else if (!same.expected.includes(expected)) same.expected.push(expected)
  }
  return parts
    .map((part) => (typeof part === "string" ? part : `Expected ${part.expected.join(" | ")}, actual ${part.actual}`))
    .join("; ")
}

/**
 * The message of a config error, fit for a terminal: one line per invalid field with where it was set
 * (`oneLine`; an optional field's "Expected undefined" alternative is dropped when the field has a real
 * complaint).
 * Issues under `Redacted` fields never quote their value (`Connector.decodeConfig` sees to it); a secret
 * that still turns up as a whole value (quoted, as in a rendered object) is replaced by `<redacted>`.
 */
export const configErrorMessage = (error: ConfigInvalid, connector: AnyConnector, config: GatheredConfig): string => {
  const secrets = secretValues(connector.config.ast, config.raw)
  const hide = (text: string) =>
    secrets.reduce(
      (out, secret) => (out === secret ? "<redacted>" : out.split(JSON.stringify(secret)).join('"<redacted>"')),
      text
    )
  const byPath = new Map<string, Array<string>>()
  for (const issue of error.issues) byPath.set(issue.path, [...(byPath.get(issue.path) ?? []), issue.message])
  const isUndefinedAlternative = (message: string) => /^Expected undefined, actual/.test(message)
  const complaints = [...byPath].filter(([, messages]) => messages.some((message) => !isUndefinedAlternative(message)))
  const lines = [...byPath].flatMap(([path, messages]) => {
    const real = messages.filter((message) => !isUndefinedAlternative(message))
    // `nested: Expected undefined` says nothing when `nested.depth` has the real complaint.
    if (real.length === 0 && complaints.some(([other]) => other.startsWith(`${path}.`) || path === "")) return []
    const origin = originOf(config.origins, path)
    const message = oneLine([...new Set(real.length > 0 ? real : messages)])
    return [
      `  - ${path === "" ? "(config)" : path}: ${hide(message)}${origin === undefined ? "" : ` (from ${origin})`}`
    ]
  })
  return `invalid configuration for connector "${error.connector}" (file < PARALLAX_* environment < --set):\n${lines.join("\n")}`
}
