import { Database } from "bun:sqlite"
import { chmodSync, existsSync, linkSync, readdirSync, rmSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { NotADatabase, SchemaTooNew, StoreError } from "../../sync/StoreErrors.ts"
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from "./Migrations.ts"

/** Connection settings shared by the store's reader connection and every sync session's connection. */
export interface ConnectionOptions {
  /** How long a writer waits for another process's write transaction (default 120 s). */
  readonly busyTimeoutMs: number
  /** SQLite page cache of the database in MiB. */
  readonly cacheMiB: number
  /** Overrides `cacheMiB` with a number of pages (tests). */
  readonly cachePages?: number
}

/** The `cache_size` pragma's value for these settings (negative: KiB; positive: pages). */
export const cacheSize = (options: { readonly cacheMiB: number; readonly cachePages?: number }): number =>
  options.cachePages ?? -1024 * Math.max(2, Math.floor(options.cacheMiB))

/** SQLite's verdict that the file is not a database, or that a page it read is corrupt. */
export const isCorrupt = (error: unknown): boolean => {
  const code = (error as { code?: unknown }).code
  if (typeof code === "string") return code.startsWith("SQLITE_NOTADB") || code.startsWith("SQLITE_CORRUPT")
  return /file is not a database|database disk image is malformed/i.test(String(error))
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * The typed failure of a store operation: `NotADatabase` when SQLite found the file corrupt (corrupt pages
 * surface only when read, so at any operation), otherwise `StoreError`.
 */
export const storeFailure = (operation: string, location: string, cause: unknown): StoreError | NotADatabase =>
  cause instanceof NotADatabase
    ? cause
    : isCorrupt(cause)
      ? new NotADatabase({
          location,
          reason: `the file is corrupt or not an SQLite database (SQLite: "${describe(cause)}" during ${operation}); restore it from a backup or move it aside`
        })
      : new StoreError({ operation, location, cause: isFull(cause) ? new Error(diskFull(location, cause)) : cause })

/** SQLite's out-of-space error (SQLITE_FULL), or the operating system's. */
const isFull = (error: unknown): boolean => /database or disk is full|no space left on device/i.test(String(error))

/** What a full disk means for a store: the commit needs room for the rows and, beside them, the write-ahead log. */
const diskFull = (location: string, cause: unknown): string =>
  `${describe(cause)}: the disk holding ${location} ran out of space. A commit needs room for the rows it writes ` +
  `and as much again for the write-ahead log beside the database (${location}-wal; about 0.8 GiB for a first ` +
  "sync of a million objects); nothing was committed: free space there, or move the store, and sync again"

const configure = (db: Database, options: ConnectionOptions): void => {
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`)
  db.exec("PRAGMA journal_mode = WAL")
  db.exec("PRAGMA synchronous = NORMAL")
  db.exec(`PRAGMA cache_size = ${cacheSize(options)}`)
  db.exec("PRAGMA temp_store = FILE")
  db.exec("PRAGMA foreign_keys = OFF")
}

const migrate = (db: Database, location: string): void => {
  const version = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version
  if (version > SCHEMA_VERSION) throw new SchemaTooNew({ location, found: version, supported: SCHEMA_VERSION })
  if (version === SCHEMA_VERSION) return
  db.transaction(() => {
    const again = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version
    if (again === 0) {
      const app = (db.query("PRAGMA application_id").get() as { application_id: number }).application_id
      const tables = db.query("SELECT count(*) AS n FROM sqlite_schema").get() as { n: number }
      if (app !== APPLICATION_ID && tables.n > 0) {
        throw new NotADatabase({ location, reason: "it is an SQLite database of some other program" })
      }
      db.exec(`PRAGMA application_id = ${APPLICATION_ID}`)
    }
    for (let index = again; index < SCHEMA_VERSION; index++) {
      db.exec(MIGRATIONS[index] as string)
      db.exec(`PRAGMA user_version = ${index + 1}`)
    }
  }).immediate()
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as { readonly code?: string }).code === "EPERM"
  }
}

/** Half-made stores beside `path` whose creating process is gone (it was killed): removed. */
const removeAbandoned = (path: string): void => {
  const prefix = `${basename(path)}.creating-`
  let names: ReadonlyArray<string> = []
  try {
    names = readdirSync(dirname(path) || ".")
  } catch {
    return
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue
    const pid = Number(name.slice(prefix.length).split("-")[0])
    if (Number.isInteger(pid) && !alive(pid)) rmSync(join(dirname(path), name), { force: true })
  }
}

/**
 * Creates the store at `path` whole or not at all: the schema is written into a file of its own beside
 * it, readable by its owner only (0600: it will hold the whole inventory), which is then linked into
 * place. A sync interrupted in its first moments leaves no table-less database behind (at most a
 * `.creating-<pid>-…` file, removed by the next creation), and two processes creating the same store at
 * once both end up opening the one that was linked first.
 */
const createStore = (path: string, options: ConnectionOptions): void => {
  const fresh = `${path}.creating-${process.pid}-${crypto.randomUUID().slice(0, 8)}`
  try {
    const db = new Database(fresh, { create: true, strict: false })
    try {
      chmodSync(fresh, 0o600)
      configure(db, options)
      migrate(db, path)
    } finally {
      db.close()
    }
    try {
      linkSync(fresh, path)
    } catch (error) {
      if ((error as { readonly code?: string }).code !== "EEXIST") throw error
    }
  } finally {
    for (const file of [fresh, `${fresh}-wal`, `${fresh}-shm`]) rmSync(file, { force: true })
  }
}

/**
 * Opens the database at `path` (creating it when `migrations` is set and there is none), sets WAL and the
 * connection settings, and applies pending migrations. A newer schema is `SchemaTooNew`; a file that is
 * not an SQLite database, or is corrupt, is `NotADatabase`.
 */
export const openDatabase = (
  path: string,
  options: ConnectionOptions,
  migrations: boolean
): Database | StoreError | SchemaTooNew | NotADatabase => {
  let db: Database | undefined
  try {
    if (migrations) {
      removeAbandoned(path)
      if (!existsSync(path)) createStore(path, options)
    }
    db = new Database(path, { create: false, strict: false })
    configure(db, options)
    if (migrations) migrate(db, path)
    else {
      const version = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version
      if (version > SCHEMA_VERSION)
        throw new SchemaTooNew({ location: path, found: version, supported: SCHEMA_VERSION })
    }
    return db
  } catch (error) {
    db?.close()
    if (error instanceof SchemaTooNew) return error
    return storeFailure("open", path, error)
  }
}
