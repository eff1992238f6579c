import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SQL } from "bun"
import { Effect, Layer } from "effect"
import { SqliteStore, Store, sync } from "../../src/runtime.ts"
import * as PostgresStore from "../../src/store/postgres/PostgresStore.ts"
import { freshSchema, testPostgresUrl } from "./support/Postgres.ts"
import { connectorOf, type Source, type StepSource } from "./support/StepSource.ts"

/**
 * A diff reads no committed row of a step whose checksum shows it staged exactly what it holds, but for
 * its relationships that are not local: it makes those local as a diff of every row would (`local` is
 * what reads trust to skip an edge's endpoints, so it is read here from each store's own table).
 */

/** A store of the driver under test, and the `local` flag of each of its relationships. */
type Driver = <A>(
  body: (layer: Layer.Layer<Store, unknown>, local: () => Promise<Array<number>>) => Promise<A>
) => Promise<A>

const sqlite: Driver = (body) => {
  const dir = mkdtempSync(join(tmpdir(), "parallax-locality-"))
  const path = join(dir, "store.db")
  const local = async () => {
    const db = new Database(path)
    try {
      return (db.query("SELECT local FROM relationships").all() as Array<{ local: number }>).map((row) => row.local)
    } finally {
      db.close()
    }
  }
  return body(SqliteStore.layerWith({ path }), local).finally(() => rmSync(dir, { recursive: true, force: true }))
}

const postgres: Driver = (body) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.flatMap(freshSchema("locality"), (url) =>
        Effect.promise(() => {
          const layer = Layer.scoped(Store, PostgresStore.make({ url, testing: {}, lockTimeoutMs: 60_000 }))
          const local = async () => {
            const sql = new SQL(url, { max: 1 })
            try {
              const rows = (await sql.unsafe("SELECT local FROM relationships")) as Array<{ local: boolean }>
              return rows.map((row) => (row.local ? 1 : 0))
            } finally {
              await sql.close()
            }
          }
          return body(layer, local)
        })
      )
    )
  )

const drivers: ReadonlyArray<readonly [string, Driver]> = [
  ["sqlite", sqlite],
  ...(testPostgresUrl === undefined ? [] : [["postgres", postgres] as const])
]

for (const [name, driver] of drivers) {
  describe(`locality after a diff (${name} store)`, () => {
    test(
      "a step whose checksum holds keeps its rows unread, and its non-local edges become local",
      () =>
        driver(async (layer, local) => {
          const syncOf = (source: Source) =>
            Effect.runPromise(sync(connectorOf(source), { account: "acme", force: true }).pipe(Effect.provide(layer)))
          const hosts: StepSource = {
            entities: [
              [0, 0],
              [1, 0]
            ],
            edges: [],
            fails: false
          }
          const linked: StepSource = { entities: [[2, 0]], edges: [[2, 0]], fails: false }
          const other = (value: number): StepSource => ({ entities: [[3, value]], edges: [], fails: false })
          await syncOf([hosts, { ...linked, edges: [] }, other(0)])
          // s0 fails: its hosts are kept, so the new edge of s1 points outside the batch and is written not local.
          await syncOf([{ ...hosts, fails: true }, linked, other(0)])
          expect(await local()).toEqual([0])
          // s0 and s1 stage what they hold (their checksums hold); s2 changes, so the commit diffs.
          const result = await syncOf([hosts, linked, other(1)])
          expect(result.stats).toMatchObject({
            entitiesCreated: 0,
            entitiesUpdated: 1,
            entitiesDeleted: 0,
            entitiesUnchanged: 3,
            relationshipsUnchanged: 1
          })
          // As a diff of every row would: both endpoints are rows of the scope again.
          expect(await local()).toEqual([1])
        }),
      60_000
    )
  })
}
