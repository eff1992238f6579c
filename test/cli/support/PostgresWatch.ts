import type { SQL } from "bun"

/**
 * Watching a PostgreSQL store from the server's side, for the end-to-end tests: what every table holds,
 * which sessions a process has, and when one of them waits for a lock.
 */

/** Every table of the database (outside the system schemas), `schema.table` → its row count and a digest of its rows. */
export const databaseDigest = async (sql: SQL): Promise<Record<string, string>> => {
  const tables = (await sql`
    SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
    WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
      AND table_schema NOT LIKE 'pg\\_temp%' AND table_schema NOT LIKE 'pg\\_toast%'
    ORDER BY 1, 2`) as ReadonlyArray<{ readonly schema: string; readonly name: string }>
  const digests: Record<string, string> = {}
  for (const { schema, name } of tables) {
    const [row] = (await sql.unsafe(
      `SELECT count(*)::int AS rows, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text COLLATE "C"), '')) AS digest
       FROM "${schema}"."${name}" t`
    )) as ReadonlyArray<{ readonly rows: number; readonly digest: string }>
    digests[`${schema}.${name}`] = `${row?.rows} rows, md5 ${row?.digest}`
  }
  return digests
}

/** The sessions connected to this database other than the one asking. */
const otherSessions = async (sql: SQL): Promise<ReadonlyArray<number>> =>
  (
    (await sql`
      SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
    `) as ReadonlyArray<{ readonly pid: number }>
  ).map((row) => row.pid)

/**
 * Waits until a session of this database waits for a lock on `table` (one this test holds), and returns
 * the sessions of the database that are not the test's own (`own`, and the one asking): the process's.
 * Fails when `child` ends first or after two minutes.
 */
export const untilBlocked = async (
  sql: SQL,
  table: string,
  child: Bun.Subprocess,
  own: ReadonlyArray<number>
): Promise<ReadonlyArray<number>> => {
  const deadline = Date.now() + 120_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const stderr = child.stderr instanceof ReadableStream ? await new Response(child.stderr).text() : ""
      throw new Error(`the sync ended (exit ${child.exitCode}) before it waited on ${table}:\n${stderr}`)
    }
    const waiting = (await sql`
      SELECT pid FROM pg_locks WHERE relation = to_regclass(${table}) AND NOT granted AND pid <> pg_backend_pid()
    `) as ReadonlyArray<{ readonly pid: number }>
    if (waiting.length > 0) return (await otherSessions(sql)).filter((pid) => !own.includes(pid))
    await Bun.sleep(5)
  }
  throw new Error(`no session waited on ${table} within two minutes`)
}

/** Waits until none of `pids` is connected any more (fails after a minute). */
export const sessionsGone = async (sql: SQL, pids: ReadonlyArray<number>): Promise<void> => {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    const left = (await otherSessions(sql)).filter((pid) => pids.includes(pid))
    if (left.length === 0) return
    await Bun.sleep(20)
  }
  throw new Error(`sessions ${pids.join(", ")} still connected a minute after their process was killed`)
}
