import { describe, expect, test } from "bun:test"
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { SQL } from "bun"
import { databaseUrl } from "../../bench/lib/postgres.ts"
import { render, sampleTree } from "../../connectors/host/testing/HostTree.ts"
import { parallax, tempDir } from "../cli/support/Binary.ts"
import { testPostgresUrl } from "../cli/support/PostgresDatabase.ts"

/**
 * The README's "Many hosts, one graph" recipe, run as written against a real server: its SQL blocks
 * (roles and database, the host role's grants, the read interface's queries) with names made unique for
 * the test, `parallax migrate` as the owner, a sync and the reads as the host role with its password in a
 * file. The host role can then read and write rows and nothing else.
 */

const readme = readFileSync(resolve(import.meta.dir, "../../README.md"), "utf8")
const section = readme.slice(readme.indexOf("## Many hosts, one graph"), readme.indexOf("## Performance"))
/** The ```sql blocks of the section, in order. */
const sqlBlocks = [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((match) => match[1] as string)

const unique = Math.random().toString(36).slice(2, 8)
const names = { owner: `parallax_owner_${unique}`, host: `parallax_host_${unique}`, graph: `graph_${unique}` }
const rename = (text: string) =>
  text
    .replaceAll("parallax_owner", names.owner)
    .replaceAll("parallax_host", names.host)
    .replace(/\bgraph\b/g, names.graph)

const withUser = (server: string, user: string, password: string | undefined, database: string) => {
  const url = new URL(databaseUrl(server, database))
  url.username = user
  url.password = password ?? ""
  return url.toString()
}

/** Runs a block of statements on one connection. */
const run = async (url: string, statements: string) => {
  const sql = new SQL(url, { max: 1 })
  try {
    await sql.unsafe(statements).simple()
  } finally {
    await sql.close()
  }
}

describe.skipIf(testPostgresUrl === undefined)("README: many hosts, one graph", () => {
  test("the roles, migrate as the owner, the grants, a host syncing and reading with only row rights", async () => {
    const server = testPostgresUrl as string
    expect(sqlBlocks.length).toBeGreaterThanOrEqual(3)
    const [setup, grants, ...queries] = sqlBlocks.map(rename) as [string, string, ...Array<string>]
    const dir = tempDir("parallax-many-hosts-")
    const admin = new SQL(server, { max: 1 })
    try {
      // The test's role creates the roles (CREATEROLE) and must be a member of the owner to give it a database.
      const [roles, database] = setup.split(/(?=CREATE DATABASE)/) as [string, string]
      await admin.unsafe(roles).simple()
      await admin.unsafe(`GRANT "${names.owner}" TO CURRENT_USER`)
      await admin.unsafe(database)

      const ownerPassword = /ROLE \S+ LOGIN PASSWORD '([^']+)'/.exec(roles)?.[1] as string
      const hostPassword = [...roles.matchAll(/ROLE \S+ LOGIN PASSWORD '([^']+)'/g)][1]?.[1] as string
      writeFileSync(join(dir, "owner.pw"), `${ownerPassword}\n`, { mode: 0o600 })
      writeFileSync(join(dir, "host.pw"), `${hostPassword}\n`, { mode: 0o600 })
      const ownerUrl = withUser(server, names.owner, undefined, names.graph)
      const hostUrl = withUser(server, names.host, undefined, names.graph)

      const migrated = await parallax(["migrate", "--db", ownerUrl, "--db-password-file", join(dir, "owner.pw")])
      expect(migrated.stderr).not.toContain(ownerPassword)
      expect(migrated.code).toBe(0)
      await run(withUser(server, names.owner, ownerPassword, names.graph), grants)

      const root = join(dir, "tree")
      for (const [file, content] of Object.entries(render(sampleTree))) {
        mkdirSync(dirname(join(root, file)), { recursive: true })
        writeFileSync(join(root, file), content)
      }
      const synced = await parallax(["sync", "host", "--account", "web-01", "--set", `root=${root}`, "--json"], {
        env: { PARALLAX_DB: hostUrl, PGPASSWORD: hostPassword }
      })
      expect(synced.code).toBe(0)
      const reads = await parallax(["stats", "--json", "--db", hostUrl, "--db-password-file", join(dir, "host.pw")])
      expect(reads.code).toBe(0)
      expect((JSON.parse(reads.stdout) as { scopes: ReadonlyArray<unknown> }).scopes).toHaveLength(1)

      const host = new SQL(withUser(server, names.host, hostPassword, names.graph), { max: 1 })
      try {
        // The read interface's queries, as the README writes them, return the synced rows.
        for (const query of queries) {
          const rows = (await host.unsafe(query)) as ReadonlyArray<unknown>
          expect(rows.length).toBeGreaterThan(0)
        }
        // Rows only: no new table, no change to the store's own.
        await expect(host.unsafe("CREATE TABLE intruder (x int)").then(() => "created")).rejects.toThrow(
          /permission denied/
        )
        await expect(host.unsafe("DROP TABLE entities").then(() => "dropped")).rejects.toThrow(
          /owner|permission denied/
        )
      } finally {
        await host.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
      await admin.unsafe(`DROP DATABASE IF EXISTS "${names.graph}" WITH (FORCE)`)
      await admin.unsafe(`DROP ROLE IF EXISTS "${names.host}"`)
      await admin.unsafe(`DROP ROLE IF EXISTS "${names.owner}"`)
      await admin.close()
    }
  }, 300_000)
})
