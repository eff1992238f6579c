import { Effect } from "effect"
import fc from "fast-check"
import type { TrialStore } from "../Backend.ts"
import { blameFairly, outcomesOf } from "../internal/Determinism.ts"
import { contentOf, diffRows, rowsOf } from "../internal/Dump.ts"
import { defineProperty, scopeOf, sourceArbitrary, sourcePart } from "../internal/Property.ts"
import { committed, runTrial, syncOnce, Violation } from "../internal/Trial.ts"
import { describeSchedule, type RunSchedule, schedule, scheduled, sequential } from "../internal/Wrap.ts"

interface Input {
  readonly source: unknown
  readonly schedule: RunSchedule
}

/** C10: step interleaving, concurrency and emission order do not change what is stored. */
export const order = defineProperty<Input>({
  name: "order",
  invariant: "C10",
  guards: "emission order and step interleaving do not change the result",
  notRun: (target) => (target.connector.steps.length === 0 ? "the connector has no steps" : undefined),
  arbitrary: (target) =>
    fc.record({ source: sourceArbitrary(target), schedule: schedule(target.connector.steps.length) }),
  check: (shared, input) =>
    runTrial(shared, (open, target) =>
      Effect.gen(function* () {
        const scope = scopeOf(target)
        const view = (row: Parameters<typeof contentOf>[0]) => contentOf(row, target.backend.volatileFields)
        const steps = target.connector.steps.length
        const sequentialSync = (store: TrialStore) =>
          Effect.flatMap(
            syncOnce(target, store, {
              source: input.source,
              connector: scheduled(target.connector, sequential(steps)),
              concurrency: 1
            }),
            (o) => committed(o, "the sequential sync")
          )
        const baseline = yield* open
        const first = yield* sequentialSync(baseline)
        const store = yield* open
        const second = yield* Effect.flatMap(
          syncOnce(target, store, {
            source: input.source,
            connector: scheduled(target.connector, input.schedule),
            concurrency: input.schedule.concurrency
          }),
          (o) => committed(o, "the interleaved sync")
        )
        const outcomes = (result: typeof first) =>
          result.steps.map((outcome) => `${outcome.id}: ${outcome.status}`).sort()
        const lines = diffRows(rowsOf(yield* baseline.dump, scope), rowsOf(yield* store.dump, scope), view)
        if (lines.length > 0 || outcomes(first).join() !== outcomes(second).join() || first.status !== second.status) {
          return yield* blameFairly(
            target,
            open,
            "the same sequential sync",
            (other) => Effect.map(sequentialSync(other), outcomesOf),
            { rows: rowsOf(yield* baseline.dump, scope), outcomes: outcomesOf(first) },
            new Violation("another step interleaving stored a different result", [
              `sequential: ${first.status} [${outcomes(first).join(", ")}]`,
              `interleaved: ${second.status} [${outcomes(second).join(", ")}]`,
              ...(lines.length === 0 ? [] : ["sequential vs interleaved rows:", ...lines]),
              "typical causes: steps sharing mutable state without declaring a dependency, counters, 'first one wins' logic"
            ])
          )
        }
      })
    ),
  describe: (target, input) => [
    ...sourcePart(target, input.source),
    {
      label: "schedule (compared with one step at a time in declaration order)",
      value: describeSchedule(target.connector, input.schedule)
    }
  ]
})
