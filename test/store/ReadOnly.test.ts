import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Stream } from "effect"
import { Connector, entity, relationship, step } from "../../src/index.ts"
import { type ReadSession, SqliteStore, Store, sync } from "../../src/runtime.ts"
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from "../../src/store/sqlite/Migrations.ts"

/**
 * Read-only sessions and stores of the SQLite adapter (src/store/sqlite/ReadOnly.ts): a dry run leaves
 * the file exactly as it was (bytes, modification time, no -wal/-shm files), a store it cannot compute
 * against is refused clearly, and a dry run during which the file changed fails, saying so.
 */

const inDir = async (body: (dir: string) => Promise<void>) => {
  const dir = mkdtempSync(join(tmpdir(), "parallax-readonly-"))
  try {
    await body(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const hosts = (keys: ReadonlyArray<string>, version = 1) =>
  Connector.make({
    name: "hosts",
    steps: [
      step("hosts", "hosts").run((ctx) =>
        Effect.gen(function* () {
          for (const key of keys) yield* ctx.emitEntity(entity("host", key).class("Host").property("version", version))
          if (keys.length > 1) {
            yield* ctx.emitRelationship(relationship("host", keys[0] as string, "CONNECTS", "host", keys[1] as string))
          }
        })
      )
    ]
  })

const run = <A, E>(
  path: string,
  body: Effect.Effect<A, E, Store>,
  options: Partial<SqliteStore.SqliteStoreOptions> = {}
) => Effect.runPromise(body.pipe(Effect.provide(SqliteStore.layerWith({ path, ...options }))))

const failure = <A, E>(
  path: string,
  body: Effect.Effect<A, E, Store>,
  options: Partial<SqliteStore.SqliteStoreOptions> = {}
) => Effect.runPromise(Effect.flip(body.pipe(Effect.provide(SqliteStore.layerWith({ path, ...options })))))

/** The file as a dry run must leave it: its bytes, its modification time, and what lies next to it. */
const fileState = (dir: string, path: string) => ({
  bytes: readFileSync(path),
  mtimeNs: statSync(path, { bigint: true }).mtimeNs,
  files: readdirSync(dir).sort()
})

/** A store file at an older schema version, as an older parallax left it. */
const olderStore = (path: string, version: number) => {
  const db = new Database(path, { create: true })
  db.exec("PRAGMA journal_mode = WAL")
  db.exec(`PRAGMA application_id = ${APPLICATION_ID}`)
  for (const migration of MIGRATIONS.slice(0, version)) db.exec(migration)
  db.exec(`PRAGMA user_version = ${version}`)
  db.close()
}

describe("read-only sessions (dry runs)", () => {
  test("a dry run leaves the file's bytes and mtime as they were, creates no -wal/-shm, and predicts the sync", () =>
    inDir(async (dir) => {
      const path = join(dir, "store.db")
      await run(path, sync(hosts(["a", "b", "c"])))
      const before = fileState(dir, path)
      expect(before.files).toEqual(["store.db"])
      const dry = await run(path, sync(hosts(["a", "b", "d"], 2), { dryRun: true }), { readOnly: true })
      expect(fileState(dir, path)).toEqual(before)
      expect(dry.stats).toMatchObject({ entitiesCreated: 1, entitiesUpdated: 2, entitiesDeleted: 1 })
      // The same dry run on a writable store: its session takes no lock row and writes nothing either.
      const again = await run(path, sync(hosts(["a", "b", "d"], 2), { dryRun: true }))
      expect(again.stats).toEqual(dry.stats)
      expect(readFileSync(path)).toEqual(before.bytes)
      const real = await run(path, sync(hosts(["a", "b", "d"], 2)))
      expect(real.stats).toEqual(dry.stats)
      expect(real.generation).toBe(dry.generation)
    }))

  test("a dry run while another connection has the file open reads through its WAL", () =>
    inDir(async (dir) => {
      const path = join(dir, "store.db")
      await run(path, sync(hosts(["a", "b"])))
      const other = new Database(path)
      try {
        // A commit that is only in the WAL: the dry run must see it (an immutable read would not).
        other.exec("DELETE FROM entities WHERE key = 'b'")
        expect(readdirSync(dir).sort()).toEqual(["store.db", "store.db-shm", "store.db-wal"])
        const dry = await run(path, sync(hosts(["a"]), { dryRun: true }), { readOnly: true })
        expect(dry.stats).toMatchObject({ entitiesUnchanged: 1, entitiesDeleted: 0, relationshipsDeleted: 1 })
      } finally {
        other.close()
      }
    }))

  test("a file written while the dry run reads it fails the dry run, saying to run it again", () =>
    inDir(async (dir) => {
      const path = join(dir, "store.db")
      await run(path, sync(hosts(["a", "b"])))
      let wrote = false
      const error = await failure(path, sync(hosts(["a"]), { dryRun: true }), {
        readOnly: true,
        testing: {
          onPhase: (phase) => {
            if (wrote || !phase.startsWith("plan ")) return
            wrote = true
            // Another process commits meanwhile and, closing last, checkpoints into the file.
            const other = new Database(path)
            other.exec("DELETE FROM relationships")
            other.exec("DELETE FROM entities WHERE key = 'b'")
            other.close()
          }
        }
      })
      expect(wrote).toBe(true)
      expect(error._tag).toBe("StoreError")
      expect(error.message).toContain("the file changed while the dry run read it")
      expect(error.message).toContain("run it again")
    }))

  test("a read-only session cannot write: it has no write at all (a dry run is a type)", () => {
    const writes = (session: ReadSession) => "write" in session
    // @ts-expect-error a read-only session has no `write`
    const refuse = (session: ReadSession) => session.write
    expect([typeof writes, typeof refuse]).toEqual(["function", "function"])
  })

  test("a store at an older schema is refused, says so, and is left as it was", () =>
    inDir(async (dir) => {
      const path = join(dir, "old.db")
      olderStore(path, SCHEMA_VERSION - 1)
      const before = fileState(dir, path)
      const error = await failure(path, sync(hosts(["a"]), { dryRun: true }), { readOnly: true })
      expect(error).toMatchObject({ _tag: "SchemaTooOld", found: SCHEMA_VERSION - 1 })
      expect(error.message).toContain(`${path} has schema version ${SCHEMA_VERSION - 1}, older than this parallax's`)
      expect(error.message).toContain("cannot migrate it: run `parallax migrate")
      expect(fileState(dir, path)).toEqual(before)
      // A sync that writes migrates it; then the dry run computes.
      await run(path, sync(hosts(["a"])))
      expect(
        (await run(path, sync(hosts(["a", "b"]), { dryRun: true }), { readOnly: true })).stats.entitiesCreated
      ).toBe(1)
    }))

  test("a newer schema, another program's database and a missing file are clear errors; nothing is created", () =>
    inDir(async (dir) => {
      const newer = join(dir, "newer.db")
      olderStore(newer, SCHEMA_VERSION)
      const db = new Database(newer)
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`)
      db.close()
      const tooNew = await failure(newer, sync(hosts(["a"]), { dryRun: true }), { readOnly: true })
      expect(tooNew._tag).toBe("SchemaTooNew")
      const foreign = join(dir, "foreign.db")
      const other = new Database(foreign, { create: true })
      other.exec("CREATE TABLE notes (text TEXT)")
      other.close()
      expect(
        (
          await failure(
            foreign,
            Effect.flatMap(Store, (store) => store.stats()),
            { readOnly: true }
          )
        )._tag
      ).toBe("NotADatabase")
      const missing = join(dir, "missing.db")
      const none = await failure(
        missing,
        Effect.flatMap(Store, (store) => store.stats()),
        { readOnly: true }
      )
      expect(none.message).toContain("there is no database file")
      expect(readdirSync(dir).sort()).toEqual(["foreign.db", "newer.db"])
    }))

  test("a read-only store reads like a writable one, and refuses sessions that would write", () =>
    inDir(async (dir) => {
      const path = join(dir, "store.db")
      await run(path, sync(hosts(["a", "b"])))
      const read = Effect.gen(function* () {
        const store = yield* Store
        const items = yield* Stream.runCollect(store.exportGraph())
        return {
          stats: yield* store.stats(),
          entities: yield* store.entities(),
          relationships: yield* store.relationships(),
          history: yield* store.history(),
          dump: yield* store.dump(),
          exported: [...items]
        }
      })
      const writable = await run(path, read)
      const before = fileState(dir, path)
      expect(await run(path, read, { readOnly: true })).toEqual(writable)
      const refused = await failure(path, sync(hosts(["a"])), { readOnly: true })
      expect(refused.message).toContain("only read-only sessions (dry runs) can begin")
      expect(fileState(dir, path)).toEqual(before)
    }))
})
