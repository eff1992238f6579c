import { SQL } from "bun"
import { Effect, Layer } from "effect"
import { PostgresStore, Store, type StoreTesting } from "parallax-connect/runtime"
import type { HarnessBackend } from "./Backend.ts"
import { storeBackend } from "./StoreBackend.ts"

/** `url` confined to `schema` (the standard `options` parameter sets the connection's `search_path`). */
const inSchema = (url: string, schema: string): string => {
  const address = new URL(url)
  address.searchParams.set("options", `-c search_path=${schema}`)
  return address.toString()
}

/** Runs one statement on its own short-lived connection to `url`. */
const statement = (url: string, text: string) =>
  Effect.promise(async () => {
    const sql = new SQL(url, { max: 1 })
    try {
      await sql.unsafe(text)
    } finally {
      await sql.close()
    }
  })

/**
 * The PostgreSQL store at `url`, one fresh schema per trial (`parallax_check_<pid>_<n>`), dropped with
 * everything in it afterwards: the harness proves a connector's properties against the server it will sync
 * into. The role needs `CREATE` on the database (it migrates each trial's schema). `testing`: the store's
 * test hooks (the harness's own tests give a `mutant`, a deliberate bug it must catch).
 */
export const postgresBackend = (url: string, extra: StoreTesting = {}): HarnessBackend => {
  let trials = 0
  return storeBackend(extra.mutant === undefined ? "postgres" : `postgres (${extra.mutant})`, ({ testing }) =>
    Layer.scoped(
      Store,
      Effect.gen(function* () {
        const schema = `parallax_check_${process.pid}_${++trials}`
        yield* Effect.acquireRelease(statement(url, `CREATE SCHEMA "${schema}"`), () =>
          statement(url, `DROP SCHEMA IF EXISTS "${schema}" CASCADE`).pipe(Effect.ignore)
        )
        return yield* PostgresStore.make({
          url: inSchema(url, schema),
          testing: { ...extra, ...testing },
          lockTimeoutMs: 5_000
        })
      })
    )
  )
}
