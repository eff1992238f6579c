import { type FileSystem, Path } from "@effect/platform"
import { Effect } from "effect"
import { builtinHarness } from "../../../connectors/index.ts"
import {
  type HarnessSetup,
  PROPERTY_NAMES,
  postgresBackend,
  runCheck as verifyAndPrint
} from "../../../harness/index.ts"
import { Connector } from "../../connector/Connector.ts"
import { secretsOf } from "../../connector/Secrets.ts"
import { type CliError, usageError } from "../CliError.ts"
import { gatherConfig, isSecretSetting } from "../ConfigSources.ts"
import { importModule } from "../ModuleLoader.ts"
import { type AnyConnector, resolveConnector } from "../ResolveConnector.ts"

// biome-ignore lint/suspicious/noExplicitAny: a loaded connector's harness setup may have any source type
type AnySetup = HarnessSetup<any, any>

const isSetup = (value: unknown): value is AnySetup => typeof value === "object" && value !== null

const isModulePath = (reference: string) => /[/\\]|\.(m|c)?(t|j)sx?$/.test(reference)

/** The harness setup of `<connector>`: the built-in registry's, or a module's `harness` export. */
const setupOf = (reference: string): Effect.Effect<AnySetup | undefined, never, Path.Path> =>
  Effect.gen(function* () {
    const builtin = builtinHarness[reference]
    if (builtin !== undefined) return builtin
    if (!isModulePath(reference)) return undefined
    const path = yield* Path.Path
    // Already imported by `resolveConnector`: this reads the same module instance from the cache.
    const module = yield* Effect.promise(() => importModule(path.resolve(reference))).pipe(
      Effect.orElseSucceed(() => ({}) as Record<string, unknown>)
    )
    return isSetup(module.harness) ? module.harness : undefined
  })

let instances = 0

/**
 * Fresh instances of a connector module: the module imported anew under a cache-busting query, so its
 * module-level state (a cursor, a memo) starts empty; modules it imports itself stay shared.
 */
const loaderOf = (reference: string): Effect.Effect<(() => Promise<AnyConnector>) | undefined, never, Path.Path> =>
  Effect.gen(function* () {
    if (builtinHarness[reference] !== undefined || !isModulePath(reference)) return undefined
    const absolute = (yield* Path.Path).resolve(reference)
    return async () => {
      const module = await importModule(`${absolute}?parallax-check-instance=${++instances}`)
      return module.default as AnyConnector
    }
  })

const shellWord = (word: string) => (/^[\w./:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)

/**
 * The config flags as the replay command repeats them; a `--set` whose key is a secret field, or whose
 * value decodes into a secret, shows `<secret>` instead of its value.
 */
const configFlags = (
  connector: AnyConnector,
  config: Readonly<Record<string, unknown>>,
  file: string | undefined,
  set: ReadonlyArray<string>
) =>
  Effect.gen(function* () {
    const decoded = yield* Connector.decodeConfig(connector, config).pipe(Effect.orElseSucceed(() => undefined))
    const secrets = new Set(secretsOf(decoded).map((text) => text.trim()))
    return [
      ...(file === undefined ? [] : [`--config ${shellWord(file)}`]),
      ...set.map((pair) => {
        const at = pair.indexOf("=")
        const key = pair.slice(0, Math.max(0, at))
        const secret = isSecretSetting(connector, key.split(".")) || secrets.has(pair.slice(at + 1).trim())
        return `--set ${shellWord(secret ? `${key}=<secret>` : pair)}`
      })
    ]
  })

/** The arguments of `parallax check`. */
export interface CheckArgs {
  readonly connector: string
  readonly runs: number | undefined
  readonly seed: number | undefined
  readonly path: string | undefined
  readonly properties: ReadonlyArray<string>
  readonly json: boolean
  /** `--config FILE`: the connector's configuration, as for `parallax sync`. */
  readonly config?: string | undefined
  /** `--set key=value`, repeatable, as for `parallax sync`. */
  readonly set?: ReadonlyArray<string> | undefined
  /** `--db postgres://...`: every trial in a fresh schema of that database instead of a fresh SQLite file. */
  readonly db?: string | undefined
}

/**
 * `parallax check <connector> [--runs N] [--seed S] [--path P --property NAME] [--property NAME]...
 * [--config F] [--set k=v]... [--json]`: runs the property-based harness (docs/harness.md) on a built-in
 * connector or a module. Config comes from the same sources as `parallax sync` (file < `PARALLAX_*`
 * environment < `--set`) and is merged over the harness setup's. Exit 0 when every property that ran
 * holds, 1 when one failed, 2 for bad usage (unknown connector or property, `--path` without `--seed` and
 * exactly one `--property`) or a configuration that does not decode.
 */
export const runCheck = (args: CheckArgs): Effect.Effect<number, CliError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    if (args.path !== undefined && args.seed === undefined) {
      return yield* usageError("--path replays a counterexample of one seed: give --seed too")
    }
    if (args.path !== undefined && args.properties.length !== 1) {
      return yield* usageError(
        `--path replays a counterexample of one property: give exactly one --property (got ${args.properties.length})`
      )
    }
    if (args.runs !== undefined && (!Number.isSafeInteger(args.runs) || args.runs < 1)) {
      return yield* usageError(`--runs must be a positive integer, got ${args.runs}`)
    }
    const connector = yield* resolveConnector(args.connector)
    const setup = yield* setupOf(args.connector)
    const set = args.set ?? []
    const { raw: config } = yield* gatherConfig(connector, { file: args.config, set, env: process.env })
    const { exitCode } = yield* verifyAndPrint(connector, args.connector, setup, {
      runs: args.runs,
      seed: args.seed,
      path: args.path,
      properties: args.properties,
      json: args.json,
      config: Object.keys(config).length === 0 ? undefined : config,
      configFlags: yield* configFlags(connector, config, args.config, set),
      load: yield* loaderOf(args.connector),
      ...(args.db === undefined ? {} : { backend: postgresBackend(args.db) })
    }).pipe(Effect.mapError((error) => usageError(`${error.message}: properties are ${PROPERTY_NAMES.join(", ")}`)))
    return exitCode
  })
