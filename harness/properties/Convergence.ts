import { Effect } from "effect"
import fc from "fast-check"
import type { SyncStats } from "parallax-connect"
import type { StoredRow } from "../Backend.ts"
import { canonical, contentOf, diffRows, rowsOf } from "../internal/Dump.ts"
import { defineProperty, scopeOf } from "../internal/Property.ts"
import { committed, runTrial, syncOnce, violate } from "../internal/Trial.ts"

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

/** C09: syncing source states S1, ..., Sn in turn leaves the scope exactly as a fresh sync of Sn. */
export const convergence = defineProperty<ReadonlyArray<unknown>>({
  name: "convergence",
  invariant: "C09",
  guards:
    "syncing source state S1 then S2 leaves the scope exactly as a fresh sync of S2 (first-seen times aside); each sync's stats equal what it changed (C11)",
  notRun: (target) =>
    target.sources === undefined
      ? "needs generated source states: pass `sources` with `layerFor` or `configFor` (see docs/harness.md)"
      : undefined,
  arbitrary: (target) => fc.array(target.sources ?? fc.constant(undefined), { minLength: 2, maxLength: 3 }),
  check: (target, states) =>
    runTrial(target, (open) =>
      Effect.gen(function* () {
        const scope = scopeOf(target)
        const view = (row: Parameters<typeof contentOf>[0]) => contentOf(row, target.backend.volatileFields)
        const store = yield* open
        const statuses: Array<string> = []
        for (const [index, source] of states.entries()) {
          const before = rowsOf(yield* store.dump, scope)
          const result = yield* Effect.flatMap(syncOnce(target, store, { source }), (o) =>
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
        const last = yield* Effect.flatMap(syncOnce(target, fresh, { source: states[states.length - 1] }), (o) =>
          committed(o, "the fresh sync of the last state")
        )
        // A step that fails on its own keeps its old rows by design (C07): only full successes must converge.
        if (last.status !== "succeeded" || statuses.some((status) => status !== "succeeded")) return
        const lines = diffRows(rowsOf(yield* fresh.dump, scope), rowsOf(yield* store.dump, scope), view)
        if (lines.length > 0) {
          return yield* violate(
            `after ${states.length} syncs the scope differs from a fresh sync of the last source state`,
            ["fresh sync of the last state vs the sequence:", ...lines]
          )
        }
      })
    ),
  describe: (_target, states) =>
    states.map((source, index) => ({ label: `source state ${index + 1}`, value: fc.stringify(source) }))
})
