import { Effect } from "effect"
import fc from "fast-check"
import type { SyncStats } from "parallax-connect/runtime"
import type { TrialStore } from "../Backend.ts"
import { blameFairly, outcomesOf } from "../internal/Determinism.ts"
import { contentOf, diffRows, diffRuns, rowsOf } from "../internal/Dump.ts"
import { defineProperty, scopeOf, sourceArbitrary, sourcePart } from "../internal/Property.ts"
import { committed, runTrial, skip, syncOnce, type Target, Violation, violate } from "../internal/Trial.ts"
import { emptied } from "../internal/Wrap.ts"

/**
 * What the interrupted sync changes: from one source state to another, from an empty source to a full
 * one (everything created), or from a full one to an empty one (everything deleted). Without generated
 * sources only the last two give the commit something to write.
 */
type Shape = "change" | "create" | "delete"

interface Input {
  readonly before: unknown
  readonly after: unknown
  readonly shape: Shape
  /** The commit write the fault hits (modulo how many writes the commit makes). */
  readonly at: number
}

/** The error an injected commit fault throws. */
export class InjectedCommitFault extends Error {
  constructor(readonly index: number) {
    super(`injected commit fault before write ${index}`)
  }
}

const FIX_THE_CONNECTOR = [
  "fix the connector first: random or time-based keys or values, counters, or state kept between syncs",
  "(module variables, caches) change what a commit writes"
]

const writesAt = new WeakMap<Input, { readonly at: number; readonly of: number }>()

const changed = (stats: SyncStats): boolean =>
  stats.entitiesCreated + stats.entitiesUpdated + stats.entitiesDeleted > 0 ||
  stats.relationshipsCreated + stats.relationshipsUpdated + stats.relationshipsDeleted > 0

/** The two syncs of a case: the first, and the one whose commit is interrupted. */
const plan = (target: Target<unknown>, input: Input) => {
  const full = { connector: target.connector }
  const empty = { connector: emptied(target.connector) }
  switch (input.shape) {
    case "change":
      return [
        { ...full, source: input.before },
        { ...full, source: input.after }
      ] as const
    case "create":
      return [
        { ...empty, source: input.after },
        { ...full, source: input.after }
      ] as const
    case "delete":
      return [
        { ...full, source: input.after },
        { ...empty, source: input.after }
      ] as const
  }
}

/** C01: a commit interrupted at any write leaves the store as it was; running again reaches the fault-free state. */
export const atomicity = defineProperty<Input>({
  name: "atomicity",
  invariant: "C01",
  guards: "a sync's change set lands whole or not at all, whatever fails mid-way",
  arbitrary: (target) => {
    const sources = sourceArbitrary(target)
    const shapes: ReadonlyArray<Shape> =
      target.sources === undefined ? ["create", "delete"] : ["change", "create", "delete"]
    return fc.record({ before: sources, after: sources, shape: fc.constantFrom(...shapes), at: fc.nat(1000) })
  },
  check: (shared, input) =>
    runTrial(shared, (open, target) =>
      Effect.gen(function* () {
        const scope = scopeOf(target)
        const view = (row: Parameters<typeof contentOf>[0]) => contentOf(row, target.backend.volatileFields)
        const [first, second] = plan(target, input)
        const replay = (store: TrialStore) =>
          Effect.gen(function* () {
            yield* syncOnce(target, store, first)
            const result = yield* Effect.flatMap(syncOnce(target, store, second), (o) =>
              committed(o, "a sync without commit faults")
            )
            return outcomesOf(result)
          })

        const reference = yield* open
        yield* syncOnce(target, reference, first)
        let writes = 0
        const clean = yield* Effect.flatMap(
          syncOnce(target, reference, { ...second, beforeWrite: (i) => (writes = Math.max(writes, i + 1)) }),
          (o) => committed(o, "a sync without commit faults")
        )
        const expected = rowsOf(yield* reference.dump, scope)
        if (writes === 0) return yield* skip("commit(s) made no write")
        if (!changed(clean.stats)) return yield* skip("commit(s) had an empty change set")
        const at = input.at % writes
        writesAt.set(input, { at, of: writes })

        const store = yield* open
        yield* syncOnce(target, store, first)
        const before = yield* store.dump
        let seen = 0
        const faulty = yield* syncOnce(target, store, {
          ...second,
          beforeWrite: (i) => {
            seen = Math.max(seen, i + 1)
            if (i === at) throw new InjectedCommitFault(i)
          }
        })
        if (faulty._tag === "Committed" && faulty.result.status !== "failed") {
          if (seen <= at) {
            return yield* violate(
              `the connector is not deterministic: the same syncs gave a commit of ${writes} writes in one store and of ${seen} in another, so the fault before write ${at} never fired`,
              FIX_THE_CONNECTOR
            )
          }
          return yield* violate(
            `a fault before commit write ${at} of ${writes} did not stop the commit: it reported ${faulty.result.status}`
          )
        }
        const interrupted = yield* store.dump
        const lines = [...diffRows(before.rows, interrupted.rows), ...diffRuns(before.runs, interrupted.runs)].filter(
          (line) => !line.startsWith("+ run record added")
        )
        if (lines.length > 0) {
          return yield* violate(
            `a fault before commit write ${at} of ${writes} left part of the change set in the store`,
            lines
          )
        }
        yield* Effect.flatMap(syncOnce(target, store, second), (o) => committed(o, "the sync after a commit fault"))
        const recovered = diffRows(expected, rowsOf(yield* store.dump, scope), view)
        if (recovered.length > 0) {
          return yield* blameFairly(
            target,
            open,
            "the same two syncs without commit faults",
            replay,
            { rows: expected, outcomes: outcomesOf(clean) },
            new Violation("syncing again after a commit fault did not reach the state of a sync that had no fault", [
              "expected (fault-free) vs got:",
              ...recovered
            ])
          )
        }
      })
    ),
  describe: (target, input) => {
    const fault = writesAt.get(input)
    const where =
      fault === undefined
        ? `before write ${input.at} (modulo the commit's writes)`
        : `before write ${fault.at} of ${fault.of}`
    return [
      ...(input.shape === "change"
        ? [
            ...sourcePart(target, input.before, "source at the first sync"),
            ...sourcePart(target, input.after, "source at the interrupted sync")
          ]
        : sourcePart(target, input.after)),
      {
        label: "syncs",
        value:
          input.shape === "change"
            ? "1. the first source state\n2. the second source state, its commit interrupted"
            : input.shape === "create"
              ? "1. an empty source (every step emits nothing)\n2. the source, its commit interrupted (everything created)"
              : "1. the source\n2. an empty source, its commit interrupted (everything deleted)"
      },
      { label: "commit fault", value: `${where} of the second sync's commit` }
    ]
  }
})
