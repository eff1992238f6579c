import { Effect } from "effect"
import fc from "fast-check"
import type { TrialStore } from "../Backend.ts"
import { blameFairly, outcomesOf } from "../internal/Determinism.ts"
import { rowsOf } from "../internal/Dump.ts"
import { byKey, lostRows, missingRows } from "../internal/Kept.ts"
import { defineProperty, scopeOf, sourceArbitrary, sourcePart } from "../internal/Property.ts"
import { committed, runTrial, syncOnce, Violation, violate } from "../internal/Trial.ts"
import { dependents, disabling } from "../internal/Wrap.ts"

interface Input {
  readonly before: unknown
  readonly after: unknown
  /** Per step: selected with `--step` (none selected: every step runs). */
  readonly selected: ReadonlyArray<boolean>
  /** Per step: disabled by config, as `enabledWhen` would. */
  readonly disabled: ReadonlyArray<boolean>
}

const flags = (steps: number) => fc.array(fc.boolean(), { minLength: steps, maxLength: steps })

/**
 * C07 for steps left out on purpose: a step disabled by config (and the steps depending on it) or not
 * selected (`--step`) reports so, never loses or changes the rows it owned, and does not make the sync
 * partial; the steps that ran commit what a full sync of the same source commits.
 */
export const selection = defineProperty<Input>({
  name: "selection",
  invariant: "C07",
  guards:
    "a step disabled by config or not selected never causes deletion of the rows it owned; they stay as they were, and the steps that ran commit as in a full sync",
  notRun: (target) => (target.connector.steps.length === 0 ? "the connector has no steps" : undefined),
  arbitrary: (target) => {
    const sources = sourceArbitrary(target)
    const steps = target.connector.steps.length
    return fc.record({ before: sources, after: sources, selected: flags(steps), disabled: flags(steps) })
  },
  check: (shared, input) =>
    runTrial(shared, (open, target) =>
      Effect.gen(function* () {
        const scope = scopeOf(target)
        const steps = target.connector.steps
        const requested = steps.filter((_, i) => input.selected[i]).map((step) => step.id)
        const disabled = new Set(steps.filter((_, i) => input.disabled[i]).map((step) => step.id))
        const offByConfig = new Set([...disabled, ...dependents(target.connector, disabled)])
        const byId = new Map(steps.map((step) => [step.id, step]))
        const chosen = new Set(requested)
        for (const pending = [...requested]; pending.length > 0; ) {
          for (const dependency of byId.get(pending.pop() as string)?.dependsOn ?? []) {
            if (!chosen.has(dependency)) pending.push(dependency)
            chosen.add(dependency)
          }
        }
        const leftOut = (id: string) => (requested.length > 0 && !chosen.has(id)) || offByConfig.has(id)

        const cleanSync = (store: TrialStore) =>
          Effect.flatMap(syncOnce(target, store, { source: input.after }), (o) => committed(o, "a full sync"))
        const reference = yield* open
        const clean = yield* cleanSync(reference)
        const expected = byKey(rowsOf(yield* reference.dump, scope))
        const baseline = { rows: [...expected.values()], outcomes: outcomesOf(clean) }
        const unlessNondeterministic = (violation: Violation) =>
          blameFairly(
            target,
            open,
            "a full sync of the same source",
            (store) => Effect.map(cleanSync(store), outcomesOf),
            baseline,
            violation
          )

        const store = yield* open
        yield* syncOnce(target, store, { source: input.before })
        const before = rowsOf(yield* store.dump, scope)
        const result = yield* Effect.flatMap(
          syncOnce(target, store, {
            source: input.after,
            connector: disabling(target.connector, input.disabled),
            ...(requested.length === 0 ? {} : { steps: requested })
          }),
          (o) => committed(o, "a sync with steps disabled or not selected")
        )
        const after = byKey(rowsOf(yield* store.dump, scope))

        const status = new Map(result.steps.map((outcome) => [outcome.id, outcome.status]))
        const cleanStatus = new Map(clean.steps.map((outcome) => [outcome.id, outcome.status]))
        const wrong: Array<string> = []
        for (const step of steps) {
          const got = status.get(step.id)
          const want =
            requested.length > 0 && !chosen.has(step.id)
              ? "not_selected"
              : offByConfig.has(step.id)
                ? "disabled"
                : cleanStatus.get(step.id)
          if (got !== want) wrong.push(`step "${step.id}" is ${got ?? "missing"}, expected ${want}`)
        }
        if (wrong.length > 0) {
          return yield* unlessNondeterministic(
            new Violation("steps left out on purpose (or the ones that ran) ended wrongly", wrong)
          )
        }
        if (clean.status === "succeeded" && result.status !== "succeeded") {
          return yield* violate(
            `the steps that ran all succeeded, yet the sync says ${result.status}: leaving steps out is not a failure`
          )
        }
        const lost = lostRows(before, after, expected, leftOut)
        if (lost.length > 0) {
          return yield* violate(
            "rows owned by steps disabled or not selected were not kept as they were (C07)",
            lost.slice(0, 8)
          )
        }
        const missing = missingRows(
          expected,
          after,
          (step) => !leftOut(step) && status.get(step) === "succeeded",
          "in a full sync"
        )
        if (missing.length > 0) {
          return yield* unlessNondeterministic(
            new Violation("the steps that ran did not commit what a full sync commits", missing.slice(0, 8))
          )
        }
      })
    ),
  describe: (target, input) => {
    const named = (mask: ReadonlyArray<boolean>) =>
      target.connector.steps.filter((_, i) => mask[i]).map((step) => step.id)
    const selected = named(input.selected)
    const disabled = named(input.disabled)
    return [
      ...sourcePart(target, input.before, "source at the first sync"),
      ...sourcePart(target, input.after, "source at the second sync"),
      { label: "selected steps (--step)", value: selected.length === 0 ? "(all)" : selected.join(", ") },
      { label: "steps disabled by config", value: disabled.length === 0 ? "(none)" : disabled.join(", ") }
    ]
  }
})
