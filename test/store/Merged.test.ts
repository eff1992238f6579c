import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { mergeById, type Row } from "../../src/store/Merged.ts"

/** `mergeById`: sources each ordered by id come out as one sequence ordered by id, and are closed at the end. */
describe("mergeById", () => {
  const hex = fc.integer({ min: 0, max: 4095 }).map((n) => n.toString(16).padStart(32, "0"))

  test("any number of sources, each sorted by id: one sequence sorted by id holding every row", () => {
    fc.assert(
      fc.property(fc.array(fc.uniqueArray(hex, { maxLength: 40 }), { minLength: 1, maxLength: 12 }), (lists) => {
        const sources = lists.map((ids, source) => [...ids].sort().map((id): Row => ({ id, source })))
        const merged = [...mergeById(sources.map((rows) => rows[Symbol.iterator]()))]
        const expected = sources
          .flat()
          .sort((a, b) => ((a.id as string) < (b.id as string) ? -1 : a.id === b.id ? 0 : 1))
        expect(merged.map((row) => row.id)).toEqual(expected.map((row) => row.id))
        expect(merged.map((row) => `${row.source}:${row.id}`).sort()).toEqual(
          expected.map((row) => `${row.source}:${row.id}`).sort()
        )
      })
    )
  })

  test("every source is closed when the reader stops early, and when it reads to the end", () => {
    for (const take of [1, 3, Number.POSITIVE_INFINITY]) {
      const closed: Array<number> = []
      const source = (index: number, ids: ReadonlyArray<string>) =>
        (function* () {
          try {
            for (const id of ids) yield { id } as Row
          } finally {
            closed.push(index)
          }
        })()
      const sources = [source(0, ["a1", "c1"]), source(1, ["b1"]), source(2, ["a2", "b2", "d2"])]
      let read = 0
      for (const _ of mergeById(sources)) if (++read >= take) break
      expect(closed.sort()).toEqual([0, 1, 2])
    }
    const closed: Array<number> = []
    const only = (function* () {
      try {
        yield { id: "a" } as Row
        yield { id: "b" } as Row
      } finally {
        closed.push(0)
      }
    })()
    for (const _ of mergeById([only])) break
    expect(closed).toEqual([0])
  })
})
