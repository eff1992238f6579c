import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { copyFileSync, rmSync } from "node:fs"
import { join, resolve } from "node:path"
import { expectedStats } from "../../bench/lib/expected.ts"
import { parallax, spawned, tempDir } from "../cli/support/Binary.ts"

const root = resolve(import.meta.dir, "../..")

/** Every row of the bench's scope, with what a sync decides (not when it was first seen), in key order. */
const rowsOf = (file: string) => {
  const db = new Database(file, { readonly: true })
  try {
    return {
      entities: db
        .query(
          `SELECT hex(id) AS id, hex(hash) AS hash, type, key, class, display_name, properties, step, generation
           FROM entities ORDER BY scope_id, id`
        )
        .all(),
      relationships: db
        .query(
          `SELECT hex(id) AS id, hex(hash) AS hash, verb, hex(from_id) AS from_id, hex(to_id) AS to_id, to_account,
             rel_key, properties, step, generation, local
           FROM relationships ORDER BY scope_id, id`
        )
        .all()
    }
  } finally {
    db.close()
  }
}

describe("bench/floor-churn.ts, the floor of churn's store work", () => {
  test("writes exactly the rows a churn sync leaves (the real binary beside it), and says how many it changed", async () => {
    const dir = tempDir()
    try {
      const n = 1000
      const synced = join(dir, "synced.db")
      const floor = join(dir, "floor.db")
      const sync = (generation: number) =>
        parallax([
          "sync",
          "bench",
          "--account",
          "a",
          "--db",
          synced,
          "--set",
          `n=${n}`,
          "--set",
          `generation=${generation}`
        ])
      expect((await sync(0)).code).toBe(0)
      copyFileSync(synced, floor)
      expect((await sync(1)).code).toBe(0)

      const { code, stdout, stderr } = await spawned(
        [process.execPath, join(root, "bench/floor-churn.ts"), "--n", String(n), "--db", floor],
        { cwd: root }
      )
      expect(stderr).toBe("")
      expect(code).toBe(0)
      const printed = JSON.parse(stdout) as Record<string, number>
      const expected = expectedStats(n, 0, 1)
      for (const key of Object.keys(expected).filter((name) => !name.endsWith("Unchanged"))) {
        expect([key, printed[key]]).toEqual([key, expected[key as keyof typeof expected]])
      }
      expect(printed.entitiesUpdated).toBeGreaterThan(0)
      expect(printed.relationshipsDeleted).toBeGreaterThan(0)

      const after = rowsOf(synced)
      const written = rowsOf(floor)
      expect(written.entities.length).toBe(after.entities.length)
      expect(written.relationships.length).toBe(after.relationships.length)
      expect(written).toEqual(after)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)
})
