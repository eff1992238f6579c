import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import type { SyncStats } from "parallax-connect/runtime"
import type { EntityRef, RelationshipRef, SyncPreview } from "../../src/model/Outcome.ts"
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from "../../src/store/sqlite/Migrations.ts"
import { parallax, tempDir } from "./support/Binary.ts"

/** `parallax sync --dry-run` through the compiled binary: nothing written, and a preview of the change. */

interface SyncJson {
  readonly status: string
  readonly dryRun: boolean
  readonly generation: number | null
  readonly stats: SyncStats
  readonly preview?: SyncPreview
  readonly error?: string
}

const json = (text: string) => JSON.parse(text) as SyncJson

/** What a dry run must leave as it was: the file's bytes and modification time, and the files beside it. */
const fileState = (dir: string, db: string) => ({
  bytes: readFileSync(db),
  mtimeNs: statSync(db, { bigint: true }).mtimeNs,
  files: readdirSync(dir).sort()
})

const entityLabel = (item: EntityRef) => `${item.type}/${item.key}`
const relationshipLabel = (item: RelationshipRef) => `${entityLabel(item.from)} -${item.verb}-> ${entityLabel(item.to)}`

/** Every entity of the store as `type/key`, and every relationship as `from -VERB-> to`. */
const graph = async (db: string) => {
  const entities = JSON.parse(
    (await parallax(["entities", "--db", db, "--json", "--limit", "100000"])).stdout
  ) as Array<EntityRef>
  const relationships = JSON.parse(
    (await parallax(["relationships", "--db", db, "--json", "--limit", "100000"])).stdout
  ) as Array<{ verb: string; fromType: string; fromKey: string; toType: string; toKey: string }>
  return {
    entities: new Set(entities.map(entityLabel)),
    relationships: new Set(relationships.map((r) => `${r.fromType}/${r.fromKey} -${r.verb}-> ${r.toType}/${r.toKey}`))
  }
}

describe("parallax sync --dry-run (the compiled binary)", () => {
  test("leaves an existing store byte for byte as it was, and reports what the real sync then does", async () => {
    const dir = tempDir()
    const db = join(dir, "store.db")
    expect((await parallax(["sync", "synthetic", "--db", db])).code).toBe(0)
    const before = fileState(dir, db)
    expect(before.files).toEqual(["store.db"])
    const args = ["sync", "synthetic", "--db", db, "--json", "--set", "generation=2"]
    const dry = await parallax([...args, "--dry-run"])
    expect(dry.code).toBe(0)
    // No lock row written and deleted, no migration, no -wal/-shm files: nothing at all.
    expect(fileState(dir, db)).toEqual(before)
    const predicted = json(dry.stdout)
    expect(predicted.dryRun).toBe(true)
    expect(
      predicted.stats.entitiesCreated + predicted.stats.entitiesDeleted + predicted.stats.entitiesUpdated
    ).toBeGreaterThan(0)
    const real = await parallax(args)
    expect(real.code).toBe(0)
    expect(predicted.stats).toEqual(json(real.stdout).stats)
    expect(predicted.generation).toBe(json(real.stdout).generation)
  }, 120_000)

  test("--json has a preview naming rows the real sync then creates, updates and deletes", async () => {
    const dir = tempDir()
    const db = join(dir, "store.db")
    expect((await parallax(["sync", "synthetic", "--db", db])).code).toBe(0)
    const old = await graph(db)
    const args = ["sync", "synthetic", "--db", db, "--json", "--set", "generation=2"]
    const dry = json((await parallax([...args, "--dry-run"])).stdout)
    const { preview, stats } = dry
    if (preview === undefined) throw new Error("a dry run's --json has no preview")
    expect(Object.keys(preview).sort()).toEqual(["entities", "relationships"])
    expect(preview.entities.created.total).toBe(stats.entitiesCreated)
    expect(preview.entities.updated.total).toBe(stats.entitiesUpdated)
    expect(preview.entities.deleted.total).toBe(stats.entitiesDeleted)
    expect(preview.relationships.created.total).toBe(stats.relationshipsCreated)
    expect(preview.relationships.updated.total).toBe(stats.relationshipsUpdated)
    expect(preview.relationships.deleted.total).toBe(stats.relationshipsDeleted)
    expect(stats.entitiesCreated + stats.entitiesUpdated + stats.entitiesDeleted).toBeGreaterThan(0)
    for (const list of [...Object.values(preview.entities), ...Object.values(preview.relationships)]) {
      expect(list.items).toHaveLength(Math.min(20, list.total))
    }
    const real = json((await parallax(args)).stdout)
    expect(real.preview).toBeUndefined()
    const now = await graph(db)
    for (const item of preview.entities.created.items) {
      expect(old.entities.has(entityLabel(item))).toBe(false)
      expect(now.entities.has(entityLabel(item))).toBe(true)
    }
    for (const item of preview.entities.updated.items) expect(now.entities.has(entityLabel(item))).toBe(true)
    for (const item of preview.entities.deleted.items) {
      expect(old.entities.has(entityLabel(item))).toBe(true)
      expect(now.entities.has(entityLabel(item))).toBe(false)
    }
    for (const item of preview.relationships.created.items) {
      expect(Object.keys(item).sort()).toEqual(["from", "to", "verb"])
      expect(now.relationships.has(relationshipLabel(item))).toBe(true)
    }
    for (const item of preview.relationships.deleted.items) {
      expect(old.relationships.has(relationshipLabel(item))).toBe(true)
      expect(now.relationships.has(relationshipLabel(item))).toBe(false)
    }
  }, 120_000)

  test("the human summary lists the preview under the table", async () => {
    const dir = tempDir()
    const db = join(dir, "store.db")
    expect((await parallax(["sync", "synthetic", "--db", db])).code).toBe(0)
    const args = ["sync", "synthetic", "--db", db, "--set", "generation=2", "--concurrency", "1", "--dry-run"]
    const { preview } = json((await parallax([...args, "--json"])).stdout)
    const human = await parallax(args)
    expect(human.code).toBe(0)
    const lines = human.stdout.split("\n")
    const table = lines.findLastIndex((line) => line.startsWith("└"))
    const expected: Array<string> = []
    const lists = [
      ["create", "entities", preview?.entities.created, entityLabel],
      ["update", "entities", preview?.entities.updated, entityLabel],
      ["delete", "entities", preview?.entities.deleted, entityLabel],
      ["create", "relationships", preview?.relationships.created, relationshipLabel],
      ["update", "relationships", preview?.relationships.updated, relationshipLabel],
      ["delete", "relationships", preview?.relationships.deleted, relationshipLabel]
    ] as const
    for (const [verb, kind, list, label] of lists) {
      if (list === undefined || list.total === 0) continue
      expected.push(
        `would ${verb} ${list.total} ${list.total === 1 ? kind.replace(/ies$/, "y").replace(/s$/, "") : kind}:`
      )
      for (const item of list.items) expected.push(`  ${(label as (item: unknown) => string)(item)}`)
      if (list.total > list.items.length) expected.push(`  … and ${list.total - list.items.length} more`)
    }
    expect(expected.length).toBeGreaterThan(2)
    expect(lines.slice(table + 1, table + 1 + expected.length)).toEqual(expected)
    // Nothing to change says so.
    expect((await parallax(["sync", "synthetic", "--db", db])).code).toBe(0)
    const unchanged = await parallax(["sync", "synthetic", "--db", db, "--dry-run"])
    expect(unchanged.stdout).toContain("would change nothing")
  }, 120_000)

  test("a store at an older schema is refused with a clear error, exit 1, and left as it was", async () => {
    const dir = tempDir()
    const db = join(dir, "old.db")
    const sqlite = new Database(db, { create: true })
    sqlite.exec("PRAGMA journal_mode = WAL")
    sqlite.exec(`PRAGMA application_id = ${APPLICATION_ID}`)
    for (const migration of MIGRATIONS.slice(0, SCHEMA_VERSION - 1)) sqlite.exec(migration)
    sqlite.exec(`PRAGMA user_version = ${SCHEMA_VERSION - 1}`)
    sqlite.close()
    const before = fileState(dir, db)
    const ran = await parallax(["sync", "synthetic", "--db", db, "--dry-run", "--json"])
    expect(ran.code).toBe(1)
    expect(ran.stderr).toContain(
      `cannot dry-run against store ${db}: it has schema version ${SCHEMA_VERSION - 1}, older than this parallax's ${SCHEMA_VERSION}`
    )
    expect(ran.stderr).not.toContain("    at ")
    expect(json(ran.stdout)).toMatchObject({ status: "failed", dryRun: true, generation: null })
    expect(fileState(dir, db)).toEqual(before)
    // A real sync migrates it; the dry run then computes.
    expect((await parallax(["sync", "synthetic", "--db", db])).code).toBe(0)
    expect((await parallax(["sync", "synthetic", "--db", db, "--dry-run"])).code).toBe(0)
  }, 120_000)
})
