import { FileSystem, Path } from "@effect/platform"
import { Console, Duration, Effect, Either } from "effect"
import { Connector } from "../../connector/Connector.ts"
import { UnknownStep } from "../../model/Errors.ts"
import type { StepOutcome, SyncEvent } from "../../model/Events.ts"
import { emptyStats } from "../../model/Outcome.ts"
import { sync } from "../../sync/Sync.ts"
import { type CliError, ExitCode, failure, usageError } from "../CliError.ts"
import { configErrorMessage, gatherConfig } from "../ConfigSources.ts"
import { LogSink } from "../Logging.ts"
import { printable } from "../Printable.ts"
import { type ProgressMode, progress } from "../Progress.ts"
import { stepJson, syncJson, syncSummary } from "../Render.ts"
import { resolveConnector } from "../ResolveConnector.ts"
import { storeExists, storeLayer } from "../StoreAccess.ts"

export interface SyncArgs {
  readonly connector: string
  readonly account: string
  readonly config: string | undefined
  readonly set: ReadonlyArray<string>
  /** `--step`: only these steps and what they depend on (empty: every step). */
  readonly steps: ReadonlyArray<string>
  readonly db: string
  readonly dryRun: boolean
  readonly json: boolean
  readonly force: boolean
  readonly strict: boolean
  readonly concurrency: number
  /** Each step attempt's timeout when the connector sets none, in ms. */
  readonly stepTimeout: number
  readonly progress: ProgressMode
}

const exitCodeOf = { succeeded: ExitCode.ok, partial: ExitCode.partial, failed: ExitCode.failed } as const

const definitionErrors = new Set([
  "ConfigInvalid",
  "DependencyCycle",
  "UnknownDependency",
  "DuplicateStep",
  "UnknownStep"
])

/**
 * Prints the report; when standard output cannot take it (a full disk), fails with `whatHappened` and
 * why it was not written, so the error says what the sync did. A reader that went away (`EPIPE`) is left
 * to the composition root (not an error).
 */
const report = (text: string, whatHappened: string): Effect.Effect<void, CliError> =>
  Console.log(text).pipe(
    Effect.catchAllDefect((defect) => {
      if (typeof defect === "object" && defect !== null && "code" in defect && defect.code === "EPIPE") {
        return Effect.die(defect)
      }
      const why = defect instanceof Error ? defect.message : String(defect)
      return Effect.fail(failure(`${whatHappened}, but the report could not be written: ${why}`))
    })
  )

/**
 * Where a sync commits: `--db`, opened read-only for a dry run (nothing written, no lock taken, no
 * migration applied); for a dry run without a store there, a throw-away empty store in a temporary
 * directory, so that a dry run never creates (or writes) anything at `--db`.
 */
const storeOf = (args: SyncArgs) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    if (!args.dryRun) return storeLayer(args.db)
    if (yield* storeExists(args.db)) return storeLayer(args.db, { readOnly: true, purpose: "dry-run against" })
    const dir = yield* fs
      .makeTempDirectoryScoped({ prefix: "parallax-dry-run-" })
      .pipe(Effect.mapError((error) => failure(`cannot create a scratch store for the dry run: ${error.message}`)))
    return storeLayer((yield* Path.Path).join(dir, "dry-run.db"))
  })

/** `parallax sync`: one full sync; exit 0 succeeded, 3 partial, 1 failed, 2 bad usage or config. */
export const runSync = (args: SyncArgs): Effect.Effect<number, CliError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const connector = yield* resolveConnector(args.connector)
    const config = yield* gatherConfig(connector, { file: args.config, set: args.set, env: process.env })
    // Decode before the store is opened, so that bad config writes nothing at all.
    yield* Connector.decodeConfig(connector, config.raw).pipe(
      Effect.mapError((error) => usageError(configErrorMessage(error, connector, config)))
    )
    const known = connector.steps.map((step) => step.id)
    const unknownStep = args.steps.find((id) => !known.includes(id))
    if (unknownStep !== undefined) {
      return yield* usageError(new UnknownStep({ connector: connector.name, step: unknownStep, known }).message)
    }
    const syncId = crypto.randomUUID()
    const startedAt = Date.now()
    let steps: ReadonlyArray<StepOutcome> = []
    /** The generation a failed run was recorded under, as the sync says (`SyncFailed`). */
    let failedGeneration: number | null = null
    const view = progress(
      args.progress,
      connector.steps.map((step) => step.id),
      (line) => process.stderr.write(`${line}\n`)
    )
    const onEvent = (event: SyncEvent) => {
      if (event._tag === "SyncFinished") steps = event.steps
      if (event._tag === "SyncFailed") failedGeneration = event.generation
      view.onEvent(event)
    }
    const store = yield* storeOf(args)
    const outcome = yield* Effect.gen(function* () {
      const run = yield* sync(connector, {
        account: args.account,
        syncId,
        config: config.raw,
        dryRun: args.dryRun,
        force: args.force,
        strict: args.strict,
        concurrency: args.concurrency,
        ...(args.steps.length === 0 ? {} : { steps: args.steps }),
        stepTimeout: Duration.millis(args.stepTimeout),
        onEvent
      }).pipe(Effect.either)
      return { run, generation: failedGeneration }
    }).pipe(
      Effect.provide(store),
      Effect.locally(LogSink, (entry) => view.log(entry)),
      Effect.ensuring(Effect.sync(() => view.finish())),
      Effect.either
    )
    const failed = (reason: string, generation: number | null) =>
      Effect.gen(function* () {
        // One line, whatever the account or a connector's error holds (the JSON report keeps them as they are).
        const message = `sync of ${connector.name} (account ${printable(args.account)}) failed: ${printable(reason)}`
        if (args.json) {
          yield* report(
            JSON.stringify(
              {
                connector: connector.name,
                account: args.account,
                syncId,
                generation,
                status: "failed",
                dryRun: args.dryRun,
                durationMs: Date.now() - startedAt,
                stats: emptyStats,
                steps: steps.map(stepJson),
                warnings: [],
                error: reason
              },
              null,
              2
            ),
            message
          )
        }
        return yield* failure(message)
      })
    if (Either.isLeft(outcome)) return yield* failed(outcome.left.message, null)
    const { run, generation } = outcome.right
    if (Either.isLeft(run)) {
      const error = run.left
      if (definitionErrors.has(error._tag)) return yield* usageError(error.message)
      return yield* failed(error.message, generation)
    }
    const result = run.right
    yield* report(
      args.json ? JSON.stringify(syncJson(result), null, 2) : syncSummary(result),
      result.dryRun
        ? `dry run of ${connector.name} (account ${printable(args.account)}) finished, nothing committed`
        : `committed generation ${result.generation} (${result.status}) of ${connector.name} (account ${printable(args.account)})`
    )
    return exitCodeOf[result.status]
  }).pipe(Effect.scoped)
