import { Database } from "bun:sqlite"
import { expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { storeFailure } from "../../../src/store/sqlite/Open.ts"

/**
 * A store whose disk fills up says what ran out and what a commit needs room for (the rows and the
 * write-ahead log beside the database), not only SQLite's bare "database or disk is full". The full disk is
 * SQLite's own SQLITE_FULL, reached with `max_page_count`.
 */
test("a full disk names the store, the write-ahead log and what to do", () => {
  const dir = mkdtempSync(join(tmpdir(), "parallax-full-"))
  const location = join(dir, "graph.db")
  const db = new Database(location)
  try {
    db.exec("CREATE TABLE t (x TEXT)")
    db.exec("PRAGMA max_page_count = 8")
    let failure: unknown
    try {
      for (let i = 0; i < 1000; i++) db.run("INSERT INTO t VALUES (?)", ["x".repeat(1000)])
    } catch (error) {
      failure = error
    }
    expect(String(failure)).toMatch(/database or disk is full/)
    const error = storeFailure("commit", location, failure)
    expect(error._tag).toBe("StoreError")
    expect(error.message).toContain(`the disk holding ${location} ran out of space`)
    expect(error.message).toContain(`${location}-wal`)
    expect(error.message).toContain("nothing was committed")
  } finally {
    db.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
