import { Effect } from "effect"
import fc from "fast-check"
import type { SyncStats } from "parallax-connect/runtime"
import type { StoredRow, TrialStore } from "../Backend.ts"
import { blameFairly, outcomesOf } from "../internal/Determinism.ts"
import { canonical, contentOf, diffRows, rowsOf } from "../internal/Dump.ts"
import { defineProperty, scopeOf } from "../internal/Property.ts"
import { committed, freshInstance, runTrial, skip, syncOnce, Violation, violate } from "../internal/Trial.ts"

const dishonestStats = (
  before: ReadonlyArray<StoredRow>,
  after: ReadonlyArray<StoredRow>,
  stats: SyncStats
): ReadonlyArray<string> => {
  const index = (rows: ReadonlyArray<StoredRow>) => new Map(rows.map((row) => [`${row.kind} ${row.id}`, row]))
  const left = index(before)
  const right = index(after)
  const actual = { entity: { c: 0, u: 0, d: 0 }, relationship: { c: 0, u: 0, d: 0 } }
  for (const [key, row] of right) {
    const old = left.get(key)
    if (old === undefined) actual[row.kind].c++
    else if (canonical(old.raw) !== canonical(row.raw)) actual[row.kind].u++
  }
  for (const [key, row] of left) if (!right.has(key)) actual[row.kind].d++
  const pairs: ReadonlyArray<readonly [string, number, number]> = [
    ["entitiesCreated", stats.entitiesCreated, actual.entity.c],
    ["entitiesUpdated", stats.entitiesUpdated, actual.entity.u],
    ["entitiesDeleted", stats.entitiesDeleted, actual.entity.d],
    ["relationshipsCreated", stats.relationshipsCreated, actual.relationship.c],
    ["relationshipsUpdated", stats.relationshipsUpdated, actual.relationship.u],
    ["relationshipsDeleted", stats.relationshipsDeleted, actual.relationship.d]
  ]
  return pairs.flatMap(([name, said, did]) => (said === did ? [] : [`${name}: reported ${said}, actually ${did}`]))
}

/**
 * C09: syncing source states S1, ..., Sn in turn leaves the scope exactly as a fresh sync of Sn. With
 * `load`, the sequence and the fresh sync each run on a fresh instance of the connector, so that state
 * its module keeps between syncs (a cursor, a memo) cannot be shared by both sides of the comparison.
 */
export const convergence = defineProperty<ReadonlyArray<unknown>>({
  name: "convergence",
  invariant: "C09",
  guards:
    "syncing source state S1 then S2 leaves the scope exactly as a fresh sync of S2 (first-seen times aside); each sync's stats equal what it changed (C11)",
  notRun: (target) =>
    target.sources === undefined
      ? "needs generated source states: pass `sources` with `layerFor` or `configFor` (see docs/harness.md)"
      : undefined,
  caveat: (target) =>
    target.load === undefined
      ? "the sequence and the fresh sync shared one connector instance (no `load`), so state its module keeps between syncs was not compared"
      : undefined,
  arbitrary: (target) => fc.array(target.sources ?? fc.constant(undefined), { minLength: 2, maxLength: 3 }),
  check: (shared, states) =>
    runTrial(shared, (open, target) =>
      Effect.gen(function* () {
        const scope = scopeOf(target)
        const view = (row: Parameters<typeof contentOf>[0]) => contentOf(row, target.backend.volatileFields)
        const last = states[states.length - 1]
        const freshSync = (store: TrialStore) =>
          Effect.flatMap(freshInstance(target), (connector) =>
            Effect.flatMap(syncOnce(target, store, { source: last, connector }), (o) =>
              committed(o, "the fresh sync of the last state")
            )
          )
        const store = yield* open
        const sequence = target.connector
        const statuses: Array<string> = []
        for (const [index, source] of states.entries()) {
          const before = rowsOf(yield* store.dump, scope)
          const result = yield* Effect.flatMap(syncOnce(target, store, { source, connector: sequence }), (o) =>
            committed(o, `sync ${index + 1} of the sequence`)
          )
          statuses.push(result.status)
          const wrong = dishonestStats(before, rowsOf(yield* store.dump, scope), result.stats)
          if (wrong.length > 0) {
            return yield* violate(
              `the stats of sync ${index + 1} do not match what it changed in the store (C11)`,
              wrong
            )
          }
        }
        const fresh = yield* open
        const reference = yield* freshSync(fresh)
        // A step that fails on its own keeps its old rows by design (C07): only full successes must converge.
        if (reference.status !== "succeeded" || statuses.some((status) => status !== "succeeded")) {
          return yield* skip("had a sync that did not succeed (a failed step keeps its rows by design, C07)")
        }
        const lines = diffRows(rowsOf(yield* fresh.dump, scope), rowsOf(yield* store.dump, scope), view)
        if (lines.length > 0) {
          return yield* blameFairly(
            target,
            open,
            "a fresh sync of the last source state",
            (other) => Effect.map(freshSync(other), outcomesOf),
            { rows: rowsOf(yield* fresh.dump, scope), outcomes: outcomesOf(reference) },
            new Violation(`after ${states.length} syncs the scope differs from a fresh sync of the last source state`, [
              "fresh sync of the last state vs the sequence:",
              ...lines,
              ...(target.load === undefined
                ? []
                : [
                    "both ran on fresh instances of the connector: a sync that depends on what earlier syncs left in",
                    "module state (a cursor, a cache of the API's answers) must describe the whole current source instead"
                  ])
            ])
          )
        }
      })
    ),
  describe: (_target, states) =>
    states.map((source, index) => ({ label: `source state ${index + 1}`, value: fc.stringify(source) }))
})
