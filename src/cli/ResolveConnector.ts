import { FileSystem, Path } from "@effect/platform"
import { Effect } from "effect"
import { builtins } from "../../connectors/Builtins.ts"
import { type Connector, Connector as Connectors } from "../connector/Connector.ts"
import { type CliError, usageError } from "./CliError.ts"
import { importModule } from "./ModuleLoader.ts"

// biome-ignore lint/suspicious/noExplicitAny: a loaded connector may have any config and service types
export type AnyConnector = Connector<any, any>

const looksLikePath = (reference: string) =>
  reference.includes("/") || reference.includes("\\") || /\.(m|c)?(t|j)sx?$/.test(reference)

const isConnector = (value: unknown): value is AnyConnector =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as AnyConnector).name === "string" &&
  Array.isArray((value as AnyConnector).steps) &&
  (value as AnyConnector).config !== undefined

interface Position {
  readonly file?: string
  readonly line?: number
  readonly column?: number
}

/** One build or resolve error of Bun's loader (`BuildMessage`, `ResolveMessage`) as `file:line:column: message`. */
const located = (error: unknown): string => {
  const message = error instanceof Error ? error.message : String(error)
  const position = (error as { readonly position?: Position | null }).position
  if (position?.line === undefined) return message
  return `${position.file ?? ""}:${position.line}:${position.column ?? 0}: ${message}`
}

/** Why a module did not load: every error Bun reported (an `AggregateError` holds several), one per line. */
export const loadFailure = (error: unknown): string => {
  const inner = error instanceof AggregateError ? error.errors : [error]
  const lines = inner.map(located)
  return lines.length === 1
    ? (lines[0] as string)
    : `${lines.length} errors:\n${lines.map((line) => `  ${line}`).join("\n")}`
}

/** Loads a connector module by path: its default export must be a connector. */
const loadModule = (reference: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const absolute = path.resolve(reference)
    const exists = yield* fs.exists(absolute).pipe(Effect.orElseSucceed(() => false))
    if (!exists) return yield* usageError(`connector module not found: ${absolute}`)
    const module = yield* Effect.tryPromise({
      try: () => importModule(absolute),
      catch: (error) => usageError(`cannot load connector module ${absolute}: ${loadFailure(error)}`)
    })
    const candidate = module.default
    if (!isConnector(candidate)) {
      return yield* usageError(
        `${absolute} does not export a connector as its default export (export default Connector.make({ ... }))`
      )
    }
    return candidate
  })

/**
 * Resolves `<connector>`: a built-in name, or a path to a `.ts`/`.js` module whose default export is a
 * connector. The step graph is checked (C05): duplicate steps, unknown dependencies and cycles are
 * usage errors (exit 2).
 */
export const resolveConnector = (
  reference: string
): Effect.Effect<AnyConnector, CliError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const builtin = builtins.find((connector) => connector.name === reference)
    const connector = builtin
      ? yield* Effect.promise(() => builtin.load())
      : looksLikePath(reference)
        ? yield* loadModule(reference)
        : yield* usageError(
            `unknown connector "${reference}": built-in connectors are ${builtins.map((c) => c.name).join(", ")}; or give a path to a module`
          )
    return yield* Connectors.validate(connector).pipe(Effect.mapError((error) => usageError(error.message)))
  })
