import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { Connector, entity, step } from "../../src/index.ts"
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from "../../src/store/sqlite/Migrations.ts"
import * as SqliteStore from "../../src/store/sqlite/SqliteStore.ts"
import { Store } from "../../src/sync/Store.ts"
import { sync } from "../../src/sync/Sync.ts"
import { tempStore } from "../sync/support/Source.ts"
import { storeContract } from "./StoreContract.ts"

storeContract("SQLite", (options) => tempStore(options))

const inDir = async (body: (dir: string) => Promise<void>) => {
  const dir = mkdtempSync(join(tmpdir(), "parallax-sqlite-"))
  try {
    await body(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const openError = (path: string) =>
  Effect.runPromise(
    Effect.flip(Effect.flatMap(Store, (store) => store.stats()).pipe(Effect.provide(SqliteStore.layerWith({ path }))))
  )

const one = Connector.make({
  name: "one",
  steps: [step("hosts", "hosts").run((ctx) => ctx.emitEntity(entity("host", "a").class("Host")).pipe(Effect.asVoid))]
})

const CHILD = join(import.meta.dir, "support", "crashChild.ts")

describe("SQLite adapter", () => {
  test("defaults to ./parallax.db, in WAL mode, at the current schema version", async () => {
    expect(SqliteStore.DEFAULT_PATH).toBe("./parallax.db")
    await inDir(async (dir) => {
      const path = join(dir, "p.db")
      await Effect.runPromise(
        Effect.flatMap(Store, (store) => store.stats()).pipe(Effect.provide(SqliteStore.layerWith({ path })))
      )
      const db = new Database(path)
      expect(db.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" })
      expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: SCHEMA_VERSION })
      db.close()
    })
  })

  test("a file that is not a database is a clear error", () =>
    inDir(async (dir) => {
      const path = join(dir, "junk.db")
      writeFileSync(path, "this is not a database, just some text that is long enough ".repeat(100))
      const error = await openError(path)
      expect(error._tag).toBe("NotADatabase")
      expect(error.message).toContain(path)
    }))

  test("a parallax database with overwritten pages: every operation that reads them fails with NotADatabase", () =>
    inDir(async (dir) => {
      const path = join(dir, "corrupt.db")
      const many = Connector.make({
        name: "many",
        steps: [
          step("hosts", "hosts").run((ctx) =>
            Effect.forEach(
              Array.from({ length: 3000 }, (_, i) => i),
              (i) => ctx.emitEntity(entity("host", `h${i}`).class("Host").property("padding", "x".repeat(200))),
              { discard: true }
            )
          )
        ]
      })
      const layer = SqliteStore.layerWith({ path })
      await Effect.runPromise(sync(many).pipe(Effect.provide(layer)))
      const pageSize = 4096
      const pages = Math.floor(statSync(path).size / pageSize)
      expect(pages).toBeGreaterThan(100)
      const fd = openSync(path, "r+")
      for (let page = Math.floor(pages / 3); page < Math.floor((2 * pages) / 3); page++) {
        writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, page * pageSize)
      }
      closeSync(fd)
      const outcomes = await Effect.runPromise(
        Effect.gen(function* () {
          const store = yield* Store
          return [
            yield* Effect.flip(store.entities()),
            yield* Effect.flip(store.stats()),
            yield* Effect.flip(store.dump()),
            yield* Effect.flip(sync(many))
          ]
        }).pipe(Effect.provide(layer))
      )
      for (const error of outcomes) {
        expect(error._tag).toBe("NotADatabase")
        expect(error.message).toContain(path)
        expect(error.message).toContain("malformed")
      }
    }))

  test("another program's SQLite database is refused", () =>
    inDir(async (dir) => {
      const path = join(dir, "other.db")
      const db = new Database(path)
      db.exec("CREATE TABLE mine (x)")
      db.close()
      expect((await openError(path))._tag).toBe("NotADatabase")
    }))

  test("a database of schema version 1 is migrated on open; its runs' steps count no duplicates", () =>
    inDir(async (dir) => {
      const path = join(dir, "v1.db")
      const db = new Database(path)
      db.exec("PRAGMA journal_mode = WAL")
      db.exec(`PRAGMA application_id = ${APPLICATION_ID}`)
      db.exec(MIGRATIONS[0] as string)
      db.exec("PRAGMA user_version = 1")
      db.exec("INSERT INTO scopes (scope_id, connector, account, generation) VALUES (1, 'one', 'default', 1)")
      db.exec(`INSERT INTO runs (run_id, scope_id, generation, sync_id, status, stats, started_at, finished_at)
               VALUES (1, 1, 1, 'old', 'succeeded', '{}', 0, 0)`)
      db.exec(`INSERT INTO run_steps (run_id, ordinal, step, status, entities, relationships, attempts, duration_ms)
               VALUES (1, 0, 'hosts', 'succeeded', 1, 0, 1, 5)`)
      db.close()
      const runs = await Effect.runPromise(
        Effect.gen(function* () {
          yield* sync(one)
          return yield* Effect.flatMap(Store, (store) => store.history())
        }).pipe(Effect.provide(SqliteStore.layerWith({ path })))
      )
      expect(runs.map((run) => [run.generation, run.steps.map((s) => [s.id, s.duplicates])])).toEqual([
        [2, [["hosts", 0]]],
        [1, [["hosts", 0]]]
      ])
      const after = new Database(path)
      expect(after.query("PRAGMA user_version").get()).toEqual({ user_version: SCHEMA_VERSION })
      after.close()
    }))

  test("a newer schema than this binary knows is a clear error", () =>
    inDir(async (dir) => {
      const path = join(dir, "new.db")
      await Effect.runPromise(
        Effect.flatMap(Store, (store) => store.stats()).pipe(Effect.provide(SqliteStore.layerWith({ path })))
      )
      const db = new Database(path)
      db.exec("PRAGMA user_version = 99")
      db.close()
      const error = await openError(path)
      expect(error._tag).toBe("SchemaTooNew")
      expect(error.message).toContain("schema version 99")
    }))

  test("a lock left by a process that no longer runs is taken over; a live holder is waited for", () =>
    inDir(async (dir) => {
      const path = join(dir, "lock.db")
      const run = (lockTimeoutMs: number) =>
        Effect.runPromise(
          Effect.either(sync(one, { lockTimeoutMs }).pipe(Effect.provide(SqliteStore.layerWith({ path }))))
        )
      expect((await run(100))._tag).toBe("Right")
      const lockAs = (pid: number) => {
        const db = new Database(path)
        db.query("INSERT OR REPLACE INTO scope_locks VALUES ('one', 'default', 'x', ?, ?, 0)").run(
          require("node:os").hostname(),
          pid
        )
        db.close()
      }
      lockAs(process.pid)
      const held = await run(150)
      expect(held._tag === "Left" && held.left._tag).toBe("ScopeLocked")
      lockAs(2 ** 22 + 12345)
      expect((await run(150))._tag).toBe("Right")
    }))

  test(
    "different scopes sync at once from different processes",
    () =>
      inDir(async (dir) => {
        const path = join(dir, "multi.db")
        await Effect.runPromise(
          Effect.flatMap(Store, (store) => store.stats()).pipe(Effect.provide(SqliteStore.layerWith({ path })))
        )
        const children = ["a", "b", "c"].map((account) =>
          Bun.spawn([process.execPath, CHILD, path, "20000", "t", account], { stdout: "pipe", stderr: "inherit" })
        )
        const outputs = await Promise.all(children.map((child) => new Response(child.stdout).text()))
        expect(outputs.every((output) => output.includes("DONE"))).toBe(true)
        const stats = await Effect.runPromise(
          Effect.flatMap(Store, (store) => store.stats()).pipe(Effect.provide(SqliteStore.layerWith({ path })))
        )
        expect(stats.scopes.map((scope) => [scope.account, scope.entities])).toEqual([
          ["a", 20000],
          ["b", 20000],
          ["c", 20000]
        ])
      }),
    60_000
  )
})
