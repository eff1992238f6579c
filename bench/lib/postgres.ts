import { SQL } from "bun"

/**
 * The PostgreSQL server of the bench: `--pg URL`, else `PARALLAX_BENCH_PG_URL`, else the tests' own
 * `PARALLAX_TEST_PG_URL` (what `bash .ci/postgres` prints). Its role must be allowed to create databases:
 * every scenario gets a database of its own, dropped afterwards. Undefined: the PostgreSQL part is skipped.
 */
export const benchPostgresUrl = (option: string | undefined): string | undefined =>
  option || process.env.PARALLAX_BENCH_PG_URL || process.env.PARALLAX_TEST_PG_URL || undefined

/** The URL with its password masked, for logs and the report. */
export const masked = (url: string): string => {
  const address = new URL(url)
  if (address.password !== "") address.password = "***"
  return address.toString()
}

/** `url` with another database's name as its path. */
export const databaseUrl = (server: string, name: string): string => {
  const address = new URL(server)
  address.pathname = `/${name}`
  return address.toString()
}

const withClient = async <A>(url: string, body: (sql: SQL) => Promise<A>): Promise<A> => {
  const sql = new SQL(url, { max: 1 })
  try {
    return await body(sql)
  } finally {
    await sql.close()
  }
}

/** Creates the database `name` (empty, or a copy of `template`, which nobody may be connected to); returns its URL. */
export const createDatabase = async (server: string, name: string, template?: string): Promise<string> => {
  await withClient(server, async (sql) => {
    await sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
    await sql.unsafe(`CREATE DATABASE "${name}"${template === undefined ? "" : ` TEMPLATE "${template}"`}`)
  })
  return databaseUrl(server, name)
}

/**
 * Drops a database of the bench. `WITH (FORCE)` ends the bench's own connections to it, but a role that is
 * not a superuser may not end an autovacuum worker's (42501), nor drop while one is there (55006): the
 * worker finishes or is cancelled within seconds, so those errors are retried for up to a minute.
 */
export const dropDatabase = async (server: string, name: string): Promise<void> => {
  for (let attempt = 1; ; attempt++) {
    try {
      await withClient(server, async (sql) => {
        await sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      })
      return
    } catch (error) {
      const state = (error as { errno?: string }).errno
      if ((state !== "42501" && state !== "55006") || attempt >= 60) throw error
      await Bun.sleep(1000)
    }
  }
}

/**
 * Brings the database to the state autovacuum leaves it in soon after a large load: `VACUUM (ANALYZE)` of
 * the store's tables (waiting for an autovacuum worker already on one). Otherwise that worker scans the millions of
 * rows just written while the next measurement runs, on the same two cores.
 */
export const settle = (url: string): Promise<void> =>
  withClient(url, async (sql) => {
    const tables = (await sql`SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`) as ReadonlyArray<{
      readonly tablename: string
    }>
    await sql.unsafe(`VACUUM (ANALYZE) ${tables.map((table) => `"${table.tablename}"`).join(", ")}`)
  })

/** The size of the database on disk, in bytes (`pg_database_size`: tables, indexes, TOAST). */
export const databaseBytes = (url: string): Promise<number> =>
  withClient(url, async (sql) => {
    const [row] = (await sql`SELECT pg_database_size(current_database())::float8 AS bytes`) as ReadonlyArray<{
      readonly bytes: number
    }>
    return row?.bytes ?? 0
  })

/** The server's own count of rows inserted, updated and deleted in one table (`pg_stat_user_tables`). */
export interface TableWrites {
  readonly inserted: number
  readonly updated: number
  readonly deleted: number
}

/** Every user table's row counters, `schema.table` → writes, as the statistics system last recorded them. */
export const tableWrites = (url: string): Promise<Record<string, TableWrites>> =>
  withClient(url, async (sql) => {
    const rows = (await sql`
      SELECT schemaname || '.' || relname AS name, n_tup_ins::float8 AS inserted, n_tup_upd::float8 AS updated,
        n_tup_del::float8 AS deleted
      FROM pg_stat_user_tables ORDER BY 1`) as ReadonlyArray<TableWrites & { readonly name: string }>
    return Object.fromEntries(rows.map(({ name, ...writes }) => [name, writes]))
  })

/** The rows written between two readings of `tableWrites`, by table, leaving out the tables nothing wrote. */
export const writesBetween = (
  before: Record<string, TableWrites>,
  after: Record<string, TableWrites>
): Record<string, TableWrites> => {
  const out: Record<string, TableWrites> = {}
  for (const [name, now] of Object.entries(after)) {
    const then = before[name] ?? { inserted: 0, updated: 0, deleted: 0 }
    const delta = {
      inserted: now.inserted - then.inserted,
      updated: now.updated - then.updated,
      deleted: now.deleted - then.deleted
    }
    if (delta.inserted + delta.updated + delta.deleted > 0) out[name] = delta
  }
  return out
}

/**
 * Reads `tableWrites` until the statistics show a write to a table whose name matches `recorded` that was not
 * in `before` (a sync's run record: then its session's counters have been flushed), at most `timeoutMs`.
 */
export const writesAfter = async (
  url: string,
  before: Record<string, TableWrites>,
  recorded: RegExp,
  timeoutMs = 10_000
): Promise<Record<string, TableWrites>> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const after = tableWrites(url)
    const delta = writesBetween(before, await after)
    if (Object.keys(delta).some((name) => recorded.test(name)) || Date.now() > deadline) return delta
    await Bun.sleep(100)
  }
}
