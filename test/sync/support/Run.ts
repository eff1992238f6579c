import { Effect } from "effect"
import type { SyncResult } from "../../../src/model/Outcome.ts"
import * as MemoryStore from "../../../src/store/memory/MemoryStore.ts"
import { type Mutant, Store, type StoreDump } from "../../../src/sync/Store.ts"
import { type SyncOptions, sync } from "../../../src/sync/Sync.ts"
import { freshPostgresStore, testPostgresUrl } from "../../store/support/Postgres.ts"
import { type ConnectorOptions, connectorOf, type Source, tempStore } from "./Source.ts"

/** One sync of generated source data, forced past the mass-deletion guard (properties test other things). */
export const syncSource = (
  source: Source,
  options: ConnectorOptions = {},
  syncOptions: SyncOptions = {}
): Effect.Effect<SyncResult, unknown, Store> =>
  sync(connectorOf(source, options), { account: "acme", force: true, ...syncOptions })

export const dumpStore: Effect.Effect<StoreDump, unknown, Store> = Effect.flatMap(Store, (store) => store.dump())

export type DriverName = "sqlite" | "memory" | "postgres"

/** The drivers every property runs against: PostgreSQL too where the tests have a server. */
export const DRIVERS: ReadonlyArray<DriverName> = [
  "sqlite",
  "memory",
  ...(testPostgresUrl === undefined ? [] : (["postgres"] as const))
]

/** Runs `body` against a fresh store of `driver` (default SQLite), optionally with a deliberate bug. */
export const withStore = <A>(
  body: Effect.Effect<A, unknown, Store>,
  mutant?: Mutant,
  driver: DriverName = "sqlite"
): Promise<A> => {
  const testing = mutant === undefined ? {} : { mutant }
  const layer =
    driver === "memory"
      ? MemoryStore.layerWith({ testing })
      : driver === "postgres"
        ? freshPostgresStore({ testing })
        : tempStore({ testing })
  return Effect.runPromise(body.pipe(Effect.provide(layer), Effect.scoped))
}
