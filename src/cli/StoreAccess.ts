import { FileSystem } from "@effect/platform"
import { Effect, Layer } from "effect"
import * as PostgresStore from "../store/postgres/PostgresStore.ts"
import { isPostgresUrl, maskUrl } from "../store/postgres/Url.ts"
import * as SqliteStore from "../store/sqlite/SqliteStore.ts"
import type { Store } from "../sync/Store.ts"
import { type CliError, failure, usageError } from "./CliError.ts"

/**
 * `--db` names the store: a `postgres://` or `postgresql://` URL is PostgreSQL, anything else an SQLite file.
 * Only `shown(db)` is ever printed: a URL's password is masked.
 */
export const shown = (db: string): string => (isPostgresUrl(db) ? maskUrl(db) : db)

/**
 * The store at `db` as a layer; a database that is not a parallax store is a clear error (exit 1).
 * `readOnly`: the store must exist and is never written (reads and dry runs); an older schema is refused,
 * saying how to migrate it. `purpose` names what the store is opened for in that message.
 */
export const storeLayer = (
  db: string,
  options: { readonly readOnly?: boolean; readonly purpose?: string } = {}
): Layer.Layer<Store, CliError> => {
  const readOnly = options.readOnly ?? false
  const layer = isPostgresUrl(db)
    ? PostgresStore.layerWith({ url: db, readOnly })
    : SqliteStore.layerWith({ path: db, readOnly })
  return layer.pipe(
    Layer.mapError((error) =>
      failure(
        `cannot ${options.purpose ?? (error._tag === "SchemaTooOld" ? "read" : "open")} store ${shown(db)}: ${error.message}`
      )
    )
  )
}

/** Whether a store exists at `db` (an SQLite file; a PostgreSQL database holding a parallax schema). */
export const storeExists = (db: string): Effect.Effect<boolean, CliError, FileSystem.FileSystem> =>
  isPostgresUrl(db)
    ? PostgresStore.exists(db).pipe(
        Effect.mapError((error) => failure(`cannot read store ${shown(db)}: ${error.message}`))
      )
    : Effect.flatMap(FileSystem.FileSystem, (fs) => fs.exists(db).pipe(Effect.orElseSucceed(() => false)))

/** For read commands: the store must already exist (they never create one). */
export const withExistingStore = <A, E, R>(
  db: string,
  use: Effect.Effect<A, E, R | Store>
): Effect.Effect<A, E | CliError, Exclude<R, Store> | FileSystem.FileSystem> =>
  Effect.gen(function* () {
    if (isPostgresUrl(db)) {
      // One connection, opened once (each costs a round of SCRAM authentication): the read-only store finds,
      // as it opens, whether there is a parallax schema at all, and every read runs on it in turn.
      const layer = PostgresStore.layerWith({ url: db, readOnly: true, maxConnections: 1 }).pipe(
        Layer.mapError((error) =>
          PostgresStore.isMissingStore(error)
            ? usageError(
                `no parallax store in ${shown(db)}: run \`parallax migrate --db ${shown(db)}\` (or a sync) first`
              )
            : failure(`cannot read store ${shown(db)}: ${error.message}`)
        )
      )
      return yield* use.pipe(Effect.provide(layer))
    }
    if (!(yield* storeExists(db))) {
      return yield* usageError(
        isPostgresUrl(db)
          ? `no parallax store in ${shown(db)}: run \`parallax migrate --db ${shown(db)}\` (or a sync) first`
          : `no store at ${db}: run \`parallax sync <connector> --db ${db}\` first`
      )
    }
    // Reads never write: not even a migration (an older store is refused, saying to run `parallax migrate`).
    return yield* use.pipe(Effect.provide(storeLayer(db, { readOnly: true, purpose: "read" })))
  })
