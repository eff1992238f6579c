import { Effect } from "effect"
import fc from "fast-check"
import { contentOf, diffRows, diffRuns, rowsOf } from "../internal/Dump.ts"
import { defineProperty, scopeOf, sourceArbitrary, sourcePart } from "../internal/Property.ts"
import { committed, runTrial, syncOnce, violate } from "../internal/Trial.ts"

interface Input {
  readonly before: unknown
  readonly after: unknown
  /** The commit write the fault hits (modulo how many writes the commit makes). */
  readonly at: number
}

/** The error an injected commit fault throws. */
export class InjectedCommitFault extends Error {
  constructor(readonly index: number) {
    super(`injected commit fault before write ${index}`)
  }
}

const writesAt = new WeakMap<Input, number>()

/** C01: a commit interrupted at any write leaves the store as it was; running again reaches the fault-free state. */
export const atomicity = defineProperty<Input>({
  name: "atomicity",
  invariant: "C01",
  guards: "a sync's change set lands whole or not at all, whatever fails mid-way",
  arbitrary: (target) => {
    const sources = sourceArbitrary(target)
    return fc.record({ before: sources, after: sources, at: fc.nat(1000) })
  },
  check: (target, input) =>
    runTrial(target, (open) =>
      Effect.gen(function* () {
        const scope = scopeOf(target)
        const view = (row: Parameters<typeof contentOf>[0]) => contentOf(row, target.backend.volatileFields)
        const reference = yield* open
        yield* syncOnce(target, reference, { source: input.before })
        let writes = 0
        yield* Effect.flatMap(
          syncOnce(target, reference, { source: input.after, beforeWrite: (i) => (writes = Math.max(writes, i + 1)) }),
          (o) => committed(o, "a sync without commit faults")
        )
        const expected = rowsOf(yield* reference.dump, scope)
        if (writes === 0) return
        const at = input.at % writes
        writesAt.set(input, at)

        const store = yield* open
        yield* syncOnce(target, store, { source: input.before })
        const before = yield* store.dump
        const faulty = yield* syncOnce(target, store, {
          source: input.after,
          beforeWrite: (i) => {
            if (i === at) throw new InjectedCommitFault(i)
          }
        })
        if (faulty._tag === "Committed" && faulty.result.status !== "failed") {
          return yield* violate(
            `a fault before commit write ${at} of ${writes} did not stop the commit: it reported ${faulty.result.status}`
          )
        }
        const interrupted = yield* store.dump
        const changed = [...diffRows(before.rows, interrupted.rows), ...diffRuns(before.runs, interrupted.runs)]
        const lines = changed.filter((line) => !line.startsWith("+ run record added"))
        if (lines.length > 0) {
          return yield* violate(
            `a fault before commit write ${at} of ${writes} left part of the change set in the store`,
            lines
          )
        }
        yield* Effect.flatMap(syncOnce(target, store, { source: input.after }), (o) =>
          committed(o, "the sync after a commit fault")
        )
        const recovered = diffRows(expected, rowsOf(yield* store.dump, scope), view)
        if (recovered.length > 0) {
          return yield* violate(
            "syncing again after a commit fault did not reach the state of a sync that had no fault",
            ["expected (fault-free) vs got:", ...recovered]
          )
        }
      })
    ),
  describe: (target, input) => [
    ...sourcePart(target, input.before, "source at the first sync"),
    ...sourcePart(target, input.after, "source at the interrupted sync"),
    { label: "commit fault", value: `before write ${writesAt.get(input) ?? input.at} of the second sync's commit` }
  ]
})
