import type { Database } from "bun:sqlite"
import { Chunk, Duration, Effect, Layer, Option, Schedule, type Scope, Stream } from "effect"
import { emptyStats } from "../../sync/SyncResult.ts"
import {
  type CommitRequest,
  type FailedRun,
  MassDeletion,
  type OpenError,
  ReferentialIntegrity,
  SchemaTooNew,
  ScopeLocked,
  type ScopeRef,
  Store,
  StoreError,
  type StoreService,
  type SyncSession
} from "../Store.ts"
import { commitNow, commitSteps, type Faults, type Mutant } from "./Commit.ts"
import { describeHolder, type LockHolder, tryLock, unlock, type WRITER_BUSY } from "./Lock.ts"
import { type ConnectionOptions, openDatabase, storeFailure } from "./Open.ts"
import * as ReadOnly from "./ReadOnly.ts"
import * as Reads from "./Reads.ts"
import { recordFailedRun } from "./RunRecord.ts"
import { SqliteStaging } from "./SqliteStaging.ts"

/** Options of the SQLite adapter. */
export interface SqliteStoreOptions {
  /** The database file; default `./parallax.db`. */
  readonly path?: string
  /** How long `begin` waits for another sync of the same scope, or for the write lock to take it (default 60 s). */
  readonly lockTimeoutMs?: number
  /** How long a write waits for another process's write transaction (default 120 s). */
  readonly busyTimeoutMs?: number
  /** Page cache of a sync's connection in MiB (default 16, as the reader connection's). */
  readonly cacheMiB?: number
  /** Page cache of a sync's on-disk staging in MiB (default 16). Bounds the sync's memory. */
  readonly stagingCacheMiB?: number
  /** Fault injection for atomicity tests and the harness (see `Store.ts`). */
  readonly faults?: Faults
  /** @internal A deliberate bug, only for proving that tests and the harness catch it (see `Mutant`). */
  readonly mutant?: Mutant
  /**
   * @internal Page cache of read commands' connection in pages instead of MiB: tests make it tiny so that
   * the pages a read visits show as file reads (see `test/store/ReadScaling.test.ts`).
   */
  readonly readerCachePages?: number
  /** @internal Diff every commit (no insert-only or unchanged plan): the reference the plans are tested against. */
  readonly alwaysDiff?: boolean
  /**
   * Open the store for reading only: no file is created, no migration applied, nothing written (not even
   * `-wal`/`-shm` files when there are none, see `ReadOnly.ts`); the file must exist at the current schema
   * version. Only read-only sessions can `begin` (dry runs); reads see the file as it is at each call.
   */
  readonly readOnly?: boolean
}

export const DEFAULT_PATH = "./parallax.db"

const EXPORT_CHUNK = 1024

const open = (path: string, connection: ConnectionOptions, migrations: boolean) =>
  Effect.acquireRelease(
    Effect.suspend(() => {
      const db = openDatabase(path, connection, migrations)
      return db instanceof Error ? Effect.fail(db as OpenError) : Effect.succeed(db)
    }),
    (db) => Effect.sync(() => db.close())
  )

/**
 * The SQLite store (DESIGN §6): one file, WAL, migrations applied on open. Each sync session opens its
 * own connection, whose TEMP database stages the sync's objects on disk. A read-only session's
 * connection attaches the store file only to compute its dry run (`ReadOnly.ts`).
 *
 * @example
 * const store = yield* SqliteStore.make({ path: "./parallax.db" })
 */
export const make = (options: SqliteStoreOptions = {}): Effect.Effect<StoreService, OpenError, Scope.Scope> =>
  Effect.gen(function* () {
    const location = options.path ?? DEFAULT_PATH
    const connection: ConnectionOptions = {
      busyTimeoutMs: options.busyTimeoutMs ?? 120_000,
      cacheMiB: options.cacheMiB ?? 16
    }
    const faults = options.faults ?? {}
    const readerConnection: ConnectionOptions = {
      ...connection,
      cacheMiB: Math.min(16, connection.cacheMiB),
      ...(options.readerCachePages === undefined ? {} : { cachePages: options.readerCachePages })
    }
    const failure = (operation: string, cause: unknown) =>
      cause instanceof StoreError ? cause : storeFailure(operation, location, cause)
    const tryStore = <A>(operation: string, run: () => A) =>
      Effect.try({ try: run, catch: (cause) => failure(operation, cause) })

    /** A read of a read-only store: a connection of its own, the file attached for one transaction. */
    const readOnlyRead = <A>(run: (db: Database) => A): A => {
      const db = ReadOnly.connect(readerConnection)
      try {
        return ReadOnly.withStore(db, location, readerConnection, () => db.transaction(() => run(db)).deferred())
      } finally {
        db.close()
      }
    }
    if (options.readOnly) {
      // Checked once here, as opening a writable store checks (and migrates) it.
      yield* tryStore("open", () => readOnlyRead((db) => ReadOnly.inspect(db, location))).pipe(
        Effect.catchIf(
          (error) => error instanceof StoreError && error.cause instanceof SchemaTooNew,
          (error) => Effect.fail(error.cause as SchemaTooNew)
        )
      )
    }
    const reader = options.readOnly ? undefined : yield* open(location, readerConnection, true)

    const attempt = <A>(operation: string, run: (db: Database) => A, db: Database | undefined = reader) =>
      tryStore(operation, () => (db === undefined ? readOnlyRead(run) : run(db)))

    const lock = (db: Database, scope: ScopeRef, holder: string, timeoutMs: number) => {
      const start = Date.now()
      let last: LockHolder | typeof WRITER_BUSY | undefined
      const remaining = () => Math.max(0, timeoutMs - (Date.now() - start))
      return attempt(
        "lock",
        () => (last = tryLock(db, scope, holder, { waitMs: remaining(), busyTimeoutMs: connection.busyTimeoutMs })),
        db
      ).pipe(
        Effect.flatMap((held) => (held === undefined ? Effect.void : Effect.fail("held" as const))),
        Effect.retry({
          schedule: Schedule.spaced(Duration.millis(50)),
          while: (error) => error === "held" && remaining() > 0
        }),
        Effect.catchIf(
          (error): error is "held" => error === "held",
          () =>
            Effect.fail(
              new ScopeLocked({
                connector: scope.connector,
                account: scope.account,
                waitedMs: Date.now() - start,
                holder: last === undefined ? "another sync" : describeHolder(last)
              })
            )
        )
      )
    }

    const commitFailure = (cause: unknown) =>
      cause instanceof ReferentialIntegrity || cause instanceof MassDeletion ? cause : failure("commit", cause)

    const beginWriting = (scope: ScopeRef, lockTimeoutMs: number | undefined) =>
      Effect.gen(function* () {
        const db = yield* open(location, connection, false).pipe(
          Effect.catchTag("SchemaTooNew", (error) =>
            Effect.fail(new StoreError({ operation: "begin", location, cause: error }))
          )
        )
        const holder = crypto.randomUUID()
        yield* Effect.acquireRelease(lock(db, scope, holder, lockTimeoutMs ?? options.lockTimeoutMs ?? 60_000), () =>
          Effect.sync(() => unlock(db, scope.connector, scope.account, holder)).pipe(Effect.ignore)
        )
        const staging = yield* Effect.acquireRelease(
          attempt("staging", () => new SqliteStaging(db, options.stagingCacheMiB ?? 16), db),
          (staging) => Effect.sync(() => staging.dispose())
        )
        const step = <A>(run: () => A) => Effect.try({ try: run, catch: commitFailure })
        /**
         * The commit's transaction, its steps run one by one: between them the fiber yields, so that Ctrl-C
         * (an interruption) stops the commit there, and the transaction is rolled back.
         */
        const commit = (request: CommitRequest) =>
          Effect.acquireUseRelease(
            step(() => {
              staging.flush()
              const batch = staging.batch()
              db.exec("BEGIN IMMEDIATE")
              return commitSteps(db, scope, request, batch, faults, options.mutant, options.alwaysDiff)
            }),
            (steps) =>
              Effect.gen(function* () {
                let next = yield* step(() => steps.next())
                while (!next.done) {
                  yield* Effect.yieldNow()
                  next = yield* step(() => steps.next())
                }
                yield* step(() => db.exec("COMMIT"))
                return next.value
              }),
            () => Effect.sync(() => (db.inTransaction ? db.exec("ROLLBACK") : undefined)).pipe(Effect.ignore)
          ).pipe(Effect.withSpan("Store.commit"))
        const session: SyncSession = {
          scope,
          readOnly: false,
          staging,
          commit,
          recordFailure: (run: FailedRun) =>
            attempt(
              "record run",
              () => {
                staging.flush()
                return recordFailedRun(db, scope, run, emptyStats, faults.beforeWrite)
              },
              db
            )
        }
        return session
      })

    /** No lock, no migration, nothing written: staging in the connection's TEMP, the file attached to commit. */
    const beginReadOnly = (scope: ScopeRef) =>
      Effect.gen(function* () {
        const db = yield* Effect.acquireRelease(
          tryStore("begin", () => ReadOnly.connect(connection)),
          (db) => Effect.sync(() => db.close())
        )
        yield* tryStore("begin", () =>
          ReadOnly.withStore(db, location, connection, () => ReadOnly.inspect(db, location))
        )
        const staging = yield* Effect.acquireRelease(
          tryStore("staging", () => new SqliteStaging(db, options.stagingCacheMiB ?? 16)),
          (staging) => Effect.sync(() => staging.dispose())
        )
        const commit = (request: CommitRequest) =>
          Effect.try({
            try: () => {
              staging.flush()
              const batch = staging.batch()
              return ReadOnly.withStore(db, location, connection, () =>
                commitNow(
                  db,
                  commitSteps(db, scope, request, batch, faults, options.mutant, options.alwaysDiff, true),
                  true
                )
              )
            },
            catch: commitFailure
          }).pipe(Effect.withSpan("Store.commit"))
        const session: SyncSession = {
          scope,
          readOnly: true,
          staging,
          commit: (request) =>
            request.dryRun ? commit(request) : Effect.dieMessage("a read-only session can only compute a dry run"),
          recordFailure: () => Effect.dieMessage("a read-only session records nothing")
        }
        return session
      })

    const begin: StoreService["begin"] = (scope, beginOptions) =>
      beginOptions?.readOnly
        ? beginReadOnly(scope)
        : options.readOnly
          ? Effect.fail(
              new StoreError({
                operation: "begin",
                location,
                cause: new Error("the store was opened read-only: only read-only sessions (dry runs) can begin")
              })
            )
          : beginWriting(scope, beginOptions?.lockTimeoutMs)

    /** The merged graph from the reader, or from one attach of a read-only store (refused if the file changed). */
    const graphItems = Effect.gen(function* () {
      if (reader !== undefined) return { items: Reads.graph(reader), changed: () => false }
      const db = yield* Effect.acquireRelease(
        tryStore("export", () => ReadOnly.connect(readerConnection)),
        (db) => Effect.sync(() => db.close())
      )
      const attached = yield* Effect.acquireRelease(
        tryStore("export", () => ReadOnly.attach(db, location, readerConnection)),
        (attached) => Effect.sync(() => attached.detach()).pipe(Effect.ignore)
      )
      return { items: Reads.graph(db), changed: attached.changed }
    })

    const exportGraph = () =>
      Stream.unwrapScoped(
        Effect.gen(function* () {
          const { items, changed } = yield* graphItems
          const iterator = yield* Effect.acquireRelease(Effect.succeed(items), (items) =>
            Effect.sync(() => items.return(undefined))
          )
          return Stream.repeatEffectChunkOption(
            tryStore("export", () => {
              const chunk = []
              for (let next = iterator.next(); !next.done; next = iterator.next()) {
                chunk.push(next.value)
                if (chunk.length >= EXPORT_CHUNK) break
              }
              if (chunk.length === 0 && changed()) throw new Error("the file changed while it was exported")
              return chunk
            }).pipe(
              Effect.mapError(Option.some),
              Effect.flatMap((chunk) =>
                chunk.length === 0 ? Effect.fail(Option.none()) : Effect.succeed(Chunk.unsafeFromArray(chunk))
              )
            )
          )
        })
      )

    return Store.of({
      location,
      begin,
      stats: () => attempt("stats", Reads.stats),
      entities: (filter) => attempt("read entities", (db) => Reads.entities(db, filter)),
      relationships: (filter) => attempt("read relationships", (db) => Reads.relationships(db, filter)),
      history: (filter) => attempt("read history", (db) => Reads.history(db, filter)),
      exportGraph,
      dump: () => attempt("dump", Reads.dump)
    })
  })

/** The SQLite store with these options. */
export const layerWith = (options: SqliteStoreOptions): Layer.Layer<Store, OpenError> =>
  Layer.scoped(Store, make(options))

/** The SQLite store at `./parallax.db`. */
export const layer: Layer.Layer<Store, OpenError> = layerWith({})
export type { Faults, Mutant } from "./Commit.ts"
