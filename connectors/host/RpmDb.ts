import { Database } from "bun:sqlite"
import { MalformedHeader, parseRpmHeader, type RpmHeader } from "./RpmHeader.ts"

/** Where rpm ≥ 4.16 keeps its SQLite database, newest location first (`/var/lib/rpm` is often a link). */
export const RPMDB_SQLITE = ["/usr/lib/sysimage/rpm/rpmdb.sqlite", "/var/lib/rpm/rpmdb.sqlite"] as const

/** Older rpm databases: BerkeleyDB (`Packages`) and ndb (`Packages.db`), not read. */
export const RPMDB_LEGACY = [
  "/var/lib/rpm/Packages",
  "/var/lib/rpm/Packages.db",
  "/usr/lib/sysimage/rpm/Packages",
  "/usr/lib/sysimage/rpm/Packages.db"
] as const

/** Why an rpm database could not be read. */
export class RpmDbUnreadable {
  readonly _tag = "RpmDbUnreadable"
  constructor(readonly reason: string) {}
}

/**
 * The installed packages of an `rpmdb.sqlite` file, given its bytes: its `Packages` table holds one
 * header blob per package (`hnum`, `blob`). The bytes are opened in memory, read-only, so the host's
 * database is never opened, locked or written; rpm keeps the file in WAL mode and checkpoints it when
 * it closes, so a transaction still running when the file was read is not seen. The bytes' WAL marker
 * is changed in place.
 */
export const readRpmDb = (bytes: Uint8Array): ReadonlyArray<RpmHeader> | RpmDbUnreadable => {
  if (bytes.length < 100 || new TextDecoder().decode(bytes.subarray(0, 15)) !== "SQLite format 3") {
    return new RpmDbUnreadable("it is not an SQLite database")
  }
  // A WAL-mode file cannot be opened from memory; bytes 18 and 19 (2 = WAL) say legacy (1) instead,
  // written into the caller's buffer (not a copy: the database may be hundreds of MiB).
  bytes[18] = 1
  bytes[19] = 1
  let db: Database | undefined
  try {
    db = Database.deserialize(bytes, true)
    const rows = db.query("SELECT hnum, blob FROM Packages ORDER BY hnum").all() as ReadonlyArray<{
      hnum: number
      blob: Uint8Array
    }>
    const headers: Array<RpmHeader> = []
    for (const row of rows) {
      const header = parseRpmHeader(row.blob)
      if (header instanceof MalformedHeader) {
        return new RpmDbUnreadable(`package ${row.hnum} is not a valid rpm header: ${header.reason}`)
      }
      headers.push(header)
    }
    return headers
  } catch (error) {
    return new RpmDbUnreadable(error instanceof Error ? error.message : String(error))
  } finally {
    db?.close()
  }
}
