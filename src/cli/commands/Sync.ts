import type { FileSystem, Path } from "@effect/platform"
import { Console, Effect } from "effect"
import { Connector } from "../../connector/Connector.ts"
import type { SyncEvent } from "../../scheduler/Events.ts"
import { sync } from "../../sync/Sync.ts"
import { type CliError, ExitCode, failure, usageError } from "../CliError.ts"
import { configErrorMessage, gatherConfig } from "../ConfigSources.ts"
import { type ProgressMode, progress, syncJson, syncSummary } from "../Render.ts"
import { resolveConnector } from "../ResolveConnector.ts"
import { storeLayer } from "../StoreAccess.ts"

export interface SyncArgs {
  readonly connector: string
  readonly account: string
  readonly config: string | undefined
  readonly set: ReadonlyArray<string>
  readonly db: string
  readonly dryRun: boolean
  readonly json: boolean
  readonly force: boolean
  readonly strict: boolean
  readonly concurrency: number
  readonly progress: ProgressMode
}

const exitCodeOf = { succeeded: ExitCode.ok, partial: ExitCode.partial, failed: ExitCode.failed } as const

/** `parallax sync`: one full sync; exit 0 succeeded, 3 partial, 1 failed, 2 bad usage or config. */
export const runSync = (args: SyncArgs): Effect.Effect<number, CliError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const connector = yield* resolveConnector(args.connector)
    const config = yield* gatherConfig(connector, { file: args.config, set: args.set, env: process.env })
    // Decode before the store is opened, so that bad config writes nothing at all.
    yield* Connector.decodeConfig(connector, config).pipe(
      Effect.mapError((error) => usageError(configErrorMessage(error, connector, config)))
    )
    const view = progress(
      args.progress,
      connector.steps.map((step) => step.id),
      (line) => process.stderr.write(`${line}\n`)
    )
    const result = yield* sync(connector, {
      account: args.account,
      config,
      dryRun: args.dryRun,
      force: args.force,
      strict: args.strict,
      concurrency: args.concurrency,
      onEvent: (event: SyncEvent) => view.onEvent(event)
    }).pipe(
      Effect.provide(storeLayer(args.db)),
      Effect.ensuring(Effect.sync(() => view.finish())),
      Effect.mapError((error) => {
        if (error._tag === "CliError") return error
        if (error._tag === "ConfigInvalid" || error._tag === "DependencyCycle") return usageError(error.message)
        if (error._tag === "UnknownDependency" || error._tag === "DuplicateStep") return usageError(error.message)
        return failure(`sync of ${connector.name} (account ${args.account}) failed: ${error.message}`)
      })
    )
    yield* Console.log(args.json ? JSON.stringify(syncJson(result), null, 2) : syncSummary(result))
    return exitCodeOf[result.status]
  })
