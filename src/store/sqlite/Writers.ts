import { realpathSync } from "node:fs"
import { resolve } from "node:path"
import { Effect } from "effect"

/**
 * One writer at a time per database file in this process. A commit holds its write transaction across
 * the points where its fiber yields (so that Ctrl-C is honoured between statements); another fiber of
 * this process that wrote meanwhile would block the whole thread in SQLite's busy wait, and the
 * transaction it waits for could never finish. So every write of a store file (taking or releasing a
 * scope's lock, a commit, a failed run) first takes this file's permit, which a fiber waits for without
 * blocking. Other processes are serialised by SQLite's own locks, as before.
 */
const writers = new Map<string, Effect.Semaphore>()

const keyOf = (path: string): string => {
  try {
    return realpathSync(path)
  } catch {
    return resolve(path)
  }
}

/** The permit for writing the database at `path`, shared by every store of this process on that file. */
export const writerOf = (path: string): Effect.Semaphore => {
  const key = keyOf(path)
  let writer = writers.get(key)
  if (writer === undefined) {
    writer = Effect.unsafeMakeSemaphore(1)
    writers.set(key, writer)
  }
  return writer
}
