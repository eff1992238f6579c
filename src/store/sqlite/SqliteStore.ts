import type { Database } from "bun:sqlite"
import { Chunk, Duration, Effect, Layer, Option, Schedule, type Scope, Stream } from "effect"
import {
  type BeginOptions,
  NotADatabase,
  type OpenError,
  type ReadSession,
  SchemaTooNew,
  SchemaTooOld,
  ScopeLocked,
  type ScopeRef,
  Store,
  type StoreDriver,
  StoreError,
  type StoreTesting,
  type WriteSession,
  type WriteTransaction
} from "../../sync/Store.ts"
import type { Spill } from "../../sync/staging/Spill.ts"
import { describeHolder, type LockHolder, tryLock, unlock, type WRITER_BUSY } from "./Lock.ts"
import { type ConnectionOptions, openDatabase, storeFailure } from "./Open.ts"
import * as ReadOnly from "./ReadOnly.ts"
import * as Reads from "./Reads.ts"
import { readTransaction, STAGE, transaction } from "./Transaction.ts"
import { writerOf } from "./Writers.ts"

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
  /** @internal Fault injection, deliberate bugs and plan choices, for tests and the harness (see `StoreTesting`). */
  readonly testing?: StoreTesting
  /**
   * @internal Page cache of read commands' connection in pages instead of MiB: tests make it tiny so that
   * the pages a read visits show as file reads (see `test/store/ReadScaling.test.ts`).
   */
  readonly readerCachePages?: number
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
export const make = (options: SqliteStoreOptions = {}): Effect.Effect<StoreDriver, OpenError, Scope.Scope> =>
  Effect.gen(function* () {
    const location = options.path ?? DEFAULT_PATH
    const connection: ConnectionOptions = {
      busyTimeoutMs: options.busyTimeoutMs ?? 120_000,
      cacheMiB: options.cacheMiB ?? 16
    }
    const testing = options.testing ?? {}
    /** This process's permit to write the file (resolved when first needed: the file may not exist yet). */
    const writer = () => writerOf(location)
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
      yield* Effect.try({
        try: () => readOnlyRead((db) => ReadOnly.inspect(db, location)),
        catch: (cause) =>
          cause instanceof SchemaTooNew || cause instanceof SchemaTooOld || cause instanceof NotADatabase
            ? cause
            : failure("open", cause)
      })
    }
    const reader = options.readOnly ? undefined : yield* open(location, readerConnection, true)

    const attempt = <A>(operation: string, run: (db: Database) => A, db: Database | undefined = reader) =>
      tryStore(operation, () => (db === undefined ? readOnlyRead(run) : run(db)))

    const lock = (
      db: Database,
      scope: ScopeRef,
      holder: string,
      timeoutMs: number,
      onWait: BeginOptions["onLockWait"]
    ) => {
      const start = Date.now()
      let last: LockHolder | typeof WRITER_BUSY | undefined
      let waiting = false
      const remaining = () => Math.max(0, timeoutMs - (Date.now() - start))
      return writer()
        .withPermits(1)(
          attempt(
            "lock",
            () => (last = tryLock(db, scope, holder, { waitMs: remaining(), busyTimeoutMs: connection.busyTimeoutMs })),
            db
          )
        )
        .pipe(
          Effect.flatMap((held) => {
            if (held === undefined) return Effect.void
            if (!waiting) {
              waiting = true
              onWait?.(describeHolder(held), timeoutMs)
            }
            return Effect.fail("held" as const)
          }),
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

    /**
     * Attaches the sync's spill as `stage`, inside the transaction: SQLite takes a lock on an attached file
     * only when it is first read (the writes of staged rows), so until then the core may still change the
     * spill (a step that C04 fails is discarded) through its own connection.
     */
    const attachSpill = (db: Database, spill: Spill | undefined) => {
      if (spill?.file === undefined) return false
      db.query(`ATTACH DATABASE ? AS ${STAGE}`).run(spill.file)
      return true
    }
    const end = (db: Database, attached: boolean) => {
      if (db.inTransaction) db.exec("ROLLBACK")
      if (attached) db.exec(`DETACH DATABASE ${STAGE}`)
    }

    /**
     * One transaction of a session's connection, around `body`: committed when it succeeds, rolled back
     * when it fails or is interrupted (Ctrl-C stops a commit between its writes).
     */
    const transact = <A, E>(
      db: Database,
      scope: ScopeRef,
      spill: Spill | undefined,
      begin: "BEGIN IMMEDIATE" | "BEGIN DEFERRED",
      body: (tx: WriteTransaction) => Effect.Effect<A, E>,
      afterwards: () => void = () => {}
    ) => {
      const transaction_ = Effect.acquireUseRelease(
        tryStore("begin", () => {
          db.exec(begin)
          try {
            return attachSpill(db, spill)
          } catch (error) {
            end(db, false)
            throw error
          }
        }),
        () =>
          body(transaction(db, scope, (operation, run) => tryStore(operation, run), testing.mutant, spill)).pipe(
            Effect.zipLeft(tryStore("commit", () => db.exec("COMMIT")))
          ),
        (attached) =>
          Effect.sync(() => {
            end(db, attached)
            afterwards()
          }).pipe(Effect.ignore)
      )
      // A write transaction holds this process's permit to write the file (see `Writers.ts`).
      return (begin === "BEGIN IMMEDIATE" ? writer().withPermits(1)(transaction_) : transaction_).pipe(
        Effect.withSpan("Store.transaction")
      )
    }

    const beginWriting = (scope: ScopeRef, beginOptions: BeginOptions) =>
      Effect.gen(function* () {
        const db = yield* open(location, connection, false).pipe(
          Effect.catchTags({
            SchemaTooNew: (error) => Effect.fail(new StoreError({ operation: "begin", location, cause: error })),
            SchemaTooOld: (error) => Effect.fail(new StoreError({ operation: "begin", location, cause: error }))
          })
        )
        const holder = crypto.randomUUID()
        const timeoutMs = beginOptions.lockTimeoutMs ?? options.lockTimeoutMs ?? 60_000
        yield* Effect.acquireRelease(lock(db, scope, holder, timeoutMs, beginOptions.onLockWait), () =>
          writer()
            .withPermits(1)(Effect.sync(() => unlock(db, scope.connector, scope.account, holder)))
            .pipe(Effect.ignore)
        )
        const session: WriteSession = {
          scope,
          read: (spill, body) => transact(db, scope, spill, "BEGIN DEFERRED", (tx) => body(readTransaction(tx))),
          write: (spill, body) => transact(db, scope, spill, "BEGIN IMMEDIATE", body)
        }
        return session
      })

    /** No lock, no migration, nothing written: the store file attached read-only for each read. */
    const beginReadOnly = (scope: ScopeRef) =>
      Effect.gen(function* () {
        const db = yield* Effect.acquireRelease(
          tryStore("begin", () => ReadOnly.connect(connection)),
          (db) => Effect.sync(() => db.close())
        )
        yield* tryStore("begin", () =>
          ReadOnly.withStore(db, location, connection, () => ReadOnly.inspect(db, location))
        )
        const session: ReadSession = {
          scope,
          read: (spill, body) =>
            Effect.gen(function* () {
              const store = yield* tryStore("begin", () => ReadOnly.attach(db, location, connection))
              let changed = false
              const result = yield* transact(
                db,
                scope,
                spill,
                "BEGIN DEFERRED",
                (tx) => body(readTransaction(tx)),
                () => {
                  changed = store.changed()
                  store.detach()
                }
              )
              if (changed) {
                return yield* new StoreError({
                  operation: "read",
                  location,
                  cause: new Error(
                    "the file changed while the dry run read it (another process wrote it): run it again"
                  )
                })
              }
              return result
            })
        }
        return session
      })

    const begin: StoreDriver["begin"] = (scope, beginOptions = {}) =>
      options.readOnly
        ? Effect.fail(
            new StoreError({
              operation: "begin",
              location,
              cause: new Error("the store was opened read-only: only read-only sessions (dry runs) can begin")
            })
          )
        : beginWriting(scope, beginOptions)

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
      testing,
      attachesSpill: true,
      begin,
      beginReadOnly,
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
export type { Mutant, StoreTesting } from "../../sync/Store.ts"
