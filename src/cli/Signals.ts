import { Effect } from "effect"

/**
 * For commands that hold no lock and write nothing (the reads): Ctrl-C and SIGTERM end the process at
 * once, by the system's default action, even in the middle of a query (a query is one synchronous call
 * that no handler could interrupt). The shell sees 130 (143 for SIGTERM), as for an interrupted sync.
 */
export const endAtOnceOnSignal: Effect.Effect<void> = Effect.sync(() => {
  process.removeAllListeners("SIGINT")
  process.removeAllListeners("SIGTERM")
})
