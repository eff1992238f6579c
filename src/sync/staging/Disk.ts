import { Effect, type Scope } from "effect"
import { StagingFailed } from "../../model/Errors.ts"
import { SqliteSpill } from "./SqliteSpill.ts"
import { CoreStaging } from "./Staging.ts"

/** SQLite's verdict that the disk (or the temporary directory's quota) is full. */
const isFull = (cause: unknown): boolean => {
  const code = (cause as { readonly code?: unknown }).code
  return (
    (typeof code === "string" && (code.startsWith("SQLITE_FULL") || code === "ENOSPC" || code === "EDQUOT")) ||
    /disk is full|no space left/i.test(String(cause))
  )
}

/**
 * A sync's staging, spilled to disk (`SqliteSpill`, 16 MiB of page cache): memory stays at the id index
 * however large the sync. Closed (the file deleted) with the scope. A failure to create it, or to write
 * it later, is `StagingFailed`, which says where and how much was staged. `maxBytes` caps the spill's
 * file (tests: a full disk without filling one).
 */
export const diskStaging = (maxBytes?: number): Effect.Effect<CoreStaging, StagingFailed, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () => {
        const spill = new SqliteSpill(16, maxBytes)
        return new CoreStaging(
          spill,
          (cause, rows) =>
            new StagingFailed({
              directory: spill.directory,
              rows,
              bytes: spill.bytes,
              full: isFull(cause),
              reason: cause instanceof Error ? cause.message : String(cause)
            })
        )
      },
      catch: (cause) =>
        new StagingFailed({
          directory: process.env.SQLITE_TMPDIR || process.env.TMPDIR || "/tmp",
          rows: 0,
          full: isFull(cause),
          reason: cause instanceof Error ? cause.message : String(cause)
        })
    }),
    (staging) => Effect.sync(() => staging.close()).pipe(Effect.ignore)
  )
