import { Effect } from "effect"
import fc from "fast-check"
import type { StoreDump, TrialStore } from "../Backend.ts"
import { diffRows, diffRuns, foreignPart } from "../internal/Dump.ts"
import {
  describeScopes,
  emittedKeys,
  type ForeignScope,
  foreignScopes,
  type ResolvedScope,
  resolveScopes,
  seedScopes
} from "../internal/Foreign.ts"
import { defineProperty, scopeOf, sourceArbitrary, sourcePart } from "../internal/Property.ts"
import { runTrial, syncOnce, violate } from "../internal/Trial.ts"
import { describePlan, emptied, type FaultPlan, failingDiscovery, faultPlan, withFaults } from "../internal/Wrap.ts"

type Mode = "same source" | "step faults" | "failed discovery" | "empty source"

interface Input {
  readonly source: unknown
  readonly foreign: ReadonlyArray<ForeignScope>
  /** Whether the connector already synced once before the sync under test (so it has rows to delete). */
  readonly prior: boolean
  readonly mode: Mode
  readonly plan: FaultPlan
}

const resolved = new WeakMap<Input, ReadonlyArray<ResolvedScope>>()

/** C02: a sync of one scope never creates, changes or deletes rows of any other scope, whatever its outcome. */
export const scoping = defineProperty<Input>({
  name: "scoping",
  invariant: "C02",
  guards:
    "a sync of one scope never creates, changes or deletes rows of another scope (other connectors, other accounts of the same connector, the same entity ids), whether it succeeds, is partial, fails or emits nothing",
  arbitrary: (target) =>
    fc.record({
      source: sourceArbitrary(target),
      foreign: foreignScopes(sourceArbitrary(target)),
      prior: fc.boolean(),
      mode: fc.constantFrom<Mode>("same source", "step faults", "failed discovery", "empty source"),
      plan: faultPlan(target.connector.steps.length)
    }),
  check: (target, input) =>
    runTrial(target, (open) =>
      Effect.gen(function* () {
        const store: TrialStore = yield* open
        const scopes = resolveScopes(target, input.foreign, yield* emittedKeys(target, input.source))
        resolved.set(input, scopes)
        yield* seedScopes(target, store, scopes)
        const scope = scopeOf(target)
        const seeded = foreignPart(yield* store.dump, scope)
        const untouched = (when: string, dump: StoreDump) => {
          const now = foreignPart(dump, scope)
          const lines = [...diffRows(seeded.rows, now.rows), ...diffRuns(seeded.runs, now.runs)]
          return lines.length === 0
            ? Effect.void
            : violate(`${when}, rows of other scopes were changed`, [
                `the sync of ${scope.connector}/${scope.account} touched:`,
                ...lines
              ])
        }
        if (input.prior) {
          yield* syncOnce(target, store, { source: input.source })
          yield* untouched("after a first ordinary sync", yield* store.dump)
        }
        const connector =
          input.mode === "step faults"
            ? withFaults(target.connector, input.plan)
            : input.mode === "failed discovery"
              ? failingDiscovery(target.connector)
              : input.mode === "empty source"
                ? emptied(target.connector)
                : target.connector
        const outcome = yield* syncOnce(target, store, { source: input.source, connector })
        const status = outcome._tag === "Committed" ? outcome.result.status : "aborted"
        yield* untouched(`after a sync with ${input.mode} (${status})`, yield* store.dump)
      })
    ),
  describe: (target, input) => [
    ...sourcePart(target, input.source),
    {
      label: "foreign scopes in the store",
      value: resolved.has(input) ? describeScopes(resolved.get(input) ?? []) : fc.stringify(input.foreign)
    },
    {
      label: "syncs",
      value: [
        ...(input.prior ? ["1. an ordinary sync"] : []),
        `${input.prior ? 2 : 1}. a sync with ${input.mode}`,
        ...(input.mode === "step faults" ? [describePlan(target.connector, input.plan)] : [])
      ].join("\n")
    }
  ]
})
