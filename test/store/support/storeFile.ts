import { Database } from "bun:sqlite"
import { Effect } from "effect"
import * as SqliteStore from "../../../src/store/sqlite/SqliteStore.ts"
import { Store, type StoreDump } from "../../../src/sync/Store.ts"

/** Everything the SQLite store at `path` holds (scopes, rows, runs), read through the store itself. */
export const dumpOf = (path: string): Promise<StoreDump> =>
  Effect.runPromise(
    Effect.flatMap(Store, (store) => store.dump()).pipe(Effect.provide(SqliteStore.layerWith({ path })), Effect.scoped)
  )

/** `PRAGMA integrity_check` of the database file at `path`: `"ok"`, or the first problem it found. */
export const integrity = (path: string): string => {
  const check = new Database(path)
  try {
    return (check.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check
  } finally {
    check.close()
  }
}
