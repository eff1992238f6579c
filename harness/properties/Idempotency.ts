import { Effect } from "effect"
import type { SyncStats } from "parallax-connect/runtime"
import { diffRows, rowsOf } from "../internal/Dump.ts"
import { defineProperty, scopeOf, sourceArbitrary, sourcePart } from "../internal/Property.ts"
import { committed, runTrial, syncOnce, violate } from "../internal/Trial.ts"

const changes = (stats: SyncStats): ReadonlyArray<string> =>
  (
    [
      "entitiesCreated",
      "entitiesUpdated",
      "entitiesDeleted",
      "relationshipsCreated",
      "relationshipsUpdated",
      "relationshipsDeleted"
    ] as const
  ).flatMap((key) => (stats[key] === 0 ? [] : [`${key}: ${stats[key]}`]))

/** C08: the same source synced twice gives an empty change set and rewrites no row. */
export const idempotency = defineProperty<unknown>({
  name: "idempotency",
  invariant: "C08",
  guards: "the same source data gives an empty change set; no entity or relationship row is written",
  arbitrary: sourceArbitrary,
  check: (shared, source) =>
    runTrial(shared, (open, target) =>
      Effect.gen(function* () {
        const store = yield* open
        const scope = scopeOf(target)
        const first = yield* Effect.flatMap(syncOnce(target, store, { source }), (o) => committed(o, "the first sync"))
        const before = rowsOf(yield* store.dump, scope)
        const second = yield* Effect.flatMap(syncOnce(target, store, { source }), (o) =>
          committed(o, "the second sync")
        )
        const after = rowsOf(yield* store.dump, scope)
        const rewritten = diffRows(before, after)
        const reported = changes(second.stats)
        if (rewritten.length > 0 || reported.length > 0) {
          return yield* violate("syncing the same source a second time changed the store", [
            ...(reported.length === 0 ? [] : [`the second sync reported ${reported.join(", ")}`]),
            ...(rewritten.length === 0 ? [] : ["rows that differ between the two syncs:", ...rewritten]),
            "typical causes: random or time-based keys or property values, values that depend on iteration order"
          ])
        }
        if (first.status !== second.status) {
          return yield* violate(`the first sync was ${first.status} and the second ${second.status}`)
        }
      })
    ),
  describe: (target, source) => sourcePart(target, source)
})
