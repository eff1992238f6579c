import { constants, Database } from "bun:sqlite"
import { existsSync, statSync } from "node:fs"
import { resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { SchemaTooOld } from "../Store.ts"
import { NotADatabase, SchemaTooNew, StoreError } from "../StoreErrors.ts"
import { APPLICATION_ID, SCHEMA_VERSION } from "./Migrations.ts"
import { cacheSize } from "./Open.ts"

/**
 * Reading the store file without writing it (dry runs, read-only stores). A read-only connection has a
 * private, empty main database in memory; its TEMP database (on disk) holds what a session stages. The
 * store file is attached as `store` only while a read runs, so that every read sees the file as it is
 * then, and detached after. Unqualified table names resolve to it (TEMP and main have none of the
 * store's tables), so the commit's SQL runs unchanged.
 *
 * SQLite creates `-wal` and `-shm` files for any connection to a WAL database, a read-only one too, and
 * a read-only connection cannot remove them again. So when the file has no `-wal` (no connection is
 * using it, and it was closed cleanly) it is attached `immutable`: no file is created and no lock
 * taken. SQLite then trusts the file not to change; a writer that appears meanwhile and checkpoints
 * into it would make the read see a mix of two states, so the file's identity, size and times are
 * compared before and after, and a read during which they changed is done again (a few times, then
 * `StoreError`). When a `-wal` (or a rollback `-journal`) exists, the file is attached read-only
 * through it, with ordinary locks: a consistent snapshot even while another process commits.
 */

/** The schema name under which the store file is attached. */
const SCHEMA = "store"

/** How many times a read is done when the file keeps changing under it. */
const ATTEMPTS = 3

export interface ReadOnlySettings {
  readonly busyTimeoutMs: number
  readonly cacheMiB: number
  readonly cachePages?: number
}

/** A connection of a read-only session or read: nothing attached yet. */
export const connect = (settings: ReadOnlySettings): Database => {
  const db = new Database(
    ":memory:",
    constants.SQLITE_OPEN_READWRITE | constants.SQLITE_OPEN_CREATE | constants.SQLITE_OPEN_URI
  )
  try {
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(settings.busyTimeoutMs))}`)
    db.exec("PRAGMA temp_store = FILE")
    db.exec("PRAGMA foreign_keys = OFF")
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

/** What changes when anything writes the file (a checkpoint, a replacement). */
const fingerprint = (path: string): string => {
  const stat = statSync(path, { bigint: true, throwIfNoEntry: false })
  return stat === undefined ? "missing" : `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`
}

/** Whether SQLite must read the file through a journal (another connection's WAL, or a crashed writer's). */
const journaled = (path: string): boolean => existsSync(`${path}-wal`) || existsSync(`${path}-journal`)

/** The store file attached to `db`: `changed()` says whether a read through it may have been torn. */
export interface Attached {
  readonly changed: () => boolean
  readonly detach: () => void
}

/** Attaches the store file at `location` read-only (see the module's notes). */
export const attach = (db: Database, location: string, settings: ReadOnlySettings): Attached => {
  if (!existsSync(location)) {
    throw new StoreError({
      operation: "open",
      location,
      cause: new Error("there is no database file (a read-only store creates none)")
    })
  }
  const immutable = !journaled(location)
  const before = immutable ? fingerprint(location) : ""
  const uri = `${pathToFileURL(resolve(location)).href}?${immutable ? "immutable=1" : "mode=ro"}`
  db.query(`ATTACH DATABASE ? AS ${SCHEMA}`).run(uri)
  try {
    db.exec(`PRAGMA ${SCHEMA}.cache_size = ${cacheSize(settings)}`)
  } catch (error) {
    db.exec(`DETACH DATABASE ${SCHEMA}`)
    throw error
  }
  return {
    changed: () => immutable && fingerprint(location) !== before,
    detach: () => {
      if (db.inTransaction) db.exec("ROLLBACK")
      db.exec(`DETACH DATABASE ${SCHEMA}`)
    }
  }
}

/**
 * Runs `read` with the store file attached, then detaches it. A read during which the file changed
 * under an immutable attach (its result, or its failure, may come from a torn state) is done again.
 */
export const withStore = <A>(db: Database, location: string, settings: ReadOnlySettings, read: () => A): A => {
  for (let attempt = 1; ; attempt++) {
    const attached = attach(db, location, settings)
    let outcome: { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: unknown }
    try {
      outcome = { ok: true, value: read() }
    } catch (error) {
      outcome = { ok: false, error }
    }
    try {
      attached.detach()
    } catch (error) {
      throw outcome.ok ? error : outcome.error
    }
    if (!attached.changed()) {
      if (outcome.ok) return outcome.value
      throw outcome.error
    }
    if (attempt >= ATTEMPTS) {
      throw new StoreError({
        operation: "read",
        location,
        cause: new Error(`the file changed while it was read, ${ATTEMPTS} times in a row (other processes write it)`)
      })
    }
  }
}

const pragma = (db: Database, name: string): number =>
  Object.values(db.query(`PRAGMA ${SCHEMA}.${name}`).get() as Record<string, number>)[0] as number

/**
 * Checks that the attached file is a parallax store at this adapter's schema version: a newer one is
 * `SchemaTooNew`, an older one (or an empty database) `SchemaTooOld`, another program's database
 * `NotADatabase`.
 */
export const inspect = (db: Database, location: string): void => {
  const version = pragma(db, "user_version")
  if (version > SCHEMA_VERSION) throw new SchemaTooNew({ location, found: version, supported: SCHEMA_VERSION })
  const tables = (db.query(`SELECT count(*) AS n FROM ${SCHEMA}.sqlite_schema`).get() as { n: number }).n
  if (pragma(db, "application_id") !== APPLICATION_ID && tables > 0) {
    throw new NotADatabase({ location, reason: "it is an SQLite database of some other program" })
  }
  if (version < SCHEMA_VERSION) throw new SchemaTooOld({ location, found: version, supported: SCHEMA_VERSION })
}
