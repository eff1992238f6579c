import { Effect, type Scope } from "effect"
import type { StoredRow, TrialStore } from "../Backend.ts"
import { contentOf, diffRows, rowsOf } from "./Dump.ts"
import { type Target, Violation } from "./Trial.ts"

/**
 * Whether the connector gives the same result again. Properties compare one run of the connector with
 * another (with and without faults, in two orders, a sequence and a fresh sync), each against a baseline
 * run without faults. When the connector does not give the same result twice, the difference is its own,
 * and blaming the store (or the property's invariant) would mislead. So on a violation a property replays
 * its baseline's syncs into a fresh store: if they give anything else than the baseline did, it reports
 * that the connector is not deterministic instead.
 */

/** What a baseline run left: the scope's rows, and its step outcomes. */
export interface Baseline {
  readonly rows: ReadonlyArray<StoredRow>
  readonly outcomes: ReadonlyArray<string>
}

/** Runs the baseline's syncs on one store; yields their step outcomes. */
export type Replay = (store: TrialStore) => Effect.Effect<ReadonlyArray<string>, Violation, Scope.Scope>

/** The step outcomes of a committed sync, for comparing runs. */
export const outcomesOf = (result: {
  readonly status: string
  readonly steps: ReadonlyArray<{ readonly id: string; readonly status: string }>
}): ReadonlyArray<string> => [
  `sync ${result.status}`,
  ...result.steps.map((step) => `${step.id}: ${step.status}`).sort()
]

/** The violation to report when the connector is not deterministic. */
export const notDeterministic = (what: string, lines: ReadonlyArray<string>): Violation =>
  new Violation(`the connector is not deterministic: ${what} gave different results in two fresh stores`, [
    ...lines,
    "so the property cannot tell its own invariant from the connector's variation; fix the connector first:",
    "random or time-based keys or values, counters, or state kept between syncs (module variables, caches)"
  ])

/**
 * Fails with `violation`, unless replaying the baseline's syncs (`what`) into a fresh store gives other
 * rows or step outcomes than `baseline`: then with a violation saying the connector is not deterministic.
 */
export const blameFairly = <S>(
  target: Target<S>,
  open: Effect.Effect<TrialStore, never, Scope.Scope>,
  what: string,
  replay: Replay,
  baseline: Baseline,
  violation: Violation
): Effect.Effect<never, Violation, Scope.Scope> =>
  Effect.gen(function* () {
    const view = (row: StoredRow) => contentOf(row, target.backend.volatileFields)
    const store = yield* open
    const outcomes = yield* replay(store)
    const rows = rowsOf(yield* store.dump, { connector: target.connector.name, account: target.account })
    const changed = diffRows(baseline.rows, rows, view)
    const lines = [
      ...(baseline.outcomes.join("\n") === outcomes.join("\n")
        ? []
        : [`first run: ${baseline.outcomes.join(", ")}`, `second run: ${outcomes.join(", ")}`]),
      ...(changed.length === 0 ? [] : ["first run vs second run:", ...changed])
    ]
    return yield* Effect.fail(lines.length === 0 ? violation : notDeterministic(what, lines))
  })
