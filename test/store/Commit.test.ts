import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import fc from "fast-check"
import { Connector, ConnectorFailed, entity, relationship, step } from "../../src/index.ts"
import { Store } from "../../src/sync/Store.ts"
import * as SqliteStore from "../../src/store/sqlite/SqliteStore.ts"
import { sync } from "../../src/sync/Sync.ts"

/**
 * The commit's plans (src/store/sqlite/Commit.ts): a scope that holds nothing gets every row inserted,
 * a batch whose per-step checksums equal the stored ones writes no row, anything else is diffed. The
 * shortcuts must give exactly what the plain diff gives, whatever the history of the scope: steps that
 * fail (their rows kept), rows that move between steps, steps that emit identical copies of each other's
 * rows, edges to endpoints of other steps.
 */

interface StepSource {
  /** Entity keys (a small shared universe, so steps overlap) with a content value each. */
  readonly entities: ReadonlyArray<readonly [number, number]>
  readonly edges: ReadonlyArray<readonly [number, number]>
  readonly fails: boolean
}
type Source = ReadonlyArray<StepSource>

const stepArb: fc.Arbitrary<StepSource> = fc.record({
  entities: fc.array(fc.tuple(fc.nat(5), fc.nat(1)), { maxLength: 5 }),
  edges: fc.array(fc.tuple(fc.nat(5), fc.nat(5)), { maxLength: 3 }),
  fails: fc.boolean()
})
const sourceArb: fc.Arbitrary<Source> = fc.array(stepArb, { minLength: 3, maxLength: 3 })
/** A history: syncs drawn from a pool of three sources, so that sources come back. */
const historyArb = fc.tuple(
  fc.array(sourceArb, { minLength: 3, maxLength: 3 }),
  fc.array(fc.nat(2), { minLength: 2, maxLength: 6 }),
  fc.array(fc.boolean(), { minLength: 6, maxLength: 6 })
)

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

const run = (history: readonly [ReadonlyArray<Source>, ReadonlyArray<number>, ReadonlyArray<boolean>]) => {
  const [pool, order, noFailures] = history
  const dir = mkdtempSync(join(tmpdir(), "parallax-plans-"))
  const plans: Array<string> = []
  const play = (alwaysDiff: boolean) =>
    Effect.gen(function* () {
      const store = yield* Store
      const outcomes: Array<unknown> = []
      for (const [position, index] of order.entries()) {
        let source = pool[index] as Source
        if (noFailures[position]) source = source.map((spec) => ({ ...spec, fails: false }))
        const result = yield* Effect.either(sync(connectorOf(source), { account: "acme", force: true }))
        outcomes.push(
          result._tag === "Left"
            ? result.left._tag
            : { status: result.right.status, stats: result.right.stats, steps: result.right.steps.map((s) => s.status) }
        )
      }
      const dump = yield* store.dump()
      return {
        outcomes,
        rows: dump.rows.map(({ firstSeenAt: _, ...row }) => row),
        scopes: dump.scopes,
        runs: dump.runs.map((r) => [r.generation, r.status, r.stats])
      }
    }).pipe(
      Effect.provide(
        SqliteStore.layerWith({
          path: join(dir, alwaysDiff ? "diff.db" : "plans.db"),
          alwaysDiff,
          faults: {
            onPhase: (phase) => {
              if (!alwaysDiff && phase.startsWith("plan ")) plans.push(phase)
            }
          }
        })
      ),
      Effect.runPromise
    )
  return Promise.all([play(false), play(true)])
    .then(([planned, diffed]) => ({ planned, diffed, plans }))
    .finally(() => rmSync(dir, { recursive: true, force: true }))
}

describe("commit plans", () => {
  test("insert-only and unchanged plans commit exactly what the plain diff commits", async () => {
    const seen = new Set<string>()
    await fc.assert(
      fc.asyncProperty(historyArb, async (history) => {
        const { planned, diffed, plans } = await run(history)
        for (const plan of plans) seen.add(plan)
        expect(planned).toEqual(diffed)
      }),
      { numRuns: 60 }
    )
    // The property is only worth something if every plan was taken.
    expect([...seen].sort()).toEqual(["plan insert", "plan merge", "plan unchanged"])
  }, 120_000)

  test("a re-sync of the same source takes the unchanged plan and writes no row", async () => {
    const source: Source = [
      {
        entities: [
          [0, 0],
          [1, 0]
        ],
        edges: [[0, 1]],
        fails: false
      },
      { entities: [[2, 0]], edges: [[2, 0]], fails: false },
      { entities: [[1, 0]], edges: [], fails: false }
    ]
    const { planned, plans } = await run([
      [source, source, source],
      [0, 0, 1],
      [false, false, false, false, false, false]
    ])
    expect(plans).toEqual(["plan insert", "plan unchanged", "plan unchanged"])
    expect(planned.runs.map(([generation]) => generation)).toEqual([1, 2, 3])
    expect(planned.rows.every((row) => row.generation === 1)).toBe(true)
  }, 60_000)

  const inStore = <A>(body: (path: string) => Promise<A>) => {
    const dir = mkdtempSync(join(tmpdir(), "parallax-plans-"))
    return body(join(dir, "store.db")).finally(() => rmSync(dir, { recursive: true, force: true }))
  }
  const syncAt = (path: string, source: Source) =>
    Effect.runPromise(
      sync(connectorOf(source), { account: "acme", force: true }).pipe(Effect.provide(SqliteStore.layerWith({ path })))
    )
  const digests = (path: string) => {
    const db = new Database(path)
    try {
      return db.query("SELECT step, rows FROM step_digests ORDER BY kind, step").all()
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
