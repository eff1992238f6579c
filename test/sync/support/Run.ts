import { Effect } from "effect"
import type { SyncResult } from "../../../src/model/Outcome.ts"
import * as MemoryStore from "../../../src/store/memory/MemoryStore.ts"
import { type Mutant, Store, type StoreDump } from "../../../src/sync/Store.ts"
import { type SyncOptions, sync } from "../../../src/sync/Sync.ts"
import { type ConnectorOptions, connectorOf, type Source, tempStore } from "./Source.ts"

/** One sync of generated source data, forced past the mass-deletion guard (properties test other things). */
export const syncSource = (
  source: Source,
  options: ConnectorOptions = {},
  syncOptions: SyncOptions = {}
): Effect.Effect<SyncResult, unknown, Store> =>
  sync(connectorOf(source, options), { account: "acme", force: true, ...syncOptions })

export const dumpStore: Effect.Effect<StoreDump, unknown, Store> = Effect.flatMap(Store, (store) => store.dump())

/** The drivers every property runs against. */
export const DRIVERS = ["sqlite", "memory"] as const
export type DriverName = (typeof DRIVERS)[number]

/** Runs `body` against a fresh store of `driver` (default SQLite), optionally with a deliberate bug. */
export const withStore = <A>(
  body: Effect.Effect<A, unknown, Store>,
  mutant?: Mutant,
  driver: DriverName = "sqlite"
): Promise<A> => {
  const testing = mutant === undefined ? {} : { mutant }
  const layer = driver === "memory" ? MemoryStore.layerWith({ testing }) : tempStore({ testing })
  return Effect.runPromise(body.pipe(Effect.provide(layer), Effect.scoped))
}
