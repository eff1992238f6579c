import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import fc from "fast-check"
import { runConnector } from "../../src/index.ts"
import { connectorOf, failuresArb, planOf, type Source, sourceArb, sourcePairArb } from "./support/Source.ts"

/** The generators behind the sync properties reach the risky cases often enough to matter. */

const SAMPLES = 300
const share = <A>(samples: ReadonlyArray<A>, holds: (sample: A) => boolean) =>
  samples.filter(holds).length / samples.length

/** Ids (type/key) each step emits. */
const idsBySteps = (source: Source) =>
  source.map((spec, index) => new Set(planOf(spec, index).entities.map((item) => `${item.type}/${item.key}`)))

const sharedAcrossSteps = (source: Source) => {
  const sets = idsBySteps(source)
  return sets.some((ids, i) => sets.some((other, j) => j > i && [...ids].some((id) => other.has(id))))
}

/** Some object whose owner (the first step, by id, that emits it) differs between the two states. */
const ownerMoves = ([s1, s2]: readonly [Source, Source]) => {
  const owners = (source: Source) => {
    const owner = new Map<string, number>()
    idsBySteps(source).forEach((ids, index) => {
      for (const id of ids) if (!owner.has(id)) owner.set(id, index)
    })
    return owner
  }
  const before = owners(s1)
  return [...owners(s2)].some(([id, step]) => before.has(id) && before.get(id) !== step)
}

describe("sync property generators", () => {
  test("steps often emit the same ids, and ownership moves between steps from one state to the next", () => {
    expect(share(fc.sample(sourceArb, { numRuns: SAMPLES, seed: 1 }), sharedAcrossSteps)).toBeGreaterThan(0.15)
    expect(share(fc.sample(sourcePairArb, { numRuns: SAMPLES, seed: 2 }), ownerMoves)).toBeGreaterThan(0.1)
  })

  test("failures include timeouts as well as failed steps", () => {
    const plans = fc.sample(failuresArb, { numRuns: SAMPLES, seed: 3 })
    expect(share(plans, (plan) => plan.includes("timeout"))).toBeGreaterThan(0.3)
    expect(share(plans, (plan) => plan.includes("fail"))).toBeGreaterThan(0.3)
  })

  test("with concurrency, steps that yield interleave their emits", async () => {
    const busy: Source = [0, 1].map(() => ({
      entities: ["a", "b", "c", "d"].map((key) => ({ type: "host", key, name: "x", value: 0 })),
      relationships: [],
      chained: false,
      pace: "yield" as const
    }))
    const order = async (concurrency: number) => {
      const output = await Effect.runPromise(runConnector(connectorOf(busy), { concurrency }))
      return output.entities.map((item) => item.step).join("")
    }
    expect(await order(1)).toBe("s0s0s0s0s1s1s1s1")
    // Interleaved: the second step emits before the first has finished. Not an exact alternation, which
    // Effect's scheduler does not promise (one run in eight or so gave "s0s1s1s1s1s0s0s0").
    const concurrent = await order(4)
    expect(concurrent.indexOf("s1")).toBeLessThan(concurrent.lastIndexOf("s0"))
    expect([...concurrent.matchAll(/s0/g)]).toHaveLength(4)
  })

  test("a timed-out step is timed_out, a failed one failed", async () => {
    const source: Source = [0, 1, 2].map(() => ({ entities: [], relationships: [], chained: false }))
    const output = await Effect.runPromise(runConnector(connectorOf(source, { failing: ["none", "fail", "timeout"] })))
    expect(output.steps.map((s) => s.status)).toEqual(["succeeded", "failed", "timed_out"])
  })
})
