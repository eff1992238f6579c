import { SqliteStore } from "parallax-connect"
import type { HarnessBackend } from "./Backend.ts"
import { storeBackend } from "./StoreBackend.ts"

/** The embedded SQLite store, one fresh database file per trial in a temporary directory (the default backend). */
export const sqliteBackend: HarnessBackend = storeBackend("sqlite", ({ path, faults }) =>
  SqliteStore.layerWith({ path, faults, lockTimeoutMs: 5_000 })
)
