import { describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SQL } from "bun"
import { Effect } from "effect"
import { SCHEMA_VERSION } from "../../src/store/postgres/Migrations.ts"
import { freshSchema, testPostgresUrl } from "../store/support/Postgres.ts"
import { parallax } from "./support/Binary.ts"

/**
 * The compiled binary against PostgreSQL: `--db URL`, `PARALLAX_DB`, `--db-password-file`, one clear line
 * for each way the connection can fail, the password never printed, `migrate` by the owner while a role
 * that only reads and writes rows syncs, and a re-sync that writes no row by the server's own counters.
 */

/** A fresh schema's URL for the length of `body`. */
const withSchema = <A>(body: (url: string) => Promise<A>): Promise<A> =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(freshSchema("cli"), (url) => Effect.promise(() => body(url)))))

const withPassword = (url: string, password: string): string => {
  const address = new URL(url)
  address.password = password
  return address.toString()
}

const withoutPassword = (url: string): string => withPassword(url, "")

const server = () => new SQL(testPostgresUrl as string, { max: 1 })

describe.skipIf(testPostgresUrl === undefined)("parallax with a PostgreSQL store (the compiled binary)", () => {
  const secret = new URL(testPostgresUrl ?? "postgres://x").password

  test("sync, stats and history through --db URL and PARALLAX_DB; the password is never printed", async () => {
    await withSchema(async (url) => {
      const sync = await parallax(["sync", "synthetic", "--db", url, "--json"])
      expect(sync.code).toBe(0)
      expect(JSON.parse(sync.stdout).stats.entitiesCreated).toBeGreaterThan(0)
      const again = await parallax(["sync", "synthetic"], { env: { PARALLAX_DB: url } })
      expect(again.code).toBe(0)
      const stats = await parallax(["stats", "--json"], { env: { PARALLAX_DB: url } })
      expect(stats.code).toBe(0)
      expect(JSON.parse(stats.stdout).scopes).toHaveLength(1)
      const history = await parallax(["history", "--json", "--db", url])
      expect(JSON.parse(history.stdout).map((run: { generation: number }) => run.generation)).toEqual([2, 1])
      for (const ran of [sync, again, stats, history]) expect(ran.stdout + ran.stderr).not.toContain(`:${secret}@`)
    })
  }, 120_000)

  test("--db-password-file gives the password; a wrong one is one clear line, masked, exit 1", async () => {
    await withSchema(async (url) => {
      const dir = mkdtempSync(join(tmpdir(), "parallax-pw-"))
      try {
        writeFileSync(join(dir, "pw"), `${secret}\n`, { mode: 0o600 })
        writeFileSync(join(dir, "wrong"), "not-the-password\n", { mode: 0o600 })
        const bare = withoutPassword(url)
        const ok = await parallax(["sync", "synthetic", "--db", bare, "--db-password-file", join(dir, "pw")])
        expect(ok.code).toBe(0)
        const refused = await parallax(["sync", "synthetic", "--db", withPassword(url, "s3cr3t-wrong")])
        expect(refused.code).toBe(1)
        expect(refused.stderr).toContain("PostgreSQL refused the credentials")
        expect(refused.stderr).toContain(":***@")
        // One line that names the store once.
        expect(refused.stderr.trim().split("\n")).toHaveLength(1)
        expect(refused.stderr.split(":***@")).toHaveLength(2)
        expect(refused.stderr).not.toContain("s3cr3t-wrong")
        const wrongFile = await parallax(["stats", "--db", bare, "--db-password-file", join(dir, "wrong")])
        expect(wrongFile.code).toBe(1)
        expect(wrongFile.stderr).not.toContain("not-the-password")
        const onFile = await parallax(["stats", "--db", join(dir, "x.db"), "--db-password-file", join(dir, "pw")])
        expect(onFile.code).toBe(2)
        expect(onFile.stderr).toContain("--db-password-file goes with a postgres:// URL")
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  }, 120_000)

  test("an unreachable server, a missing database and a missing schema are each one clear line", async () => {
    const unreachable = await parallax(["sync", "synthetic", "--db", "postgres://parallax:pw-123@127.0.0.1:9/graph"])
    expect(unreachable.code).toBe(1)
    expect(unreachable.stderr).toContain("postgres://parallax:***@127.0.0.1:9/graph")
    expect(unreachable.stderr.split("postgres://")).toHaveLength(2)
    expect(unreachable.stderr).toContain("cannot reach the PostgreSQL server at 127.0.0.1:9")
    expect(unreachable.stderr).not.toContain("pw-123")
    const missing = new URL(testPostgresUrl as string)
    missing.pathname = "/parallax_no_such_database"
    const noDatabase = await parallax(["sync", "synthetic", "--db", missing.toString()])
    expect(noDatabase.code).toBe(1)
    expect(noDatabase.stderr).toContain('database "parallax_no_such_database" does not exist')
    const readNoDatabase = await parallax(["stats", "--db", missing.toString()])
    expect(readNoDatabase.code).toBe(2)
    expect(readNoDatabase.stderr).toContain("no parallax store in")
    // The database itself is missing: `parallax migrate` alone would not do, and the line says so.
    expect(readNoDatabase.stderr).toContain('database "parallax_no_such_database" does not exist: create it')
    await withSchema(async (url) => {
      const read = await parallax(["entities", "--db", url])
      expect(read.code).toBe(2)
      expect(read.stderr).toContain("run `parallax migrate --db")
      for (const ran of [unreachable, noDatabase, readNoDatabase, read]) {
        expect(ran.stderr.trim().split("\n")).toHaveLength(1)
        expect(ran.stderr).not.toContain(`:${secret}@`)
      }
    })
  }, 120_000)

  test("migrate by the owner; a role that only reads and writes rows syncs, and is told to migrate when it cannot", async () => {
    await withSchema(async (url) => {
      const schema = /search_path=(\S+)/.exec(new URL(url).searchParams.get("options") ?? "")?.[1] as string
      const role = `parallax_host_${process.pid}`
      const sql = server()
      try {
        await sql.unsafe(`DROP ROLE IF EXISTS ${role}`)
        await sql.unsafe(`CREATE ROLE ${role} LOGIN PASSWORD 'host-pw'`)
        await sql.unsafe(`GRANT CONNECT, TEMPORARY ON DATABASE "${new URL(url).pathname.slice(1)}" TO ${role}`)
        await sql.unsafe(`GRANT USAGE ON SCHEMA "${schema}" TO ${role}`)
        const host = new URL(url)
        host.username = role
        host.password = "host-pw"
        const refused = await parallax(["sync", "synthetic", "--db", host.toString()])
        expect(refused.code).toBe(1)
        expect(refused.stderr).toContain("this role may not migrate it: run `parallax migrate --db")
        const migrated = await parallax(["migrate", "--db", url])
        expect(migrated.code).toBe(0)
        expect(migrated.stdout).toContain(`is at schema version ${SCHEMA_VERSION}`)
        await sql.unsafe(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "${schema}" TO ${role}`)
        await sql.unsafe(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "${schema}" TO ${role}`)
        const synced = await parallax(["sync", "synthetic", "--db", host.toString(), "--json"])
        expect(synced.code).toBe(0)
        expect((await parallax(["stats", "--db", host.toString(), "--json"])).code).toBe(0)
      } finally {
        await sql.unsafe(`DROP OWNED BY ${role}`).catch(() => undefined)
        await sql.unsafe(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined)
        await sql.close()
      }
    })
  }, 120_000)

  test("C08 by the server's counters: a re-sync of unchanged data inserts, updates and deletes no row", async () => {
    await withSchema(async (url) => {
      const schema = /search_path=(\S+)/.exec(new URL(url).searchParams.get("options") ?? "")?.[1] as string
      expect((await parallax(["sync", "bench", "--set", "n=2000", "--db", url])).code).toBe(0)
      const sql = server()
      const counters = async () => {
        await sql.unsafe("SELECT pg_stat_force_next_flush()")
        return (await sql.unsafe(
          `SELECT relname, n_tup_ins::int AS ins, n_tup_upd::int AS upd, n_tup_del::int AS del
           FROM pg_stat_user_tables WHERE schemaname = $1 AND relname IN ('entities', 'relationships', 'runs')
           ORDER BY relname`,
          [schema]
        )) as Array<{ relname: string; ins: number; upd: number; del: number }>
      }
      try {
        const settled = async (expectRuns: number) => {
          // The statistics of another session's commit arrive asynchronously: wait for the run it recorded.
          for (let tries = 0; tries < 100; tries++) {
            const now = await counters()
            if (now.find((row) => row.relname === "runs")?.ins === expectRuns) return now
            await Bun.sleep(100)
          }
          return counters()
        }
        const before = await settled(1)
        expect(before.find((row) => row.relname === "entities")?.ins).toBe(5000)
        expect((await parallax(["sync", "bench", "--set", "n=2000", "--db", url])).code).toBe(0)
        const after = await settled(2)
        for (const table of ["entities", "relationships"]) {
          expect(after.find((row) => row.relname === table)).toEqual(before.find((row) => row.relname === table))
        }
        expect(after.find((row) => row.relname === "runs")?.ins).toBe(2)
      } finally {
        await sql.close()
      }
    })
  }, 120_000)
})
