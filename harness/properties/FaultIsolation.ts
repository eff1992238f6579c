import { Effect } from "effect"
import fc from "fast-check"
import type { TrialStore } from "../Backend.ts"
import { blameFairly, outcomesOf } from "../internal/Determinism.ts"
import { canonical, rowsOf } from "../internal/Dump.ts"
import { integrityHint } from "../internal/Integrity.ts"
import { byKey, lostRows, missingRows, rowName } from "../internal/Kept.ts"
import { defineProperty, scopeOf, sourceArbitrary, sourcePart } from "../internal/Property.ts"
import { committed, runTrial, syncOnce, Violation, violate } from "../internal/Trial.ts"
import {
  dependents,
  describePlan,
  type FaultPlan,
  faultPlan,
  isFailing,
  PROBE_TYPE,
  withFaults
} from "../internal/Wrap.ts"

interface Input {
  readonly before: unknown
  readonly after: unknown
  readonly plan: FaultPlan
}

/**
 * C06 and C07: steps made to fail or time out do not stop the steps that do not depend on them, which
 * still commit; nothing a failed, timed-out or skipped step owned is deleted; the run is `partial`.
 */
export const faultIsolation = defineProperty<Input>({
  name: "fault-isolation",
  invariant: "C06, C07",
  guards:
    "a failed step does not stop steps that do not depend on it; a step that fails, times out or is skipped never causes deletion of the rows it owned, and the sync is reported partial",
  notRun: (target) => (target.connector.steps.length === 0 ? "the connector has no steps" : undefined),
  arbitrary: (target) => {
    const sources = sourceArbitrary(target)
    return fc.record({ before: sources, after: sources, plan: faultPlan(target.connector.steps.length) })
  },
  check: (shared, input) =>
    runTrial(shared, (open, target) =>
      Effect.gen(function* () {
        const scope = scopeOf(target)
        const cleanSync = (store: TrialStore) =>
          Effect.flatMap(syncOnce(target, store, { source: input.after }), (o) => committed(o, "a sync without faults"))
        // The faults' effect is judged against a fault-free sync: unless the connector itself varies.
        const reference = yield* open
        const clean = yield* cleanSync(reference)
        const baseline = { rows: rowsOf(yield* reference.dump, scope), outcomes: outcomesOf(clean) }
        const unlessNondeterministic = (violation: Violation) =>
          blameFairly(
            target,
            open,
            "a fault-free sync of the same source",
            (store) => Effect.map(cleanSync(store), outcomesOf),
            baseline,
            violation
          )
        const expected = byKey(rowsOf(yield* reference.dump, scope))
        const store = yield* open
        yield* syncOnce(target, store, { source: input.before })
        const before = rowsOf(yield* store.dump, scope)
        const connector = withFaults(target.connector, input.plan)
        const result = yield* Effect.flatMap(syncOnce(target, store, { source: input.after, connector }), (o) =>
          committed(o, "a sync with failing steps (C06: the other steps' data must still be committed)", true)
        )
        const after = byKey(rowsOf(yield* store.dump, scope))
        const probes = [...after.values()].filter((row) => canonical(row.raw).includes(PROBE_TYPE))
        if (probes.length > 0) {
          return yield* violate(
            "a retried step's failed first attempt reached the store (its staged output was not discarded)",
            [...probes.map((row) => `${rowName(row)} ${canonical(row.raw)}`)]
          )
        }

        const injected = new Set(target.connector.steps.filter((_, i) => isFailing(input.plan[i])).map((s) => s.id))
        const downstream = dependents(target.connector, injected)
        const status = new Map(result.steps.map((outcome) => [outcome.id, outcome.status]))
        const cleanStatus = new Map(clean.steps.map((outcome) => [outcome.id, outcome.status]))
        const wrong: Array<string> = []
        for (const step of target.connector.steps) {
          const got = status.get(step.id)
          if (injected.has(step.id) || downstream.has(step.id)) {
            if (got === "succeeded")
              wrong.push(`step "${step.id}" had a fault injected (or depends on one) yet succeeded`)
          } else if (got !== cleanStatus.get(step.id)) {
            wrong.push(
              `step "${step.id}" is independent of the faults but ${got ?? "did not run"} (without faults: ${cleanStatus.get(step.id)})`
            )
          }
        }
        if (wrong.length > 0) {
          return yield* unlessNondeterministic(
            new Violation("the faults reached steps that do not depend on them (C06)", [
              ...wrong,
              ...integrityHint(
                result.steps.filter((outcome) => !injected.has(outcome.id) && !downstream.has(outcome.id)),
                true
              )
            ])
          )
        }
        const bad = new Set(result.steps.filter((outcome) => outcome.status !== "succeeded").map((o) => o.id))
        if (bad.size > 0 && result.status === "succeeded") {
          return yield* violate(`steps [${[...bad].join(", ")}] did not succeed, yet the sync says succeeded (C07)`)
        }
        const lost = lostRows(before, after, expected, (step) => bad.has(step))
        if (lost.length > 0) {
          return yield* violate(
            `rows owned by steps that failed, timed out or were skipped ([${[...bad].join(", ")}]) were not kept as they were (C07)`,
            lost.slice(0, 8)
          )
        }
        const missing = missingRows(
          expected,
          after,
          (step) => !bad.has(step) && status.get(step) === "succeeded",
          "without faults"
        )
        if (missing.length > 0) {
          return yield* unlessNondeterministic(
            new Violation(
              "steps that succeeded beside the failing ones did not commit their data (C06)",
              missing.slice(0, 8)
            )
          )
        }
      })
    ),
  describe: (target, input) => [
    ...sourcePart(target, input.before, "source at the first sync"),
    ...sourcePart(target, input.after, "source at the faulty sync"),
    { label: "injected step faults", value: describePlan(target.connector, input.plan) }
  ]
})
