import { Database } from "bun:sqlite"
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** The prefix of every spill's directory, and the file whose lock says its sync is alive. */
const PREFIX = "parallax-stage-"
const LIVE = "live.lock"

/** Where spills are made: `SQLITE_TMPDIR`, else `TMPDIR`, else the system's temporary directory. */
export const spillParent = (): string => process.env.SQLITE_TMPDIR || process.env.TMPDIR || tmpdir()

/**
 * The spill directories this process holds, with the connection holding each one's lock. The connection
 * is kept here so that it lives as long as the spill: one nothing refers to is closed by the garbage
 * collector, and its lock goes with it (a test's child process lost its lock that way within a second).
 * A sweep skips these without opening their locks (SQLite would find them taken anyway: its connections
 * in one process see each other's locks).
 */
const ours = new Map<string, Database>()

/** A spill's directory, held for as long as its sync runs. */
export interface SpillDir {
  readonly path: string
  /** Gives the lock up and deletes the directory with everything in it. */
  readonly remove: () => void
}

/**
 * Whether the sync that made the spill `dir` is gone: its `live.lock` is an SQLite file in which that sync
 * keeps a write transaction open, so it holds the file's exclusive lock (a POSIX lock, which the kernel drops
 * when the process ends however it ends, and which holds across containers sharing the directory). A lock
 * this process cannot take, or a file that is not there, is a live spill (or one made by a binary from
 * before the lock: left alone).
 */
const abandoned = (dir: string): boolean => {
  const lock = join(dir, LIVE)
  if (!existsSync(lock)) return false
  let db: Database | undefined
  try {
    db = new Database(lock, { readwrite: true, create: false })
    db.exec("PRAGMA busy_timeout = 0")
    db.exec("BEGIN EXCLUSIVE")
    db.exec("ROLLBACK")
    return true
  } catch {
    return false
  } finally {
    db?.close()
  }
}

/**
 * Deletes the spills under `parent` that a sync killed before it could (SIGKILL, the out-of-memory killer, a
 * power cut) left behind: a million-object sync stages about 1 GiB, which would otherwise stay until
 * someone cleans the temporary directory. Returns the directories deleted. Errors are ignored: sweeping is
 * a courtesy, never a reason for a sync to fail.
 */
export const sweepSpills = (parent: string = spillParent()): ReadonlyArray<string> => {
  const swept: Array<string> = []
  let names: Array<string>
  try {
    names = readdirSync(parent)
  } catch {
    return swept
  }
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue
    const dir = join(parent, name)
    if (ours.has(dir) || !abandoned(dir)) continue
    try {
      rmSync(dir, { recursive: true, force: true })
      swept.push(dir)
    } catch {
      // Another sync swept it first, or it is not ours to delete: leave it.
    }
  }
  return swept
}

/**
 * The parents this process has swept: once each is enough, as every spill made since is its own. A sweep
 * per spill read the whole temporary directory for each (the test suite, thousands of syncs in one process,
 * took a fifth longer).
 */
const sweptParents = new Set<string>()

/**
 * A fresh spill directory under `parent`, after sweeping the abandoned ones there (the first time this
 * process makes one there). Its `live.lock` is locked before it gets its name (made as another file,
 * locked, then renamed), so no sweep ever sees the lock of a live sync free.
 */
export const makeSpillDir = (parent: string = spillParent()): SpillDir => {
  if (!sweptParents.has(parent)) {
    sweptParents.add(parent)
    sweepSpills(parent)
  }
  const path = mkdtempSync(join(parent, PREFIX))
  let lock: Database | undefined
  try {
    const making = join(path, `${LIVE}.new`)
    lock = new Database(making, { create: true, strict: false })
    lock.exec("PRAGMA journal_mode = MEMORY")
    lock.exec("PRAGMA synchronous = OFF")
    lock.exec("CREATE TABLE live (pid INTEGER)")
    // A write transaction left open holds the file's exclusive lock until the connection closes.
    lock.exec("BEGIN EXCLUSIVE")
    lock.exec(`INSERT INTO live VALUES (${process.pid})`)
    renameSync(making, join(path, LIVE))
  } catch (error) {
    lock?.close()
    rmSync(path, { recursive: true, force: true })
    throw error
  }
  ours.set(path, lock)
  const held = lock
  return {
    path,
    remove: () => {
      ours.delete(path)
      try {
        held.close()
      } finally {
        rmSync(path, { recursive: true, force: true })
      }
    }
  }
}
