import { describe, expect, test } from "bun:test"
import { Effect, Either } from "effect"
import fc from "fast-check"
import { Connector, DependencyCycle, DuplicateStep, runConnector, step, UnknownDependency } from "parallax-connect"
import { ancestors, checkGraph, waves } from "../../src/connector/Dag.ts"
import { randomDag } from "../scheduler/support/RandomDag.ts"
import { effectTest } from "../support/effectTest.ts"

const node = (id: string, ...dependsOn: ReadonlyArray<string>) => ({ id, dependsOn })
const left = <E>(result: Either.Either<void, E>): E => {
  if (Either.isRight(result)) throw new Error("expected the graph to be rejected")
  return result.left
}

describe("checkGraph (C05)", () => {
  test("accepts a DAG", () => {
    expect(Either.isRight(checkGraph("c", [node("a"), node("b", "a"), node("c", "a", "b")]))).toBe(true)
    expect(Either.isRight(checkGraph("c", []))).toBe(true)
  })

  test("rejects duplicate ids", () => {
    const error = left(checkGraph("conn", [node("a"), node("b"), node("a")]))
    expect(error).toBeInstanceOf(DuplicateStep)
    expect(error).toMatchObject({ _tag: "DuplicateStep", connector: "conn", step: "a" })
    expect(error.message).toBe('connector "conn" has more than one step with id "a"')
  })

  test("rejects unknown dependencies, naming step and dependency", () => {
    const error = left(checkGraph("conn", [node("a"), node("b", "a", "ghost")]))
    expect(error).toBeInstanceOf(UnknownDependency)
    expect(error).toMatchObject({ step: "b", dependency: "ghost" })
    expect(error.message).toContain('step "b" depends on unknown step "ghost"')
  })

  test("spells out a self-dependency", () => {
    const error = left(checkGraph("conn", [node("a", "a")]))
    expect(error).toBeInstanceOf(DependencyCycle)
    expect((error as DependencyCycle).cycle).toEqual(["a", "a"])
  })

  test("spells out a cycle in execution order, first step repeated at the end", () => {
    // c needs b, b needs a, a needs c: c runs before a, a before b, b before c.
    const error = left(checkGraph("conn", [node("ok"), node("a", "c"), node("b", "a"), node("c", "b", "ok")]))
    expect(error).toBeInstanceOf(DependencyCycle)
    const cycle = (error as DependencyCycle).cycle
    expect(cycle[0]).toBe(cycle[cycle.length - 1] as string)
    expect(cycle.length).toBe(4)
    expect(new Set(cycle)).toEqual(new Set(["a", "b", "c"]))
    // Each step in the spelled-out cycle is a dependency of the next one.
    const deps = new Map([
      ["a", ["c"]],
      ["b", ["a"]],
      ["c", ["b", "ok"]]
    ])
    for (let i = 0; i + 1 < cycle.length; i++) {
      expect(deps.get(cycle[i + 1] as string)).toContain(cycle[i] as string)
    }
    expect(error.message).toMatch(/dependency cycle: [abc] -> [abc] -> [abc] -> [abc]$/)
  })

  test("property: adding a back edge to a random DAG is always reported as a cycle that exists", () => {
    fc.assert(
      fc.property(randomDag({ maxSteps: 12 }), fc.nat(), fc.nat(), (dag, i, j) => {
        fc.pre(dag.length >= 1)
        // Pick an ancestor pair (or a self-loop) and add the edge that closes a cycle.
        const from = dag[i % dag.length] as { id: string; dependsOn: ReadonlyArray<string> }
        const above = [...ancestors(dag, from.id), from.id]
        const target = above[j % above.length] as string
        const broken = dag.map((n) => (n.id === target ? { ...n, dependsOn: [...n.dependsOn, from.id] } : n))
        const error = left(checkGraph("c", broken))
        expect(error._tag).toBe("DependencyCycle")
        const cycle = (error as DependencyCycle).cycle
        expect(cycle[0]).toBe(cycle[cycle.length - 1] as string)
        const byId = new Map(broken.map((n) => [n.id, n.dependsOn]))
        for (let k = 0; k + 1 < cycle.length; k++) {
          expect(byId.get(cycle[k + 1] as string)).toContain(cycle[k] as string)
        }
      }),
      { numRuns: 200 }
    )
  })

  test("property: random DAGs are accepted", () => {
    fc.assert(
      fc.property(randomDag({ maxSteps: 15 }), (dag) => {
        expect(Either.isRight(checkGraph("c", dag))).toBe(true)
      }),
      { numRuns: 200 }
    )
  })
})

describe("waves", () => {
  test("groups steps by depth, keeping declared order within a wave", () => {
    expect(waves([node("z"), node("b", "z"), node("a"), node("c", "a", "b"), node("d", "a")])).toEqual([
      ["z", "a"],
      ["b", "d"],
      ["c"]
    ])
    expect(waves([])).toEqual([])
  })

  test("terminates on graphs checkGraph rejects (cycles, unknown dependencies)", () => {
    expect(
      waves([node("a", "b"), node("b", "a"), node("c", "ghost")])
        .flat()
        .sort()
    ).toEqual(["a", "b", "c"])
    expect(waves([node("a", "a")])).toEqual([["a"]])
  })

  test("property: every step sits in exactly one wave, after all its dependencies", () => {
    fc.assert(
      fc.property(randomDag({ maxSteps: 15 }), (dag) => {
        const result = waves(dag)
        const level = new Map<string, number>()
        result.forEach((wave, index) => {
          for (const id of wave) {
            expect(level.has(id)).toBe(false)
            level.set(id, index)
          }
        })
        expect(level.size).toBe(dag.length)
        for (const n of dag) {
          const mine = level.get(n.id) as number
          for (const dep of n.dependsOn) expect(level.get(dep) as number).toBeLessThan(mine)
          // As early as possible: a step in wave k > 0 has a dependency in wave k - 1.
          if (mine > 0) expect(n.dependsOn.some((dep) => level.get(dep) === mine - 1)).toBe(true)
        }
        for (const wave of result) expect(wave.length).toBeGreaterThan(0)
      }),
      { numRuns: 200 }
    )
  })
})

describe("connectors are checked when they run", () => {
  const noop = () => Effect.void
  effectTest("a bad graph fails the run with its typed error before any step runs", () =>
    Effect.gen(function* () {
      let ran = 0
      const counting = () => Effect.sync(() => ran++)
      const cyclic = Connector.make({
        name: "cyclic",
        steps: [step("a", "").dependsOn("b").run(counting), step("b", "").dependsOn("a").run(counting)]
      })
      const cycle = yield* Effect.flip(runConnector(cyclic))
      expect(cycle._tag).toBe("DependencyCycle")
      const unknown = yield* Effect.flip(
        runConnector(Connector.make({ name: "unknown", steps: [step("a", "").dependsOn("nope").run(counting)] }))
      )
      expect(unknown._tag).toBe("UnknownDependency")
      const duplicate = yield* Effect.flip(
        runConnector(Connector.make({ name: "dup", steps: [step("a", "").run(noop), step("a", "").run(counting)] }))
      )
      expect(duplicate._tag).toBe("DuplicateStep")
      expect(ran).toBe(0)
      const valid = yield* Connector.validate(Connector.make({ name: "ok", steps: [step("a", "").run(noop)] }))
      expect(valid.name).toBe("ok")
    })
  )
})
