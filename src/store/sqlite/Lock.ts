import type { Database } from "bun:sqlite"
import { hostname } from "node:os"

/** Who holds a scope's lock. */
export interface LockHolder {
  readonly holder: string
  readonly host: string
  readonly pid: number
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as { code?: string }).code === "EPERM"
  }
}

/**
 * Tries once to take the lock row of `(connector, account)` for `holder`, in one immediate transaction.
 * A lock left by a process of this host that no longer runs (killed mid-sync) is taken over. Returns
 * `undefined` when taken, otherwise the current holder.
 */
export const tryLock = (db: Database, connector: string, account: string, holder: string): LockHolder | undefined =>
  db
    .transaction((): LockHolder | undefined => {
      const current = db
        .query("SELECT holder, host, pid FROM scope_locks WHERE connector = ? AND account = ?")
        .get(connector, account) as LockHolder | null
      const host = hostname()
      if (current !== null && !(current.host === host && !alive(current.pid))) return current
      db.query(
        "INSERT OR REPLACE INTO scope_locks (connector, account, holder, host, pid, acquired_at) VALUES (?, ?, ?, ?, ?, ?)"
      ).run(connector, account, holder, host, process.pid, Date.now())
      return undefined
    })
    .immediate()

/** Releases the lock if `holder` still holds it. */
export const unlock = (db: Database, connector: string, account: string, holder: string): void => {
  db.query("DELETE FROM scope_locks WHERE connector = ? AND account = ? AND holder = ?").run(connector, account, holder)
}

export const describeHolder = (holder: LockHolder): string => `process ${holder.pid} on ${holder.host}`
