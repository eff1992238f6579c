import { Effect, Option, type Scope, Stream } from "effect"
import type { Connector } from "../connector/Connector.ts"
import { StagingFailed } from "../model/Errors.ts"
import type { EventSink, StepOutcome } from "../model/Events.ts"
import type { SyncResult } from "../model/Outcome.ts"
import { responsive } from "../scheduler/Responsive.ts"
import {
  type CommitOutcome,
  type CommitRequest,
  commit,
  defaultMassDeletion,
  dryRun,
  type MassDeletionPolicy,
  recordFailure
} from "./Commit.ts"
import { type Collected, collectConfigured, configure, type RunError, type RunOptions, type RunOutput } from "./Run.ts"
import { NO_STEPS, type ReadSession, type ScopeRef, Store, type StoreDriver, type WriteSession } from "./Store.ts"
import type { MassDeletion, ScopeLocked, StoreFailure } from "./StoreErrors.ts"
import { diskStaging } from "./staging/Disk.ts"
import type { CoreStaging } from "./staging/Staging.ts"

/** How to commit: dry run, the mass-deletion guard, how long to wait for the scope's lock. */
export interface CommitOptions {
  /**
   * Compute the change set and return it with a preview; write nothing. Takes a read-only session of the
   * store: no lock (it does not wait for a sync of the same scope), no migration, no run recorded.
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

/** Why a commit failed: the batch was refused, the scope is busy, staging or the store failed. */
export type CommitError = MassDeletion | ScopeLocked | StagingFailed | StoreFailure

/** Why a sync failed. Step failures are not here: they make the sync `partial` (C06, C07). */
export type SyncError = RunError | CommitError

const policy = (options: CommitOptions): MassDeletionPolicy => ({
  maxShare: options.massDeletion?.maxShare ?? defaultMassDeletion.maxShare,
  minRows: options.massDeletion?.minRows ?? defaultMassDeletion.minRows,
  force: options.force ?? false
})

/** A `StagingFailed` thrown from staging (a defect where it surfaced) as the sync's typed failure. */
const stagingFailures = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | StagingFailed, R> =>
  Effect.catchSomeDefect(effect, (defect) =>
    defect instanceof StagingFailed ? Option.some(Effect.fail(defect)) : Option.none()
  )

/** Whether the session's scope holds any row: reads the first few committed rows of each kind at most. */
const holdsRows = (session: ReadSession) =>
  session.read(undefined, (tx) =>
    Stream.concat(tx.committed(0, NO_STEPS).pipe(Stream.take(1)), tx.committed(1, NO_STEPS).pipe(Stream.take(1))).pipe(
      Stream.take(1),
      Stream.runCount,
      Effect.map((count) => count > 0)
    )
  )

/**
 * The sync's staging on disk, for this session's store and scope: a table the driver attaches when it
 * does and the scope holds no rows yet (every row will be inserted), else a log (see `DiskSpill`).
 */
const stagingFor = (store: StoreDriver, session: ReadSession) =>
  Effect.gen(function* () {
    const table = store.attachesSpill === true && !(yield* holdsRows(session))
    return yield* diskStaging(store.testing?.stagingMaxBytes, table ? "table" : "log")
  })

/** Makes a sync's staging (see `stagingFor`); scoped: closed with the sync. */
type StageEffect = Effect.Effect<CoreStaging, StagingFailed | StoreFailure, Scope.Scope>

/**
 * One scope's session: a dry run's read-only one, or a sync's, which records a failed run when `run`
 * fails (the failure's generation goes out as a `SyncFailed` event). `run` makes its staging with `stage`.
 */
const withSession = <A, E, R>(
  store: StoreDriver,
  scope: ScopeRef,
  options: CommitOptions,
  syncId: string,
  startedAt: Date,
  run: (
    commitTo: (staging: CoreStaging, request: CommitRequest) => Effect.Effect<CommitOutcome, CommitError>,
    stage: StageEffect
  ) => Effect.Effect<A, E, R>,
  steps: () => ReadonlyArray<StepOutcome>
) =>
  Effect.gen(function* () {
    const emit = options.onEvent ?? (() => {})
    if (options.dryRun) {
      const session = yield* store.beginReadOnly(scope)
      return yield* run(
        (staging, request) => dryRun(session, staging, request, store.testing),
        stagingFor(store, session)
      )
    }
    const session: WriteSession = yield* store.begin(scope, {
      ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
      onLockWait: (holder, timeoutMs) =>
        emit({ _tag: "ScopeLockWaiting", connector: scope.connector, account: scope.account, holder, timeoutMs })
    })
    return yield* run(
      (staging, request) => commit(session, staging, request, store.location, store.testing),
      stagingFor(store, session)
    ).pipe(
      // Every failure after the session began is recorded (recording may fail too: then it is not).
      Effect.tapError((error) =>
        recordFailure(
          session,
          {
            syncId,
            steps: steps(),
            startedAt,
            error: (error as { readonly message?: string }).message ?? String(error)
          },
          store.location,
          store.testing
        ).pipe(
          Effect.option,
          Effect.flatMap((generation) =>
            Effect.sync(() =>
              emit({
                _tag: "SyncFailed",
                syncId,
                generation: Option.getOrNull(generation),
                error: (error as { readonly message?: string }).message ?? String(error)
              })
            )
          )
        )
      )
    )
  })

/** The result of a commit (or dry run) of what was collected. */
const resultOf = (collected: Collected, outcome: CommitOutcome, dryRun: boolean): SyncResult => ({
  connector: collected.connector,
  account: collected.account,
  syncId: collected.syncId,
  generation: outcome.generation,
  status: outcome.status,
  dryRun,
  stats: outcome.stats,
  ...(outcome.preview === undefined ? {} : { preview: outcome.preview }),
  steps: outcome.steps,
  warnings: collected.warnings,
  startedAt: collected.startedAt,
  finishedAt: outcome.finishedAt,
  durationMs: outcome.finishedAt.getTime() - collected.startedAt.getTime()
})

/** Commits (or dry-runs) what `staging` holds for `collected`, and says so with `SyncCommitted`. */
const publish = (
  commitTo: (staging: CoreStaging, request: CommitRequest) => Effect.Effect<CommitOutcome, CommitError>,
  staging: CoreStaging,
  collected: Collected,
  options: CommitOptions
) =>
  Effect.gen(function* () {
    const staged = staging.kinds[0].rows + staging.kinds[1].rows
    options.onEvent?.({ _tag: "CommitProgress", phase: "staging", done: 0, total: staged })
    yield* Effect.try({ try: () => staging.seal(), catch: (error) => error as StagingFailed })
    const outcome = yield* commitTo(staging, {
      syncId: collected.syncId,
      steps: collected.steps,
      startedAt: collected.startedAt,
      massDeletion: policy(options),
      ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent })
    })
    const result = resultOf(collected, outcome, options.dryRun ?? false)
    options.onEvent?.({
      _tag: "SyncCommitted",
      syncId: result.syncId,
      generation: result.generation,
      status: result.status,
      dryRun: result.dryRun,
      stats: result.stats
    })
    return result
  })

/**
 * Configure → Discover → Collect → Publish → Commit (DESIGN §2), staging emitted objects on disk as they
 * come (`Disk.ts`). Step failures make the run `partial` (or `failed` when no step succeeded) and never
 * delete what those steps owned; a step whose relationships point at entities that exist nowhere fails
 * at the commit (C04). A failed discovery, a refused batch (mass deletion), a failed staging or commit
 * fail the effect with their typed error after recording a failed run (a `SyncFailed` event gives its
 * generation); nothing else is written. A connector that cannot be loaded (bad step graph) or configured
 * fails before the store is touched: no lock taken, no run recorded, no generation used.
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
      let steps: ReadonlyArray<StepOutcome> = []
      const onEvent: EventSink = (event) => {
        if (event._tag === "SyncFinished") steps = event.steps
        options.onEvent?.(event)
      }
      return yield* withSession(
        store,
        { connector: connector.name, account },
        options,
        syncId,
        startedAt,
        (commitTo, stage) =>
          Effect.gen(function* () {
            const staging = yield* stage
            const collected = yield* stagingFailures(
              collectConfigured(connector, config, staging, { ...options, account, syncId, onEvent })
            )
            return yield* publish(commitTo, staging, collected, options)
          }),
        () => steps
      )
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
      return yield* withSession(
        store,
        { connector: output.connector, account: output.account },
        options,
        output.syncId,
        output.startedAt,
        (commitTo, stage) =>
          Effect.gen(function* () {
            const staging = yield* stage
            yield* stagingFailures(
              Effect.sync(() => {
                // The owner first, then the steps that emitted identical copies (they take over if it fails).
                for (const { step, alsoBy, ...record } of output.entities) {
                  for (const by of [step, ...(alsoBy ?? [])]) staging.putEntity(by, record)
                }
                for (const { step, alsoBy, ...record } of output.relationships) {
                  for (const by of [step, ...(alsoBy ?? [])]) staging.putRelationship(by, record)
                }
              })
            )
            return yield* publish(commitTo, staging, output, options)
          }),
        () => output.steps
      )
    })
  ).pipe(responsive)
