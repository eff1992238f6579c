import { Console, Effect } from "effect"
import { SCHEMA_VERSION as POSTGRES_VERSION } from "../../store/postgres/Migrations.ts"
import { isPostgresUrl } from "../../store/postgres/Url.ts"
import { SCHEMA_VERSION } from "../../store/sqlite/Migrations.ts"
import { Store } from "../../sync/Store.ts"
import type { CliError } from "../CliError.ts"
import { storeLayer } from "../StoreAccess.ts"

/**
 * `parallax migrate`: brings the store's schema to this parallax's version (creating the store when there
 * is none), so that reads and dry runs, which never write, can read it. A sync migrates on its own too.
 */
export const runMigrate = (args: { readonly db: string }): Effect.Effect<number, CliError> =>
  Effect.gen(function* () {
    const store = yield* Store
    yield* Console.log(
      `${store.location} is at schema version ${isPostgresUrl(args.db) ? POSTGRES_VERSION : SCHEMA_VERSION}`
    )
    return 0
  }).pipe(Effect.provide(storeLayer(args.db, { purpose: "migrate" })))
