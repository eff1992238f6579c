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

type Mode = "ordinary" | "step faults" | "failed discovery" | "empty source"

const modeText = (mode: Mode): string => (mode === "ordinary" ? "an ordinary sync" : `a sync with ${mode}`)

interface Input {
  readonly source: unknown
  readonly foreign: ReadonlyArray<ForeignScope>
  /**
   * Whether the connector already synced once before the sync under test, and from which source state:
   * so it has rows to delete and, from another state, rows to update beside foreign copies of them.
   */
  readonly prior: { readonly source: unknown } | null
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
      prior: fc.option(fc.record({ source: sourceArbitrary(target) }), { nil: null }),
      // Ordinary and faulty syncs write (create, update, delete) beside the foreign rows: weigh them more.
      mode: fc.oneof(
        { arbitrary: fc.constantFrom<Mode>("ordinary", "step faults"), weight: 2 },
        { arbitrary: fc.constantFrom<Mode>("failed discovery", "empty source"), weight: 1 }
      ),
      plan: faultPlan(target.connector.steps.length)
    }),
  check: (shared, input) =>
    runTrial(shared, (open, target) =>
      Effect.gen(function* () {
        const store: TrialStore = yield* open
        // Foreign copies of the ids the connector emits at either sync, so that updates meet them too.
        const emitted = [
          ...(input.prior === null ? [] : yield* emittedKeys(target, input.prior.source)),
          ...(yield* emittedKeys(target, input.source))
        ]
        const keys = [...new Map(emitted.map((key) => [JSON.stringify([key.type, key.key]), key])).values()]
        const scopes = resolveScopes(target, input.foreign, keys)
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
        if (input.prior !== null) {
          yield* syncOnce(target, store, { source: input.prior.source })
          yield* untouched("after a first ordinary sync (from the first source state)", yield* store.dump)
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
        yield* untouched(`after ${modeText(input.mode)} (${status})`, yield* store.dump)
      })
    ),
  describe: (target, input) => [
    ...(input.prior === null ? [] : sourcePart(target, input.prior.source, "source at the first sync")),
    ...sourcePart(target, input.source, input.prior === null ? "source" : "source at the sync under test"),
    {
      label: "foreign scopes in the store",
      value: resolved.has(input) ? describeScopes(resolved.get(input) ?? []) : fc.stringify(input.foreign)
    },
    {
      label: "syncs",
      value: [
        ...(input.prior === null ? [] : ["1. an ordinary sync of the first source state"]),
        `${input.prior === null ? 1 : 2}. ${modeText(input.mode)}`,
        ...(input.mode === "step faults" ? [describePlan(target.connector, input.plan)] : [])
      ].join("\n")
    }
  ]
})
