import { SQL } from "bun"
import { createDatabase, dropDatabase } from "../../../bench/lib/postgres.ts"

/** The PostgreSQL server the tests may use (`bash .ci/postgres` prints one); tests that need it skip without it. */
export const testPostgresUrl: string | undefined = process.env.PARALLAX_TEST_PG_URL || undefined

/** A database made for one test, dropped by `drop`. */
export interface FreshDatabase {
  /** Its URL (the server's, with the database's name as the path). */
  readonly url: string
  readonly name: string
  /** A client connected to it, for the test's own queries. */
  readonly sql: SQL
  /** Closes the client and drops the database (closing any connection left open to it). */
  readonly drop: () => Promise<void>
}

/**
 * Creates an empty database on the server at `server` (its role needs `CREATEDB`, as `.ci/postgres` gives
 * it), named `<prefix>_<pid>_<random>` so that tests and CI runs on the same server never share one.
 */
export const freshDatabase = async (server: string, prefix = "parallax_e2e"): Promise<FreshDatabase> => {
  const name = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`
  const url = await createDatabase(server, name)
  const sql = new SQL(url, { max: 2 })
  return {
    url,
    name,
    sql,
    drop: async () => {
      await sql.close()
      await dropDatabase(server, name)
    }
  }
}
