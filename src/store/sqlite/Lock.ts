import type { Database } from "bun:sqlite"
import { hostname } from "node:os"

/** Who holds a scope's lock. */
export interface LockHolder {
  readonly holder: string
  readonly host: string
  readonly pid: number
}

/** Another connection held the database's write lock for the whole wait (a commit of another scope, say). */
export const WRITER_BUSY = "busy" as const

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as { code?: string }).code === "EPERM"
  }
}

const isBusy = (error: unknown): boolean => {
  const code = (error as { code?: unknown }).code
  return typeof code === "string" && (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))
}

const setBusyTimeout = (db: Database, ms: number): void => {
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(ms))}`)
}

/**
 * Tries once to take the lock row of `(connector, account)` for `holder`, in one immediate transaction.
 * A lock left by a process of this host that no longer runs (killed mid-sync) is taken over. Waits at
 * most `waitMs` for another connection's write transaction (the connection's busy timeout is lowered for
 * the attempt and restored to `busyTimeoutMs` after), so the caller's lock timeout holds even while
 * another process commits. Returns `undefined` when taken, the current holder when held, or
 * `WRITER_BUSY` when the write lock could not be had in time.
 */
export const tryLock = (
  db: Database,
  scope: { readonly connector: string; readonly account: string },
  holder: string,
  wait: { readonly waitMs: number; readonly busyTimeoutMs: number }
): LockHolder | typeof WRITER_BUSY | undefined => {
  setBusyTimeout(db, wait.waitMs)
  try {
    return db
      .transaction((): LockHolder | undefined => {
        const current = db
          .query("SELECT holder, host, pid FROM scope_locks WHERE connector = ? AND account = ?")
          .get(scope.connector, scope.account) as LockHolder | null
        const host = hostname()
        if (current !== null && !(current.host === host && !alive(current.pid))) return current
        db.query(
          "INSERT OR REPLACE INTO scope_locks (connector, account, holder, host, pid, acquired_at) VALUES (?, ?, ?, ?, ?, ?)"
        ).run(scope.connector, scope.account, holder, host, process.pid, Date.now())
        return undefined
      })
      .immediate()
  } catch (error) {
    if (isBusy(error)) return WRITER_BUSY
    throw error
  } finally {
    setBusyTimeout(db, wait.busyTimeoutMs)
  }
}

/**
 * Releases the lock if `holder` still holds it. A transaction left open on the session's connection
 * (staging interrupted mid-batch) is rolled back first, so that the release is not rolled back with it.
 */
export const unlock = (db: Database, connector: string, account: string, holder: string): void => {
  if (db.inTransaction) db.exec("ROLLBACK")
  db.query("DELETE FROM scope_locks WHERE connector = ? AND account = ? AND holder = ?").run(connector, account, holder)
}

export const describeHolder = (holder: LockHolder | typeof WRITER_BUSY): string =>
  holder === WRITER_BUSY
    ? "another connection's write transaction (it held the database's write lock for the whole wait)"
    : `process ${holder.pid} on ${holder.host}`
