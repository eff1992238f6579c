import { Effect } from "effect"
import type { Connector } from "../connector/Connector.ts"
import {
  type Collected,
  collectConfigured,
  configure,
  type RunError,
  type RunOptions,
  type RunOutput
} from "../connector/Run.ts"
import { type EventSink, LEFT_OUT, type StepOutcome } from "../scheduler/Events.ts"
import { responsive } from "../scheduler/Responsive.ts"
import {
  defaultMassDeletion,
  type MassDeletion,
  type MassDeletionPolicy,
  type ReferentialIntegrity,
  type ScopeLocked,
  Store,
  type StoreFailure,
  type SyncSession
} from "../store/Store.ts"
import type { SyncResult, SyncStatus } from "./SyncResult.ts"

/** How to commit: dry run, the mass-deletion guard, how long to wait for the scope's lock. */
export interface CommitOptions {
  /**
   * Compute the change set and return it with a preview; write nothing. Takes a read-only session of the
   * store: no lock (it does not wait for a sync of the same scope), no migration (a store at an older
   * schema is refused), no run recorded.
   */
  readonly dryRun?: boolean
  /** Commit even when the mass-deletion guard would refuse (C13). */
  readonly force?: boolean
  /** Overrides of the mass-deletion guard (default: refuse deleting more than half of a scope of ≥ 20 rows). */
  readonly massDeletion?: Partial<Omit<MassDeletionPolicy, "force">>
  /** How long to wait for another sync of the same scope (default: the store's, 60 s for SQLite). */
  readonly lockTimeoutMs?: number
  readonly onEvent?: EventSink
}

/** How to sync: how to run the connector, plus how to commit. */
export interface SyncOptions<R = never> extends RunOptions<R>, CommitOptions {}

/** Why a commit failed: the batch was rejected, the scope is busy, or the store failed (or is corrupt). */
export type CommitError = ReferentialIntegrity | MassDeletion | ScopeLocked | StoreFailure

/** Why a sync failed. Step failures are not here: they make the sync `partial` (C06, C07). */
export type SyncError = RunError | CommitError

/**
 * The status of a run from its step outcomes, counting only the steps meant to run (a step disabled by
 * config or not selected was left out on purpose): each of those succeeded => `succeeded`; none did
 * (and there were some) => `failed`, with nothing deleted or changed; otherwise `partial`. The rows of
 * every step that did not succeed are kept as they were (C07).
 */
export const statusOf = (steps: ReadonlyArray<StepOutcome>): SyncStatus => {
  const meant = steps.filter((step) => !LEFT_OUT.has(step.status))
  const succeeded = meant.filter((step) => step.status === "succeeded").length
  if (succeeded === meant.length) return "succeeded"
  return succeeded === 0 ? "failed" : "partial"
}

const policy = (options: CommitOptions): MassDeletionPolicy => ({
  maxShare: options.massDeletion?.maxShare ?? defaultMassDeletion.maxShare,
  minRows: options.massDeletion?.minRows ?? defaultMassDeletion.minRows,
  force: options.force ?? false
})

/** A dry run takes a read-only session: no lock, no migration, nothing written to the store. */
const beginOptions = (options: CommitOptions) => ({
  readOnly: options.dryRun ?? false,
  ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs })
})

/** Validates, diffs and commits what `session` staged for `collected`. */
const publish = (session: SyncSession, collected: Collected, options: CommitOptions) =>
  Effect.gen(function* () {
    const status = statusOf(collected.steps)
    const dryRun = options.dryRun ?? false
    const outcome = yield* session
      .commit({
        syncId: collected.syncId,
        status,
        steps: collected.steps,
        startedAt: collected.startedAt,
        dryRun,
        massDeletion: policy(options)
      })
      .pipe(
        // Every failed commit is recorded, a failed write too (recording may then fail as well: ignored).
        Effect.tapError((error) =>
          dryRun
            ? Effect.void
            : session
                .recordFailure({
                  syncId: collected.syncId,
                  steps: collected.steps,
                  startedAt: collected.startedAt,
                  error: error.message
                })
                .pipe(Effect.ignore)
        )
      )
    const result: SyncResult = {
      connector: collected.connector,
      account: collected.account,
      syncId: collected.syncId,
      generation: outcome.generation,
      status,
      dryRun,
      stats: outcome.stats,
      ...(dryRun && outcome.preview !== undefined ? { preview: outcome.preview } : {}),
      steps: collected.steps,
      warnings: collected.warnings,
      startedAt: collected.startedAt,
      finishedAt: outcome.finishedAt,
      durationMs: outcome.finishedAt.getTime() - collected.startedAt.getTime()
    }
    options.onEvent?.({
      _tag: "SyncCommitted",
      syncId: result.syncId,
      generation: result.generation,
      status,
      dryRun,
      stats: result.stats
    })
    return result
  })

/**
 * Configure → Discover → Collect → Publish → Commit (DESIGN §2), streaming emitted objects into the
 * store's on-disk staging. Step failures make the run `partial` (or `failed` when no step succeeded) and
 * never delete what those steps owned. A failed discovery, a rejected batch (referential integrity, mass
 * deletion) or a failed commit fail the effect with their typed error after recording a failed run;
 * nothing else is written. A connector that cannot be loaded (bad step graph) or configured fails before
 * the store is touched: no lock taken, no run recorded, no generation used.
 *
 * @example
 * const result = yield* sync(myConnector, { account: "prod", config: { region: "eu-west-1" } }).pipe(
 *   Effect.provide(SqliteStore.layerWith({ path: "./parallax.db" }))
 * )
 */
export const sync = <C, R>(
  connector: Connector<C, R>,
  options: SyncOptions<R> = {}
): Effect.Effect<SyncResult, SyncError, Store> =>
  Effect.scoped(
    Effect.gen(function* () {
      const config = yield* configure(connector, options)
      const store = yield* Store
      const account = options.account ?? "default"
      const syncId = options.syncId ?? crypto.randomUUID()
      const startedAt = new Date()
      const session = yield* store.begin({ connector: connector.name, account }, beginOptions(options))
      const collected = yield* collectConfigured(connector, config, session.staging, {
        ...options,
        account,
        syncId
      }).pipe(
        Effect.tapError((error) =>
          options.dryRun
            ? Effect.void
            : session.recordFailure({ syncId, steps: [], startedAt, error: error.message }).pipe(Effect.ignore)
        )
      )
      return yield* publish(session, collected, options)
    })
  ).pipe(responsive, Effect.withSpan("Sync.sync", { attributes: { connector: connector.name } }))

/**
 * Commits the in-memory output of `runConnector` (for tests and small sources; `sync` streams instead).
 *
 * @example
 * const output = yield* runConnector(myConnector, { account: "prod" })
 * const result = yield* commitSync(output)
 */
export const commitSync = (
  output: RunOutput,
  options: CommitOptions = {}
): Effect.Effect<SyncResult, CommitError, Store> =>
  Effect.scoped(
    Effect.gen(function* () {
      const store = yield* Store
      const session = yield* store.begin(
        { connector: output.connector, account: output.account },
        beginOptions(options)
      )
      for (const { step, ...record } of output.entities) session.staging.putEntity(step, record)
      for (const { step, ...record } of output.relationships) session.staging.putRelationship(step, record)
      return yield* publish(session, output, options)
    })
  ).pipe(responsive)
