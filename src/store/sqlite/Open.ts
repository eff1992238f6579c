import { Database } from "bun:sqlite"
import { NotADatabase, SchemaTooNew, StoreError } from "../StoreErrors.ts"
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
      : new StoreError({ operation, location, cause })

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

/**
 * Opens (creating if needed) the database at `path`, sets WAL and the connection settings, and applies
 * pending migrations. A newer schema is `SchemaTooNew`; a file that is not an SQLite database, or is
 * corrupt, is `NotADatabase`.
 */
export const openDatabase = (
  path: string,
  options: ConnectionOptions,
  migrations: boolean
): Database | StoreError | SchemaTooNew | NotADatabase => {
  let db: Database | undefined
  try {
    db = new Database(path, { create: true, strict: false })
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
