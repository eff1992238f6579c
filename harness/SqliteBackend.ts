import { MemoryStore, SqliteStore } from "parallax-connect/runtime"
import type { HarnessBackend } from "./Backend.ts"
import { storeBackend } from "./StoreBackend.ts"

/** The embedded SQLite store, one fresh database file per trial in a temporary directory (the default backend). */
export const sqliteBackend: HarnessBackend = storeBackend("sqlite", ({ path, testing }) =>
  SqliteStore.layerWith({ path, testing, lockTimeoutMs: 5_000 })
)

/** The memory store, fresh for each trial: the harness's own tests use it beside SQLite. */
export const memoryBackend: HarnessBackend = storeBackend("memory", ({ testing }) =>
  MemoryStore.layerWith({ testing, lockTimeoutMs: 5_000 })
)
