import { Effect } from "effect"
import { Store, type StoreDump } from "../../../src/sync/Store.ts"
import type { Mutant } from "../../../src/store/sqlite/SqliteStore.ts"
import { type SyncOptions, sync } from "../../../src/sync/Sync.ts"
import type { SyncResult } from "../../../src/model/Outcome.ts"
import { type ConnectorOptions, connectorOf, type Source, tempStore } from "./Source.ts"

/** One sync of generated source data, forced past the mass-deletion guard (properties test other things). */
export const syncSource = (
  source: Source,
  options: ConnectorOptions = {},
  syncOptions: SyncOptions = {}
): Effect.Effect<SyncResult, unknown, Store> =>
  sync(connectorOf(source, options), { account: "acme", force: true, ...syncOptions })

export const dumpStore: Effect.Effect<StoreDump, unknown, Store> = Effect.flatMap(Store, (store) => store.dump())

/** Runs `body` against a fresh SQLite store, optionally with a deliberate bug. */
export const withStore = <A>(body: Effect.Effect<A, unknown, Store>, mutant?: Mutant): Promise<A> =>
  Effect.runPromise(body.pipe(Effect.provide(tempStore(mutant === undefined ? {} : { mutant })), Effect.scoped))
