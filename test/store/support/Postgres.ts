import { SQL } from "bun"
import { Effect, Layer, type Scope } from "effect"
import { type OpenError, Store, type StoreTesting } from "../../../src/runtime.ts"
import * as PostgresStore from "../../../src/store/postgres/PostgresStore.ts"

/** The PostgreSQL server tests may use (`.ci/run` starts one and sets it); tests that need it skip without it. */
export const testPostgresUrl: string | undefined = process.env.PARALLAX_TEST_PG_URL || undefined

const withServer = async <A>(body: (sql: SQL) => Promise<A>): Promise<A> => {
  const sql = new SQL(testPostgresUrl as string, { max: 1 })
  try {
    return await body(sql)
  } finally {
    await sql.close()
  }
}

/** `url` with another database as its path. */
export const databaseUrl = (url: string, name: string): string => {
  const address = new URL(url)
  address.pathname = `/${name}`
  return address.toString()
}

/** `url` confined to `schema` (the standard `options` parameter sets the connection's `search_path`). */
export const schemaUrl = (url: string, schema: string): string => {
  const address = new URL(url)
  address.searchParams.set("options", `-c search_path=${schema}`)
  return address.toString()
}

/** A fresh database on the test server, dropped when the scope closes; its URL. */
export const freshDatabase = (prefix = "parallax_t"): Effect.Effect<string, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
      await withServer((sql) => sql.unsafe(`CREATE DATABASE "${name}"`))
      return databaseUrl(testPostgresUrl as string, name)
    }),
    (url) =>
      Effect.promise(() =>
        withServer((sql) => sql.unsafe(`DROP DATABASE IF EXISTS "${new URL(url).pathname.slice(1)}" WITH (FORCE)`))
      ).pipe(Effect.ignore)
  )

/**
 * A fresh schema in the test server's database (dropped when the scope closes); the URL of a store in it.
 * A schema costs milliseconds where a database costs a few hundred: property tests make one per trial.
 */
export const freshSchema = (prefix = "t"): Effect.Effect<string, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.promise(async () => {
      const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
      await withServer((sql) => sql.unsafe(`CREATE SCHEMA "${name}"`))
      return schemaUrl(testPostgresUrl as string, name)
    }),
    (url) =>
      Effect.promise(() =>
        withServer((sql) =>
          sql.unsafe(
            `DROP SCHEMA IF EXISTS "${/search_path=(\S+)/.exec(new URL(url).searchParams.get("options") ?? "")?.[1]}" CASCADE`
          )
        )
      ).pipe(Effect.ignore)
  )

/** A PostgreSQL store in a fresh schema (dropped afterwards). */
export const freshPostgresStore = (
  options: { readonly testing?: StoreTesting; readonly lockTimeoutMs?: number } = {}
): Layer.Layer<Store, OpenError> =>
  Layer.scoped(
    Store,
    Effect.flatMap(freshSchema(), (url) =>
      PostgresStore.make({ url, testing: options.testing ?? {}, lockTimeoutMs: options.lockTimeoutMs ?? 60_000 })
    )
  )
