import { FileSystem } from "@effect/platform"
import { Effect, Layer } from "effect"
import { isPostgresUrl, maskUrl } from "../store/postgres/Url.ts"
import type { OpenError, Store } from "../sync/Store.ts"
import { type CliError, failure, usageError } from "./CliError.ts"

/**
 * `--db` names the store: a `postgres://` or `postgresql://` URL is PostgreSQL, anything else an SQLite file.
 * Only `shown(db)` is ever printed: a URL's password is masked.
 */
export const shown = (db: string): string => (isPostgresUrl(db) ? maskUrl(db) : db)

/**
 * The store at `db` as a layer; a database that is not a parallax store is a clear error (exit 1).
 * `readOnly`: the store must exist and is never written (reads and dry runs); an older schema is refused,
 * saying how to migrate it. `purpose` names what the store is opened for in that message. `reading`: a
 * read command, which on PostgreSQL opens one connection only (each costs a round of SCRAM authentication)
 * and says "no store" (exit 2) when the read-only store finds, as it opens, no parallax schema there.
 */
export const storeLayer = (
  db: string,
  options: { readonly readOnly?: boolean; readonly purpose?: string; readonly reading?: boolean } = {}
): Layer.Layer<Store, CliError> => {
  const readOnly = options.readOnly ?? false
  const opened = (error: OpenError) =>
    failure(
      `cannot ${options.purpose ?? (error._tag === "SchemaTooOld" ? "read" : "open")} store ${shown(db)}: ${error.explanation}`
    )
  // Each driver's modules (and its database client) are loaded only when a store of its kind is opened.
  return Layer.unwrapEffect(
    isPostgresUrl(db)
      ? Effect.map(postgres, (PostgresStore) =>
          PostgresStore.layerWith({ url: db, readOnly, ...(options.reading ? { maxConnections: 1 } : {}) }).pipe(
            Layer.mapError((error) =>
              options.reading && PostgresStore.isMissingStore(error) ? noStore(db, error) : opened(error)
            )
          )
        )
      : Effect.map(sqlite, (SqliteStore) => SqliteStore.layerWith({ path: db, readOnly }).pipe(Layer.mapError(opened)))
  )
}

const postgres = Effect.promise(() => import("../store/postgres/PostgresStore.ts"))
const sqlite = Effect.promise(() => import("../store/sqlite/SqliteStore.ts"))

/**
 * A read of a store that is not there (exit 2). On PostgreSQL `error` says why when the database itself
 * is missing: then `parallax migrate` alone would not do.
 */
const noStore = (db: string, error?: OpenError): CliError =>
  usageError(
    isPostgresUrl(db)
      ? error?._tag === "StoreError"
        ? `no parallax store in ${shown(db)}: ${error.explanation}`
        : `no parallax store in ${shown(db)}: run \`parallax migrate --db ${shown(db)}\` (or a sync) first`
      : `no store at ${db}: run \`parallax sync <connector> --db ${db}\` first`
  )

/** Whether a store exists at `db` (an SQLite file; a PostgreSQL database holding a parallax schema). */
export const storeExists = (db: string): Effect.Effect<boolean, CliError, FileSystem.FileSystem> =>
  isPostgresUrl(db)
    ? Effect.flatMap(postgres, (PostgresStore) => PostgresStore.exists(db)).pipe(
        Effect.mapError((error) => failure(`cannot read store ${shown(db)}: ${error.message}`))
      )
    : Effect.flatMap(FileSystem.FileSystem, (fs) => fs.exists(db).pipe(Effect.orElseSucceed(() => false)))

/** For read commands: the store must already exist (they never create one). */
export const withExistingStore = <A, E, R>(
  db: string,
  use: Effect.Effect<A, E, R | Store>
): Effect.Effect<A, E | CliError, Exclude<R, Store> | FileSystem.FileSystem> =>
  Effect.gen(function* () {
    // A PostgreSQL store finds whether there is a parallax schema as it opens (see `storeLayer`).
    if (!isPostgresUrl(db) && !(yield* storeExists(db))) return yield* noStore(db)
    // Reads never write: not even a migration (an older store is refused, saying to run `parallax migrate`).
    return yield* use.pipe(Effect.provide(storeLayer(db, { readOnly: true, purpose: "read", reading: true })))
  })
