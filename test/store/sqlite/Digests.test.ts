import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { Connector, ConnectorFailed, entity, relationship, step } from "../../../src/index.ts"
import { SqliteStore, sync } from "../../../src/runtime.ts"

/**
 * The per-step checksums as the SQLite store keeps them (`step_digests`): rows they do not cover make
 * the commit diff, and a kept step whose rows another step takes over loses its checksum.
 */

interface StepSource {
  /** Entity keys (a small shared universe, so steps overlap) with a content value each. */
  readonly entities: ReadonlyArray<readonly [number, number]>
  readonly edges: ReadonlyArray<readonly [number, number]>
  readonly fails: boolean
}
type Source = ReadonlyArray<StepSource>

const connectorOf = (source: Source) =>
  Connector.make({
    name: "plans",
    steps: source.map((spec, index) =>
      step(`s${index}`, `step ${index}`).run((ctx) =>
        Effect.gen(function* () {
          const keys = new Set<number>()
          for (const [key, value] of spec.entities) {
            if (keys.has(key)) continue
            keys.add(key)
            // Another step emitting the same key with another value is a DuplicateKey: that step fails.
            yield* ctx.emitEntity(entity("host", `k${key}`).class("Host").property("value", value))
          }
          for (const [from, to] of spec.edges) {
            // Edges may point at keys of other steps: the commit finds them in the batch or the store.
            if (keys.has(from))
              yield* ctx.emitRelationship(relationship("host", `k${from}`, "CONNECTS", "host", `k${to}`))
          }
          if (spec.fails) yield* new ConnectorFailed({ reason: "failed on purpose" })
        })
      )
    )
  })

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
