import { type FileSystem, Path } from "@effect/platform"
import { Effect } from "effect"
import { builtinHarness } from "../../../connectors/index.ts"
import { type HarnessSetup, runCheck as verifyAndPrint } from "../../../harness/Check.ts"
import { type CliError, usageError } from "../CliError.ts"
import { importModule } from "../ModuleLoader.ts"
import { resolveConnector } from "../ResolveConnector.ts"

// biome-ignore lint/suspicious/noExplicitAny: a loaded connector's harness setup may have any source type
type AnySetup = HarnessSetup<any, any>

const isSetup = (value: unknown): value is AnySetup => typeof value === "object" && value !== null

/** The harness setup of `<connector>`: the built-in registry's, or a module's `harness` export. */
const setupOf = (reference: string): Effect.Effect<AnySetup | undefined, never, Path.Path> =>
  Effect.gen(function* () {
    const builtin = builtinHarness[reference]
    if (builtin !== undefined) return builtin
    if (!/[/\\]|\.(m|c)?(t|j)sx?$/.test(reference)) return undefined
    const path = yield* Path.Path
    // Already imported by `resolveConnector`: this reads the same module instance from the cache.
    const module = yield* Effect.promise(() => importModule(path.resolve(reference))).pipe(
      Effect.orElseSucceed(() => ({}) as Record<string, unknown>)
    )
    return isSetup(module.harness) ? module.harness : undefined
  })

/**
 * `parallax check <connector> [--runs N] [--seed S] [--path P] [--property NAME]... [--json]`: runs the
 * property-based harness (docs/harness.md) on a built-in connector or a module; exit 0 when every
 * property that ran holds, 1 when one failed, 2 for bad usage (unknown connector or property).
 */
export const runCheck = (args: {
  readonly connector: string
  readonly runs: number | undefined
  readonly seed: number | undefined
  readonly path: string | undefined
  readonly properties: ReadonlyArray<string>
  readonly json: boolean
}): Effect.Effect<number, CliError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const connector = yield* resolveConnector(args.connector)
    const setup = yield* setupOf(args.connector)
    if (args.path !== undefined && args.seed === undefined) {
      return yield* usageError("--path replays a counterexample of one seed: give --seed too")
    }
    if (args.runs !== undefined && (!Number.isSafeInteger(args.runs) || args.runs < 1)) {
      return yield* usageError(`--runs must be a positive integer, got ${args.runs}`)
    }
    const { exitCode } = yield* verifyAndPrint(connector, args.connector, setup, {
      runs: args.runs,
      seed: args.seed,
      path: args.path,
      properties: args.properties,
      json: args.json
    }).pipe(
      Effect.mapError((error) =>
        usageError(
          `${error.message}: properties are idempotency, scoping, fault-isolation, atomicity, convergence, order, secrets`
        )
      )
    )
    return exitCode
  })
