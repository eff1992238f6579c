import { readFileSync } from "node:fs"
import { hostname } from "node:os"
import { SQL } from "bun"
import { Chunk, Duration, Effect, Layer, Option, Schedule, type Scope, Stream } from "effect"
import {
  type BeginOptions,
  type OpenError,
  type ReadSession,
  type ReadTransaction,
  SchemaTooNew,
  SchemaTooOld,
  ScopeLocked,
  type ScopeRef,
  Store,
  type StoreDriver,
  type StoreFailure,
  type StoreTesting,
  type WriteSession,
  type WriteTransaction
} from "../../sync/Store.ts"
import type { Spill } from "../../sync/staging/Spill.ts"
import { isMissingDatabase, isNotAllowed, isRetryable, pgFailure } from "./Errors.ts"
import { MIGRATIONS, SCHEMA_VERSION, VERSION_TABLE } from "./Migrations.ts"
import * as Reads from "./Reads.ts"
import { transaction } from "./Transaction.ts"
import { connectionOf, maskUrl } from "./Url.ts"

export interface PostgresStoreOptions {
  /** `postgres://user@host:5432/db?sslmode=...` (a `passwordfile` parameter names a file holding the password). */
  readonly url: string
  /** Reads and dry runs only: never migrates, refuses an older schema (`SchemaTooOld`). */
  readonly readOnly?: boolean
  /** How long a sync waits for another sync of its scope (default 60 s). */
  readonly lockTimeoutMs?: number
  /** Connections in the pool for reads (a sync's session reserves one more of its own). */
  readonly maxConnections?: number
  readonly testing?: StoreTesting
}

/** Any `pg_advisory_*` lock key of parallax's migrations (a constant: one migration at a time). */
const MIGRATION_LOCK = 0x5052_5843

/** The advisory lock key of a scope: a 64-bit hash of its (connector, account), computed by the server. */
const SCOPE_KEY = "hashtextextended($1, 0)"
const scopeText = (scope: ScopeRef) => JSON.stringify([scope.connector, scope.account])

const rootCert = (file: string): string => {
  try {
    return readFileSync(file, "utf8")
  } catch (error) {
    throw new Error(
      `cannot read the trusted root certificate (sslrootcert) ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`
    )
  }
}

/**
 * The client for `url`: TLS as its `sslmode` says (with `sslrootcert` as the trusted root when given).
 * `readOnly` (reads and dry runs): the session's JIT compilation is off. Their plans are costed over millions
 * of rows, so the server compiled them, on every connection anew: 220 ms of a 400 ms `stats` at n = 100,000,
 * 14 ms of a `--limit 100` read (by hand); such a process runs each query once, so nothing repays the compiling.
 */
const client = (url: string, max: number, readOnly = false): SQL => {
  const connection = connectionOf(url)
  const tls =
    connection.sslRootCert === undefined
      ? undefined
      : { ca: rootCert(connection.sslRootCert), rejectUnauthorized: true }
  return new SQL({
    url: connection.url,
    ...(connection.password === undefined ? {} : { password: connection.password }),
    ...(tls === undefined ? {} : { tls }),
    max,
    connection: {
      application_name: `parallax on ${hostname()}, pid ${process.pid}`,
      ...(readOnly ? { jit: "off" } : {})
    },
    connectionTimeout: 10,
    idleTimeout: 30
  })
}

/**
 * The PostgreSQL store (DESIGN §6): one database shared by many hosts. A sync's session reserves a
 * connection and holds the scope's advisory lock on it, taken as its first statement and released when the
 * session ends (or the connection drops: a killed process holds nothing), so a scope is serialised across
 * every process and host while different scopes commit at once. Each commit is one transaction on that
 * connection. Reads run in one `REPEATABLE READ READ ONLY` snapshot each; the export pages by key.
 */
export const make = (options: PostgresStoreOptions): Effect.Effect<StoreDriver, OpenError, Scope.Scope> =>
  Effect.gen(function* () {
    const location = maskUrl(options.url)
    const testing = options.testing ?? {}
    const failure = (operation: string, cause: unknown) => pgFailure(operation, location, cause)
    const attempt = <A>(operation: string, run: () => Promise<A>): Effect.Effect<A, StoreFailure> =>
      Effect.tryPromise({ try: run, catch: (cause) => failure(operation, cause) })
    const pool = yield* Effect.acquireRelease(
      Effect.try({
        try: () => client(options.url, options.maxConnections ?? 4, options.readOnly === true),
        catch: (e) => failure("open", e)
      }),
      // A read-only store (a read command, a dry run) holds nothing on the server, so its connection is closed
      // on the event loop's next turn, by a timer that does not keep the process alive: a read command that
      // ends there exits at once (the system closes the socket; the server sees the client go away between
      // transactions, which it does not log), where closing first cost it some milliseconds. A process that
      // goes on closes it at once.
      (sql) =>
        options.readOnly === true
          ? Effect.sync(() => {
              setTimeout(() => void sql.close().catch(() => undefined), 0).unref()
            })
          : Effect.promise(() => sql.close()).pipe(Effect.ignore)
    )

    yield* schema(pool, location, options.readOnly === true, attempt)

    /** A connection of the pool for the scope's life, given back at its end. */
    const reserve = Effect.acquireRelease(
      attempt("connect", () => pool.reserve()),
      (sql) => Effect.sync(() => sql.release())
    )

    /**
     * One transaction on `sql` around `body`: committed when it succeeds, rolled back when it fails or is
     * interrupted. What PostgreSQL asks to be retried (a serialization failure, a deadlock) is run again.
     */
    const transact = <A, E>(
      sql: SQL,
      scope: ScopeRef,
      spill: Spill | undefined,
      begin: string,
      body: (tx: WriteTransaction) => Effect.Effect<A, E>
    ) => {
      let open = false
      const once = Effect.acquireUseRelease(
        attempt("begin", async () => {
          await sql.unsafe(begin)
          open = true
        }),
        () =>
          body(transaction(sql, scope, spill, attempt, testing.mutant)).pipe(
            Effect.zipLeft(
              attempt("commit", async () => {
                await sql.unsafe("COMMIT")
                open = false
              })
            )
          ),
        () =>
          Effect.promise(async () => {
            if (open) await sql.unsafe("ROLLBACK")
            open = false
          }).pipe(Effect.ignore)
      )
      return once.pipe(
        Effect.retry({ times: 3, while: (error) => isRetryable(error) }),
        Effect.withSpan("Store.transaction")
      )
    }

    const readTransaction = (tx: WriteTransaction): ReadTransaction => ({
      state: tx.state,
      committed: tx.committed,
      existing: tx.existing,
      describe: tx.describe
    })

    /** Who holds the scope's lock, from the server's own view of its sessions. */
    const holderOf = (sql: SQL, scope: ScopeRef) =>
      attempt("lock", async () => {
        const [row] = (await sql.unsafe(
          `SELECT a.application_name AS name, host(a.client_addr) AS address, a.pid FROM pg_locks l
           JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
             AND l.classid::bigint = ((${SCOPE_KEY} >> 32) & 4294967295)
             AND l.objid::bigint = (${SCOPE_KEY} & 4294967295)`,
          [scopeText(scope)]
        )) as Array<{ name: string; address: string | null; pid: number }>
        if (row === undefined) return "another sync"
        return `${row.name === "" ? "another sync" : row.name} (server process ${row.pid}${row.address === null ? "" : ` from ${row.address}`})`
      })

    const lock = (sql: SQL, scope: ScopeRef, timeoutMs: number, onWait: BeginOptions["onLockWait"]) => {
      const start = Date.now()
      let waiting = false
      const remaining = () => Math.max(0, timeoutMs - (Date.now() - start))
      const tryLock = attempt("lock", async () => {
        const [row] = (await sql.unsafe(`SELECT pg_try_advisory_lock(${SCOPE_KEY}) AS ok`, [
          scopeText(scope)
        ])) as Array<{
          ok: boolean
        }>
        return row?.ok === true
      })
      return tryLock.pipe(
        Effect.flatMap((ok) =>
          ok
            ? Effect.void
            : Effect.gen(function* () {
                if (!waiting) {
                  waiting = true
                  onWait?.(yield* holderOf(sql, scope), timeoutMs)
                }
                return yield* Effect.fail("held" as const)
              })
        ),
        Effect.retry({
          schedule: Schedule.spaced(Duration.millis(50)),
          while: (error) => error === "held" && remaining() > 0
        }),
        Effect.catchIf(
          (error): error is "held" => error === "held",
          () =>
            Effect.flatMap(holderOf(sql, scope), (holder) =>
              Effect.fail(
                new ScopeLocked({
                  connector: scope.connector,
                  account: scope.account,
                  waitedMs: Date.now() - start,
                  holder
                })
              )
            )
        )
      )
    }

    const begin: StoreDriver["begin"] = (scope, beginOptions = {}) =>
      Effect.gen(function* () {
        if (options.readOnly) {
          return yield* failure(
            "begin",
            new Error("the store was opened read-only: only read-only sessions (dry runs) can begin")
          )
        }
        const sql = yield* reserve
        // The lock is the session's first statement; it is released at the session's end (or when the
        // connection drops).
        const timeoutMs = beginOptions.lockTimeoutMs ?? options.lockTimeoutMs ?? 60_000
        yield* Effect.acquireRelease(lock(sql, scope, timeoutMs, beginOptions.onLockWait), () =>
          Effect.promise(() => sql.unsafe(`SELECT pg_advisory_unlock(${SCOPE_KEY})`, [scopeText(scope)])).pipe(
            Effect.ignore
          )
        )
        const session: WriteSession = {
          scope,
          read: (spill, body) =>
            transact(sql, scope, spill, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", (tx) =>
              body(readTransaction(tx))
            ),
          write: (spill, body) => transact(sql, scope, spill, "BEGIN", body)
        }
        return session
      })

    /** No lock, nothing written: each read is one read-only snapshot. */
    const beginReadOnly = (scope: ScopeRef) =>
      Effect.gen(function* () {
        const sql = yield* reserve
        const session: ReadSession = {
          scope,
          read: (spill, body) =>
            transact(sql, scope, spill, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", (tx) =>
              body(readTransaction(tx))
            )
        }
        return session
      })

    /** A read in one snapshot, on a connection of the pool. */
    const snapshot = <A>(operation: string, run: (sql: SQL) => Promise<A>) =>
      Effect.scoped(
        Effect.flatMap(reserve, (sql) =>
          attempt(operation, async () => {
            await sql.unsafe("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            try {
              return await run(sql)
            } finally {
              await sql.unsafe("ROLLBACK")
            }
          })
        )
      )

    const exportGraph = () =>
      Stream.unwrapScoped(
        Effect.gen(function* () {
          const sql = yield* reserve
          yield* Effect.acquireRelease(
            attempt("export", () => sql.unsafe("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")),
            () => Effect.promise(() => sql.unsafe("ROLLBACK")).pipe(Effect.ignore)
          )
          const first: Reads.ExportCursor = { kind: 0, after: undefined, carried: [] }
          return Stream.paginateChunkEffect(first, (cursor) =>
            attempt("export", async () => {
              const [items, next] = await Reads.exportPage(sql, cursor)
              return [Chunk.unsafeFromArray([...items]), Option.fromNullable(next)] as const
            })
          )
        })
      )

    return Store.of({
      location,
      testing,
      begin,
      beginReadOnly,
      stats: () => snapshot("stats", Reads.stats),
      entities: (filter) => snapshot("read entities", (sql) => Reads.entities(sql, filter)),
      relationships: (filter) => snapshot("read relationships", (sql) => Reads.relationships(sql, filter)),
      history: (filter) => snapshot("read history", (sql) => Reads.history(sql, filter)),
      exportGraph,
      dump: () => snapshot("dump", Reads.dump)
    })
  })

/**
 * The schema's version: 0 when the database holds no parallax schema. One statement without parameters (a
 * parameter costs the extended protocol's second round trip), since every command opens with it; a missing
 * version table is PostgreSQL's `undefined_table` error. Not for use inside a transaction, which that error
 * would abort: see `versionIn`.
 */
const versionOf = async (sql: SQL): Promise<number> => {
  try {
    const [row] = (await sql.unsafe(`SELECT max(version) AS version FROM ${VERSION_TABLE}`)) as Array<{
      version: number | null
    }>
    return row?.version ?? 0
  } catch (cause) {
    if ((cause as { errno?: string }).errno === "42P01") return 0
    throw cause
  }
}

/** `versionOf` inside a transaction: whether the table exists is asked first. */
const versionIn = async (tx: SQL): Promise<number> => {
  const [exists] = (await tx.unsafe(`SELECT to_regclass('${VERSION_TABLE}') IS NOT NULL AS ok`)) as Array<{
    ok: boolean
  }>
  return exists?.ok === true ? versionOf(tx) : 0
}

/**
 * Checks the schema, and brings it to this parallax's version unless `readOnly`: every pending migration in
 * one transaction, under an advisory lock (hosts that start together migrate once). A role that may not
 * migrate is told so, and what to run.
 */
const schema = (
  pool: SQL,
  location: string,
  readOnly: boolean,
  attempt: <A>(operation: string, run: () => Promise<A>) => Effect.Effect<A, StoreFailure>
): Effect.Effect<void, OpenError> =>
  Effect.gen(function* () {
    const found = yield* attempt("open", () => versionOf(pool))
    if (found > SCHEMA_VERSION) {
      return yield* new SchemaTooNew({ location, found, supported: SCHEMA_VERSION })
    }
    if (found === SCHEMA_VERSION) return
    if (readOnly) return yield* new SchemaTooOld({ location, found, supported: SCHEMA_VERSION })
    const refused = yield* Effect.tryPromise({
      try: () =>
        pool.begin(async (tx) => {
          await tx.unsafe(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`)
          const now = await versionIn(tx)
          if (now === 0) await tx.unsafe(`CREATE TABLE IF NOT EXISTS ${VERSION_TABLE} (version integer NOT NULL)`)
          for (let index = now; index < SCHEMA_VERSION; index++) await tx.unsafe(MIGRATIONS[index] as string)
          await tx.unsafe(`DELETE FROM ${VERSION_TABLE}`)
          await tx.unsafe(`INSERT INTO ${VERSION_TABLE} (version) VALUES (${SCHEMA_VERSION})`)
          return false
        }),
      catch: (cause) => cause
    }).pipe(
      Effect.catchAll((cause) =>
        isNotAllowed(cause) ? Effect.succeed(true) : Effect.fail(pgFailure("migrate", location, cause))
      )
    )
    if (refused) {
      return yield* pgFailure(
        "open",
        location,
        new Error(
          `${location} has schema version ${found}, older than this parallax's ${SCHEMA_VERSION}, and this role may not ` +
            `migrate it: run \`parallax migrate --db ${location}\` as the database's owner (see "Many hosts, one graph")`
        )
      )
    }
  })

/**
 * Whether opening a store read-only failed because there is no parallax store there: the database is
 * missing, or holds no parallax schema (version 0). Read commands say so as a usage error.
 */
export const isMissingStore = (error: OpenError): boolean =>
  (error._tag === "SchemaTooOld" && error.found === 0) ||
  (error._tag === "StoreError" && isMissingDatabase(error.cause))

/** Whether the database exists and holds a parallax schema (read commands never create one). */
export const exists = (url: string): Effect.Effect<boolean, StoreFailure> =>
  Effect.acquireUseRelease(
    Effect.try({ try: () => client(url, 1), catch: (cause) => pgFailure("open", maskUrl(url), cause) }),
    (sql) =>
      Effect.tryPromise({ try: () => versionOf(sql), catch: (cause) => cause }).pipe(
        Effect.map((version) => version > 0),
        Effect.catchAll((cause) =>
          (cause as { errno?: string }).errno === "3D000"
            ? Effect.succeed(false)
            : Effect.fail(pgFailure("open", maskUrl(url), cause))
        )
      ),
    (sql) => Effect.promise(() => sql.close()).pipe(Effect.ignore)
  )

/** The PostgreSQL store with these options. */
export const layerWith = (options: PostgresStoreOptions): Layer.Layer<Store, OpenError> =>
  Layer.scoped(Store, make(options))
