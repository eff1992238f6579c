import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { SqliteStore, sync } from "../../../src/runtime.ts"
import { connectorOf, type Source, type StepSource } from "../support/StepSource.ts"

/**
 * The per-step checksums as the SQLite store keeps them (`step_digests`): rows they do not cover make
 * the commit diff, and a kept step whose rows another step takes over loses its checksum.
 */

describe("per-step checksums in the SQLite store", () => {
  const inStore = <A>(body: (path: string) => Promise<A>) => {
    const dir = mkdtempSync(join(tmpdir(), "parallax-plans-"))
    return body(join(dir, "store.db")).finally(() => rmSync(dir, { recursive: true, force: true }))
  }
  const syncAt = (path: string, source: Source) =>
    Effect.runPromise(
      sync(connectorOf(source), { account: "acme", force: true }).pipe(Effect.provide(SqliteStore.layerWith({ path })))
    )
  const digests = (path: string, columns = "step, rows") => {
    const db = new Database(path)
    try {
      return db.query(`SELECT ${columns} FROM step_digests ORDER BY kind, step`).all()
    } finally {
      db.close()
    }
  }

  test("rows no checksum covers (written before checksums existed) make the commit diff", () =>
    inStore(async (path) => {
      const both: Source = [
        { entities: [[0, 0]], edges: [], fails: false },
        { entities: [[1, 0]], edges: [], fails: false }
      ]
      await syncAt(path, both)
      const db = new Database(path)
      db.exec("DELETE FROM step_digests WHERE step = 's1'")
      db.close()
      // Step s1 is gone from the connector: its row must go, though s0 staged just what it holds.
      const result = await syncAt(path, [both[0] as StepSource])
      expect(result.stats.entitiesDeleted).toBe(1)
      expect(result.stats.entitiesUnchanged).toBe(1)
    }))

  test("checksums that do not match (an older binary's, of another definition) make one diff that writes no row", () =>
    inStore(async (path) => {
      const source: Source = [
        {
          entities: [
            [0, 0],
            [1, 1]
          ],
          edges: [[0, 1]],
          fails: false
        },
        { entities: [[2, 2]], edges: [[2, 0]], fails: false }
      ]
      await syncAt(path, source)
      const stored = () => digests(path, "kind, step, rows, digest")
      const kept = stored()
      const db = new Database(path)
      db.exec("UPDATE step_digests SET digest = '00000000000000000000000000000000'")
      db.close()
      const result = await syncAt(path, source)
      expect(result.stats).toMatchObject({
        entitiesCreated: 0,
        entitiesUpdated: 0,
        entitiesDeleted: 0,
        entitiesUnchanged: 3,
        relationshipsCreated: 0,
        relationshipsUpdated: 0,
        relationshipsDeleted: 0,
        relationshipsUnchanged: 2
      })
      // The diff kept this binary's checksums again: the next sync of the same rows changes nothing.
      expect(stored()).toEqual(kept)
    }))

  test("a failed step whose row another step takes over loses its checksum", () =>
    inStore(async (path) => {
      await syncAt(path, [
        { entities: [[0, 0]], edges: [], fails: false },
        { entities: [], edges: [], fails: false }
      ])
      expect(digests(path)).toEqual([{ step: "s0", rows: 1 }])
      await syncAt(path, [
        { entities: [[0, 0]], edges: [], fails: true },
        { entities: [[0, 0]], edges: [], fails: false }
      ])
      expect(digests(path)).toEqual([{ step: "s1", rows: 1 }])
    }))
})
