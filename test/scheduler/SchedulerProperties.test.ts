import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import fc from "fast-check"
import {
  ApiError,
  AuthFailed,
  type ConnectorError,
  ConnectorFailed,
  type Step,
  type StepOutcome,
  stepEffect
} from "parallax-connect"
import { ancestors } from "../../src/connector/Dag.ts"
import { runSteps } from "../../src/scheduler/Scheduler.ts"
import { MemorySpill } from "../../src/sync/staging/MemorySpill.ts"
import { CoreStaging } from "../../src/sync/staging/Staging.ts"
import { type DagNode, randomDag } from "./support/RandomDag.ts"

/** Something that runs steps as a DAG: the real scheduler, or a deliberately broken one. */
type Runner = (steps: ReadonlyArray<Step>, concurrency: number) => Effect.Effect<ReadonlyArray<StepOutcome>>

const scheduler: Runner = (steps, concurrency) =>
  runSteps(steps, {
    connector: "props",
    account: "a",
    syncId: "s",
    config: undefined,
    staging: new CoreStaging(new MemorySpill()),
    concurrency
  })

// Broken runners, each breaking one rule.
const ignoresDependencies: Runner = (steps, concurrency) =>
  scheduler(
    steps.map((s) => ({ ...s, dependsOn: [] })),
    concurrency
  )
const ignoresBound: Runner = (steps) => scheduler(steps, 1_000)
const runsTwice: Runner = (steps, concurrency) =>
  scheduler(
    steps.map((s) => ({ ...s, run: (ctx) => Effect.zipRight(stepEffect(s, ctx), stepEffect(s, ctx)) })),
    concurrency
  )
/** Runs steps one at a time in dependency order and gives up on everything after the first failure. */
const stopsOnFirstFailure: Runner = (steps) =>
  Effect.gen(function* () {
    const order = [...steps].sort((a, b) => ancestors(steps, a.id).size - ancestors(steps, b.id).size)
    const outcomes = new Map<string, StepOutcome>()
    let stopped = false
    for (const s of order) {
      if (stopped) {
        outcomes.set(s.id, {
          id: s.id,
          status: "skipped",
          entities: 0,
          relationships: 0,
          duplicates: 0,
          attempts: 0,
          durationMs: 0
        })
        continue
      }
      const single = yield* scheduler([{ ...s, dependsOn: [] }], 1)
      const outcome = single[0] as StepOutcome
      outcomes.set(s.id, outcome)
      if (outcome.status !== "succeeded") stopped = true
    }
    return steps.map((s) => outcomes.get(s.id) as StepOutcome)
  })

const failures: ReadonlyArray<() => Effect.Effect<never, ConnectorError>> = [
  () => Effect.fail(new AuthFailed({ service: "x", reason: "no" })),
  () => Effect.fail(new ApiError({ service: "x", reason: "bad request", status: 400, retryable: false })),
  () => Effect.fail(new ConnectorFailed({ reason: "broken" })),
  () => Effect.die(new Error("a bug in the step")),
  () => Effect.interrupt
]

interface Scenario {
  readonly dag: ReadonlyArray<DagNode>
  readonly failing: ReadonlySet<string>
  readonly failure: ReadonlyMap<string, number>
  readonly yields: ReadonlyMap<string, number>
  readonly concurrency: number
}

const scenario = (withFailures: boolean): fc.Arbitrary<Scenario> =>
  randomDag({ minSteps: 1, maxSteps: 10 }).chain((dag) =>
    fc.record({
      dag: fc.constant(dag),
      failing: withFailures
        ? fc.subarray(dag.map((n) => n.id)).map((ids) => new Set(ids))
        : fc.constant(new Set<string>()),
      failure: fc
        .array(fc.nat(failures.length - 1), { minLength: dag.length, maxLength: dag.length })
        .map((kinds) => new Map(dag.map((n, i) => [n.id, kinds[i] ?? 0]))),
      yields: fc
        .array(fc.nat(6), { minLength: dag.length, maxLength: dag.length })
        .map((counts) => new Map(dag.map((n, i) => [n.id, counts[i] ?? 0]))),
      concurrency: fc.integer({ min: 1, max: 4 })
    })
  )

interface Trace {
  readonly outcomes: ReadonlyArray<StepOutcome>
  /** Per step: the dependencies that had not finished when it started. */
  readonly startedEarly: Map<string, ReadonlyArray<string>>
  readonly starts: Map<string, number>
  readonly maxRunning: number
}

/** Runs a scenario's steps with `runner`, tracing starts, finishes and how many ran at once. */
const observe = (runner: Runner, s: Scenario): Promise<Trace> => {
  const finished = new Set<string>()
  const startedEarly = new Map<string, ReadonlyArray<string>>()
  const starts = new Map<string, number>()
  let running = 0
  let maxRunning = 0
  const steps: ReadonlyArray<Step> = s.dag.map((n) => ({
    id: n.id,
    description: n.id,
    dependsOn: n.dependsOn,
    entities: [],
    relationships: [],
    timeout: undefined,
    retry: undefined,
    enabled: undefined,
    run: () =>
      Effect.gen(function* () {
        starts.set(n.id, (starts.get(n.id) ?? 0) + 1)
        const early = n.dependsOn.filter((dep) => !finished.has(dep))
        if (early.length > 0) startedEarly.set(n.id, early)
        running++
        maxRunning = Math.max(maxRunning, running)
        for (let i = 0; i < (s.yields.get(n.id) ?? 0); i++) yield* Effect.yieldNow()
        running--
        finished.add(n.id)
        if (s.failing.has(n.id))
          return yield* (failures[s.failure.get(n.id) ?? 0] as () => Effect.Effect<never, ConnectorError>)()
      })
  }))
  return Effect.runPromise(runner(steps, s.concurrency)).then((outcomes) => ({
    outcomes,
    startedEarly,
    starts,
    maxRunning
  }))
}

/** Whether a step must be skipped: one of its dependencies, direct or not, fails. */
const doomed = (s: Scenario, id: string): boolean => [...ancestors(s.dag, id)].some((dep) => s.failing.has(dep))

// The four properties, each a function of the runner.
const neverBeforeDependencies = (runner: Runner) =>
  fc.asyncProperty(scenario(false), async (s) => {
    const trace = await observe(runner, s)
    expect([...trace.startedEarly]).toEqual([])
  })

const eachStepOnceUnlessSkipped = (runner: Runner) =>
  fc.asyncProperty(scenario(true), async (s) => {
    const trace = await observe(runner, s)
    for (const n of s.dag) {
      const outcome = trace.outcomes.find((o) => o.id === n.id)
      if (doomed(s, n.id)) {
        expect(outcome?.status).toBe("skipped")
        expect(trace.starts.get(n.id) ?? 0).toBe(0)
      } else {
        expect(trace.starts.get(n.id) ?? 0).toBe(1)
        expect(outcome?.attempts).toBe(1)
      }
    }
  })

const respectsConcurrencyBound = (runner: Runner) =>
  fc.asyncProperty(scenario(false), async (s) => {
    const trace = await observe(runner, s)
    expect(trace.maxRunning).toBeLessThanOrEqual(s.concurrency)
  })

const isolatesFailures = (runner: Runner) =>
  fc.asyncProperty(scenario(true), async (s) => {
    const trace = await observe(runner, s)
    expect(trace.outcomes.map((o) => o.id)).toEqual(s.dag.map((n) => n.id))
    const status = new Map(trace.outcomes.map((o) => [o.id, o]))
    for (const n of s.dag) {
      const outcome = status.get(n.id) as StepOutcome
      if (doomed(s, n.id)) {
        expect(outcome.status).toBe("skipped")
        // The reason names a direct dependency that did not succeed.
        const named = /dependency "([^"]+)" (failed|was skipped)/.exec(outcome.skippedBecause ?? "")
        expect(named).not.toBeNull()
        expect(n.dependsOn).toContain(named?.[1] as string)
        expect(status.get(named?.[1] as string)?.status).not.toBe("succeeded")
      } else if (s.failing.has(n.id)) {
        expect(outcome.status).toBe("failed")
        const kind = s.failure.get(n.id) ?? 0
        const expected = (["AuthFailed", "ApiError", "ConnectorFailed", "ConnectorFailed", "ConnectorFailed"] as const)[
          kind
        ]
        expect(outcome.error?._tag).toBe(expected as NonNullable<StepOutcome["error"]>["_tag"])
      } else {
        expect(outcome.status).toBe("succeeded")
        expect(outcome.error).toBeUndefined()
      }
    }
  })

const RUNS = 150

/** The property must find a counterexample when given the broken runner. */
const mustFail = async (property: fc.IAsyncProperty<[Scenario]>) => {
  const details = await fc.check(property, { numRuns: 300 })
  expect(details.failed).toBe(true)
}

describe("the scheduler, on random DAGs", () => {
  test("never starts a step before its dependencies finish", async () => {
    await fc.assert(neverBeforeDependencies(scheduler), { numRuns: RUNS })
  })
  test("... and the property catches a runner that ignores dependencies", async () => {
    await mustFail(neverBeforeDependencies(ignoresDependencies))
  })

  test("runs each step exactly once unless it is skipped", async () => {
    await fc.assert(eachStepOnceUnlessSkipped(scheduler), { numRuns: RUNS })
  })
  test("... and the property catches a runner that runs steps twice", async () => {
    await mustFail(eachStepOnceUnlessSkipped(runsTwice))
  })
  test("... and one that runs the dependents of a failed step", async () => {
    await mustFail(eachStepOnceUnlessSkipped(ignoresDependencies))
  })

  test("respects the concurrency bound", async () => {
    await fc.assert(respectsConcurrencyBound(scheduler), { numRuns: RUNS })
  })
  test("... and the property catches a runner that ignores the bound", async () => {
    await mustFail(respectsConcurrencyBound(ignoresBound))
  })

  test("isolates failures: independent steps succeed, dependents are skipped with the reason", async () => {
    await fc.assert(isolatesFailures(scheduler), { numRuns: RUNS })
  })
  test("... and the property catches a runner that stops everything on the first failure", async () => {
    await mustFail(isolatesFailures(stopsOnFirstFailure))
  })
})
