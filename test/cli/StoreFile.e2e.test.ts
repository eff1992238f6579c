import { Database } from "bun:sqlite"
import { afterAll, describe, expect, test } from "bun:test"
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { MIGRATIONS, SCHEMA_VERSION } from "../../src/store/sqlite/Migrations.ts"
import { binary, parallax, tempDir } from "./support/Binary.ts"

/**
 * The store file as an operator meets it, through the compiled binary: reads never write it (not even
 * to migrate it), a new store is readable by its owner only, creating one is all or nothing, and a sync
 * that waits for another one's lock says so.
 */

const dir = tempDir("parallax-store-file-")
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const filesOf = (prefix: string) =>
  readdirSync(dir)
    .filter((name) => name.startsWith(prefix))
    .sort()
const stamp = (path: string) => {
  const stat = statSync(path)
  return { size: stat.size, mtimeMs: stat.mtimeMs }
}

describe("reads never write", () => {
  test("a read on an empty file: 'not a parallax database', exit 1, the file left empty and alone", async () => {
    const db = join(dir, "empty.db")
    writeFileSync(db, "")
    for (const command of ["stats", "entities", "relationships", "history", "export"]) {
      const ran = await parallax([command, "--db", db], { cwd: dir })
      expect(ran.code).toBe(1)
      // The store is named once: `cannot read store <db>: it is not ...`.
      expect(ran.stderr).toContain(`cannot read store ${db}: it is not a usable parallax database: it is empty`)
      expect(ran.stderr.split(db)).toHaveLength(2)
    }
    expect(statSync(db).size).toBe(0)
    expect(filesOf("empty.db")).toEqual(["empty.db"])
  }, 60_000)

  test("a read on an older store is refused, saying how to migrate; `parallax migrate` does, then it reads", async () => {
    const db = join(dir, "old.db")
    const sqlite = new Database(db, { create: true })
    sqlite.exec("PRAGMA journal_mode = WAL")
    sqlite.exec("PRAGMA application_id = 1347573827")
    for (const migration of MIGRATIONS.slice(0, SCHEMA_VERSION - 1)) sqlite.exec(migration)
    sqlite.exec(`PRAGMA user_version = ${SCHEMA_VERSION - 1}`)
    sqlite.close()
    const before = stamp(db)
    const refused = await parallax(["stats", "--db", db], { cwd: dir })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(
      `has schema version ${SCHEMA_VERSION - 1}, older than this parallax's ${SCHEMA_VERSION}`
    )
    expect(refused.stderr).toContain(`run \`parallax migrate --db ${db}\``)
    expect(stamp(db)).toEqual(before)
    const migrated = await parallax(["migrate", "--db", db], { cwd: dir })
    expect(migrated).toMatchObject({ code: 0, stdout: `${db} is at schema version ${SCHEMA_VERSION}\n` })
    expect((await parallax(["stats", "--db", db, "--json"], { cwd: dir })).code).toBe(0)
  }, 60_000)
})

describe("a new store", () => {
  test("is readable and writable by its owner only (0600), its WAL too", async () => {
    const db = join(dir, "private.db")
    const ran = await parallax(["sync", "synthetic", "--db", db], { cwd: dir })
    expect(ran.code).toBe(0)
    expect(statSync(db).mode & 0o777).toBe(0o600)
    for (const side of [`${db}-wal`, `${db}-shm`]) if (existsSync(side)) expect(statSync(side).mode & 0o777).toBe(0o600)
  }, 60_000)

  test("is created whole or not at all: a sync killed in its first moments leaves no table-less file", async () => {
    const seen: Array<string> = []
    for (const delayMs of [5, 15, 30, 45, 60, 80, 100, 130, 160, 200]) {
      const db = join(dir, `early-${delayMs}.db`)
      const child = Bun.spawn([await binary(), "sync", "synthetic", "--db", db], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "" },
        stdout: "ignore",
        stderr: "ignore"
      })
      await Bun.sleep(delayMs)
      child.kill("SIGKILL")
      await child.exited
      if (!existsSync(db)) {
        seen.push("none")
        continue
      }
      const sqlite = new Database(db, { readonly: true })
      const tables = sqlite.query("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number }
      const version = sqlite.query("PRAGMA user_version").get() as { user_version: number }
      sqlite.close()
      expect({ delayMs, tables: tables.n > 0, version: version.user_version }).toEqual({
        delayMs,
        tables: true,
        version: SCHEMA_VERSION
      })
      seen.push("whole")
    }
    expect(seen).toContain("none")
    // A kill may leave a half-made `.creating-` file beside a store that is not there: the next creation
    // of that store removes it.
    for (const delayMs of [5, 15, 30, 45, 60, 80, 100, 130, 160, 200]) {
      expect((await parallax(["migrate", "--db", join(dir, `early-${delayMs}.db`)], { cwd: dir })).code).toBe(0)
    }
    expect(readdirSync(dir).filter((name) => name.includes(".creating-"))).toEqual([])
  }, 120_000)
})

describe("a lock wait", () => {
  test("says what it waits for, on the terminal's lines and as a JSON event", async () => {
    const db = join(dir, "locked.db")
    const slow = join(dir, "slow.ts")
    writeFileSync(
      slow,
      `import { Effect } from "effect"
import { Connector, entity, step } from "parallax-connect"
export default Connector.make({
  name: "slow",
  steps: [step("wait", "waits").run((ctx) => Effect.zipRight(Effect.sleep("2500 millis"), ctx.emitEntity(entity("host", "h").class("Host"))))]
})
`
    )
    expect((await parallax(["migrate", "--db", db], { cwd: dir })).code).toBe(0)
    const first = Bun.spawn([await binary(), "sync", slow, "--db", db], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "" },
      stdout: "ignore",
      stderr: "ignore"
    })
    await Bun.sleep(800)
    const [plain, json] = await Promise.all([
      parallax(["sync", slow, "--db", db], { cwd: dir }),
      parallax(["sync", slow, "--db", db, "--log-format", "json"], { cwd: dir })
    ])
    await first.exited
    expect(plain.code).toBe(0)
    expect(plain.stderr).toMatch(/waiting for scope slow\/default: locked by process \d+ on \S+ \(for up to 60 s\)/)
    const events = json.stderr
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(events.find((event) => event.event === "ScopeLockWaiting")).toMatchObject({
      connector: "slow",
      account: "default",
      timeoutMs: 60_000
    })
  }, 60_000)
})
