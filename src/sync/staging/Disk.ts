import { Effect, type Scope } from "effect"
import { StagingFailed } from "../../model/Errors.ts"
import { LogSpill } from "./LogSpill.ts"
import { spillParent } from "./SpillDir.ts"
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
 * Where a sync stages on disk: `"table"`, an SQLite file that a driver attaching it reads set-wise (for
 * a scope with no rows yet, where every row is inserted); `"log"`, append-only files read back row by row,
 * which cost a fraction of the table per row staged (a re-sync, where most rows are unchanged and never
 * read again).
 */
export type DiskSpill = "table" | "log"

/**
 * The page cache of a sync's staging table, in MiB: rows are appended to it and read back in scans or by
 * row number, so a large cache buys little (the operating system caches the file too) and stays in RSS
 * until the sync ends. First syncs at n = 1M, by hand, one binary against the other twice each: peak RSS
 * 376-388 MiB with 16 MiB, 365-369 with 4, in the same time (54-61 s, the machine's noise).
 */
export const SPILL_CACHE_MIB = 4

/**
 * A sync's staging, spilled to disk (`SqliteSpill`, or `LogSpill`): memory stays at the id index however
 * large the sync. The table's page cache is 4 MiB (`SPILL_CACHE_MIB`). Closed (the files deleted) with the
 * scope. A failure to create it, or to write it later, is `StagingFailed`, which says where and how much
 * was staged. `maxBytes` caps the spill's files (tests: a full disk without filling one).
 */
export const diskStaging = (
  maxBytes?: number,
  kind: DiskSpill = "table"
): Effect.Effect<CoreStaging, StagingFailed, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () => {
        const spill = kind === "log" ? new LogSpill(maxBytes) : new SqliteSpill(SPILL_CACHE_MIB, maxBytes)
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
          directory: spillParent(),
          rows: 0,
          full: isFull(cause),
          reason: cause instanceof Error ? cause.message : String(cause)
        })
    }),
    (staging) => Effect.sync(() => staging.close()).pipe(Effect.ignore)
  )
