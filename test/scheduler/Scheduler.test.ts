import { describe, expect } from "bun:test"
import { Deferred, Duration, Effect, Exit, Fiber, Ref, Schedule, TestClock } from "effect"
import {
  ApiError,
  AuthFailed,
  Connector,
  ConnectorFailed,
  entity,
  RateLimited,
  relationship,
  runConnector,
  type SyncEvent,
  step,
  Timeout
} from "parallax-connect"
import { effectTest, liveTest } from "../support/effectTest.ts"

const events = () => {
  const seen: Array<SyncEvent> = []
  return { seen, onEvent: (event: SyncEvent) => seen.push(event) }
}
const tags = (seen: ReadonlyArray<SyncEvent>, stepId: string) =>
  seen.filter((e) => "step" in e && e.step === stepId).map((e) => e._tag)

/** A step program that fails with the given errors in turn, then succeeds; counts its attempts. */
const flaky = (attempts: Ref.Ref<number>, errors: ReadonlyArray<ApiError | RateLimited | AuthFailed>) =>
  Ref.updateAndGet(attempts, (n) => n + 1).pipe(
    Effect.flatMap((n) => {
      const error = errors[n - 1]
      return error === undefined ? Effect.void : Effect.fail(error)
    })
  )

const rateLimited = (ms: number) => new RateLimited({ service: "api", retryAfterMs: ms })
const transient = new ApiError({ service: "api", reason: "503", status: 503, retryable: true })

describe("timeouts", () => {
  effectTest("a step running past .timeout(...) is timed_out with a Timeout error, and its data is dropped", () =>
    Effect.gen(function* () {
      const { seen, onEvent } = events()
      const connector = Connector.make({
        name: "slow",
        steps: [
          step("slow", "takes too long")
            .timeout("1 second")
            .run((ctx) =>
              Effect.gen(function* () {
                yield* ctx.emitEntity(entity("host", "h").class("Host"))
                yield* Effect.sleep("10 seconds")
              })
            ),
          step("after", "depends on the slow one")
            .dependsOn("slow")
            .run(() => Effect.void),
          step("quick", "independent").run((ctx) => ctx.emitEntity(entity("host", "q").class("Host")))
        ]
      })
      const fiber = yield* Effect.fork(runConnector(connector, { onEvent }))
      yield* TestClock.adjust("999 millis")
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      const output = yield* Fiber.join(fiber)
      const [slow, after, quick] = output.steps
      expect(slow?.status).toBe("timed_out")
      expect(slow?.error).toBeInstanceOf(Timeout)
      expect(slow?.error).toMatchObject({ _tag: "Timeout", step: "slow", afterMs: 1000 })
      expect(slow?.attempts).toBe(1)
      expect(after).toMatchObject({ status: "skipped", skippedBecause: 'dependency "slow" timed out' })
      expect(quick?.status).toBe("succeeded")
      expect(output.entities.map((e) => e.key)).toEqual(["q"])
      expect(tags(seen, "slow")).toEqual(["StepStarted", "StepFailed"])
    })
  )

  effectTest("a timeout is per attempt and is not retried", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const connector = Connector.make({
        name: "slow",
        steps: [
          step("s", "")
            .timeout(Duration.millis(50))
            .run(() =>
              Effect.zipRight(
                Ref.update(attempts, (n) => n + 1),
                Effect.never
              )
            )
        ]
      })
      const fiber = yield* Effect.fork(runConnector(connector))
      yield* TestClock.adjust("1 minute")
      const output = yield* Fiber.join(fiber)
      expect(output.steps[0]?.status).toBe("timed_out")
      expect(yield* Ref.get(attempts)).toBe(1)
    })
  )
})

describe("timeouts of steps that never wait", () => {
  effectTest("a step that sets no timeout gets the run's default (stepTimeout), one hour unless set", () =>
    Effect.gen(function* () {
      const connector = Connector.make({
        name: "hangs",
        steps: [step("hangs", "never returns").run(() => Effect.never), step("other", "").run(() => Effect.void)]
      })
      const fiber = yield* Effect.fork(runConnector(connector, { stepTimeout: "2 minutes" }))
      yield* TestClock.adjust("2 minutes")
      const output = yield* Fiber.join(fiber)
      expect(output.steps[0]).toMatchObject({ status: "timed_out", error: { _tag: "Timeout", afterMs: 120_000 } })
      expect(output.steps[1]?.status).toBe("succeeded")
      const byDefault = yield* Effect.fork(runConnector(connector))
      yield* TestClock.adjust("59 minutes")
      expect(byDefault.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 minute")
      expect((yield* Fiber.join(byDefault)).steps[0]).toMatchObject({
        status: "timed_out",
        error: { afterMs: 3_600_000 }
      })
    })
  )

  liveTest("synchronous work past the timeout fails the step (no timer could interrupt it) and drops its data", () =>
    Effect.gen(function* () {
      const connector = Connector.make({
        name: "busy",
        steps: [
          step("busy", "computes without yielding")
            .timeout("50 millis")
            .run((ctx) =>
              Effect.gen(function* () {
                yield* ctx.emitEntity(entity("host", "h").class("Host"))
                yield* Effect.sync(() => {
                  const until = Date.now() + 300
                  while (Date.now() < until) {
                    // busy: the step's fiber cannot be interrupted in here
                  }
                })
              })
            ),
          step("quick", "").run((ctx) => ctx.emitEntity(entity("host", "q").class("Host")))
        ]
      })
      const output = yield* runConnector(connector)
      expect(output.steps[0]).toMatchObject({ status: "timed_out", error: { _tag: "Timeout", afterMs: 50 } })
      expect(output.entities.map((record) => record.key)).toEqual(["q"])
    })
  )

  liveTest("a step emitting in a tight loop stops at its deadline, at an emit", () =>
    Effect.gen(function* () {
      let emitted = 0
      const total = 20_000_000
      const connector = Connector.make({
        name: "tight",
        steps: [
          step("tight", "emits the same entity again and again")
            .timeout("100 millis")
            .run((ctx) =>
              Effect.gen(function* () {
                for (let i = 0; i < total; i++) {
                  yield* ctx.emitEntity(entity("host", "same").class("Host"))
                  emitted++
                }
              })
            )
        ]
      })
      const output = yield* runConnector(connector)
      expect(output.steps[0]).toMatchObject({ status: "timed_out", error: { _tag: "Timeout", afterMs: 100 } })
      expect(emitted).toBeLessThan(total)
      expect(output.entities).toEqual([])
    })
  )
})

describe("retries", () => {
  effectTest("RateLimited is retried, not before the retry-after it asked for", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const { seen, onEvent } = events()
      const connector = Connector.make({
        name: "limited",
        steps: [step("s", "").run(() => flaky(attempts, [rateLimited(5_000)]))]
      })
      const fiber = yield* Effect.fork(runConnector(connector, { onEvent }))
      yield* TestClock.adjust("4999 millis")
      expect(yield* Ref.get(attempts)).toBe(1)
      expect(fiber.unsafePoll()).toBeNull()
      yield* TestClock.adjust("1 millis")
      const output = yield* Fiber.join(fiber)
      expect(yield* Ref.get(attempts)).toBe(2)
      expect(output.steps[0]).toMatchObject({ status: "succeeded", attempts: 2 })
      expect(tags(seen, "s")).toEqual(["StepStarted", "StepRetrying", "StepStarted", "StepCompleted"])
      const retrying = seen.find((e) => e._tag === "StepRetrying")
      expect(retrying).toMatchObject({ step: "s", attempt: 1, delayMs: 5_000, error: { _tag: "RateLimited" } })
    })
  )

  effectTest("StepRetrying reports its delay in whole milliseconds", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const { seen, onEvent } = events()
      const connector = Connector.make({
        name: "fractional",
        steps: [
          step("s", "")
            .retry(Schedule.spaced(Duration.millis(2.5)))
            .run(() => flaky(attempts, [transient]))
        ]
      })
      const fiber = yield* Effect.fork(runConnector(connector, { onEvent }))
      yield* TestClock.adjust("3 millis")
      expect((yield* Fiber.join(fiber)).steps[0]).toMatchObject({ status: "succeeded", attempts: 2 })
      expect(seen.find((e) => e._tag === "StepRetrying")).toMatchObject({ step: "s", attempt: 1, delayMs: 3 })
    })
  )

  effectTest("a custom schedule still honours retry-after", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const connector = Connector.make({
        name: "limited",
        steps: [
          step("s", "")
            .retry(Schedule.recurs(2))
            .run(() => flaky(attempts, [rateLimited(3_000), rateLimited(1_000)]))
        ]
      })
      const fiber = yield* Effect.fork(runConnector(connector))
      yield* TestClock.adjust("2999 millis")
      expect(yield* Ref.get(attempts)).toBe(1)
      yield* TestClock.adjust("1 millis")
      expect(yield* Ref.get(attempts)).toBe(2)
      yield* TestClock.adjust("999 millis")
      expect(yield* Ref.get(attempts)).toBe(2)
      yield* TestClock.adjust("1 millis")
      const output = yield* Fiber.join(fiber)
      expect(output.steps[0]).toMatchObject({ status: "succeeded", attempts: 3 })
    })
  )

  effectTest("a transient ApiError is retried with StepRetrying events; the default gives up after 3 retries", () =>
    Effect.gen(function* () {
      const recovers = yield* Ref.make(0)
      const never = yield* Ref.make(0)
      const { seen, onEvent } = events()
      const connector = Connector.make({
        name: "transient",
        steps: [
          step("recovers", "").run(() => flaky(recovers, [transient, transient])),
          step("gives-up", "").run(() => flaky(never, [transient, transient, transient, transient, transient]))
        ]
      })
      const fiber = yield* Effect.fork(runConnector(connector, { onEvent }))
      yield* TestClock.adjust("1 minute")
      const output = yield* Fiber.join(fiber)
      expect(output.steps[0]).toMatchObject({ status: "succeeded", attempts: 3 })
      expect(output.steps[1]).toMatchObject({ status: "failed", attempts: 4, error: { _tag: "ApiError" } })
      expect(yield* Ref.get(never)).toBe(4)
      const retries = seen.filter((e) => e._tag === "StepRetrying" && e.step === "recovers")
      expect(retries.map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2])
      expect(tags(seen, "gives-up").filter((t) => t === "StepRetrying").length).toBe(3)
      expect(tags(seen, "gives-up").at(-1)).toBe("StepFailed")
    })
  )

  effectTest("the default retries back off: nothing is retried at once", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const connector = Connector.make({ name: "t", steps: [step("s", "").run(() => flaky(attempts, [transient]))] })
      const fiber = yield* Effect.fork(runConnector(connector))
      yield* TestClock.adjust("50 millis")
      expect(yield* Ref.get(attempts)).toBe(1)
      yield* TestClock.adjust("10 seconds")
      expect((yield* Fiber.join(fiber)).steps[0]?.attempts).toBe(2)
    })
  )

  effectTest("non-retryable errors are not retried", () =>
    Effect.gen(function* () {
      const auth = yield* Ref.make(0)
      const permanent = yield* Ref.make(0)
      const { seen, onEvent } = events()
      const connector = Connector.make({
        name: "permanent",
        steps: [
          step("auth", "").run(() => flaky(auth, [new AuthFailed({ service: "api", reason: "expired" })])),
          step("bad", "").run(() =>
            flaky(permanent, [new ApiError({ service: "api", reason: "404", status: 404, retryable: false })])
          ),
          step("crash", "").run(() => Effect.die("boom"))
        ]
      })
      const output = yield* runConnector(connector, { onEvent })
      expect(output.steps.map((s) => [s.status, s.attempts, s.error?._tag])).toEqual([
        ["failed", 1, "AuthFailed"],
        ["failed", 1, "ApiError"],
        ["failed", 1, "ConnectorFailed"]
      ])
      expect(yield* Ref.get(auth)).toBe(1)
      expect(yield* Ref.get(permanent)).toBe(1)
      expect(seen.some((e) => e._tag === "StepRetrying")).toBe(false)
      expect(output.steps[2]?.error).toBeInstanceOf(ConnectorFailed)
      expect(output.steps[2]?.error?.message).toContain("boom")
    })
  )

  effectTest("a retried step's data from the failed attempt is discarded", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const connector = Connector.make({
        name: "retry-data",
        steps: [
          step("s", "").run((ctx) =>
            Effect.gen(function* () {
              const n = yield* Ref.updateAndGet(attempts, (k) => k + 1)
              // The second attempt emits `a` with other content: kept only if the first attempt's `a` is gone.
              yield* ctx.emitEntity(entity("host", "a").class("Host").property("attempt", n))
              if (n === 1) {
                yield* ctx.emitEntity(entity("host", "only-in-first").class("Host"))
                expect(ctx.counts()).toEqual({ entities: 2, relationships: 0 })
                return yield* Effect.fail(transient)
              }
              expect(ctx.counts()).toEqual({ entities: 1, relationships: 0 })
            })
          )
        ]
      })
      const fiber = yield* Effect.fork(runConnector(connector))
      yield* TestClock.adjust("1 minute")
      const output = yield* Fiber.join(fiber)
      expect(output.steps[0]).toMatchObject({ status: "succeeded", attempts: 2, entities: 1 })
      expect(output.entities.map((e) => [e.key, e.properties.attempt])).toEqual([["a", 2]])
    })
  )

  effectTest("a failed step's data is discarded; an identical copy emitted by a succeeding step stays", () =>
    Effect.gen(function* () {
      const connector = Connector.make({
        name: "failed-data",
        steps: [
          step("a-fails", "").run((ctx) =>
            Effect.gen(function* () {
              yield* ctx.emitEntity(entity("host", "shared").class("Host"))
              yield* ctx.emitEntity(entity("host", "mine").class("Host"))
              return yield* Effect.fail(new ConnectorFailed({ reason: "later" }))
            })
          ),
          step("b-succeeds", "")
            .dependsOn("a-fails-sibling")
            .run((ctx) => ctx.emitEntity(entity("host", "shared").class("Host"))),
          step("a-fails-sibling", "").run(() => Effect.void)
        ]
      })
      const output = yield* runConnector(connector, { concurrency: 1 })
      expect(output.steps.map((s) => s.status)).toEqual(["failed", "succeeded", "succeeded"])
      expect(output.entities.map((e) => [e.key, e.step])).toEqual([["shared", "b-succeeds"]])
    })
  )
})

describe("interruption", () => {
  effectTest("interrupting the run interrupts every running step, runs their finalizers and starts nothing new", () =>
    Effect.gen(function* () {
      const started = yield* Deferred.make<void>()
      const running = yield* Ref.make(0)
      const released = yield* Ref.make<ReadonlyArray<string>>([])
      const laterRan = yield* Ref.make(false)
      const holds = (id: string) =>
        step(id, "holds a resource").run(() =>
          Effect.scoped(
            Effect.gen(function* () {
              yield* Effect.acquireRelease(
                Ref.update(running, (n) => n + 1),
                () =>
                  Effect.zipRight(
                    Ref.update(running, (n) => n - 1),
                    Ref.update(released, (ids) => [...ids, id])
                  )
              )
              if ((yield* Ref.get(running)) === 3) yield* Deferred.succeed(started, undefined)
              yield* Effect.never
            })
          )
        )
      const connector = Connector.make({
        name: "interrupted",
        steps: [
          holds("a"),
          holds("b"),
          holds("c"),
          step("later", "")
            .dependsOn("a")
            .run(() => Ref.set(laterRan, true)),
          step("queued", "waits for a permit").run(() => Ref.set(laterRan, true))
        ]
      })
      const fiber = yield* Effect.fork(runConnector(connector, { concurrency: 3 }))
      yield* Deferred.await(started)
      const exit = yield* Fiber.interrupt(fiber)
      expect(Exit.isInterrupted(exit)).toBe(true)
      expect(yield* Ref.get(running)).toBe(0)
      expect([...(yield* Ref.get(released))].sort()).toEqual(["a", "b", "c"])
      yield* TestClock.adjust("1 hour")
      expect(yield* Ref.get(laterRan)).toBe(false)
    })
  )

  effectTest("interrupting a step waiting out a rate limit stops it", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const connector = Connector.make({
        name: "waiting",
        steps: [step("s", "").run(() => flaky(attempts, [rateLimited(60_000)]))]
      })
      const fiber = yield* Effect.fork(runConnector(connector))
      yield* TestClock.adjust("1 second")
      yield* Fiber.interrupt(fiber)
      yield* TestClock.adjust("1 hour")
      expect(yield* Ref.get(attempts)).toBe(1)
    })
  )
})

describe("isolation of odd failures", () => {
  effectTest("a step that interrupts itself fails alone; the run goes on", () =>
    Effect.gen(function* () {
      const connector = Connector.make({
        name: "self-interrupt",
        steps: [
          step("quits", "").run(() => Effect.interrupt),
          step("after", "")
            .dependsOn("quits")
            .run(() => Effect.void),
          step("independent", "").run((ctx) => ctx.emitEntity(entity("host", "h").class("Host")))
        ]
      })
      const output = yield* runConnector(connector)
      expect(output.steps.map((s) => [s.id, s.status, s.error?._tag])).toEqual([
        ["quits", "failed", "ConnectorFailed"],
        ["after", "skipped", undefined],
        ["independent", "succeeded", undefined]
      ])
      expect(output.steps[0]?.error?.message).toContain("interrupted itself")
    })
  )

  effectTest("a discover that interrupts itself fails the run with ConnectorFailed", () =>
    Effect.gen(function* () {
      const connector = Connector.make({ name: "d", discover: () => Effect.interrupt, steps: [] })
      const error = yield* Effect.flip(runConnector(connector))
      expect(error._tag).toBe("ConnectorFailed")
    })
  )

  effectTest("odd concurrency bounds (0, NaN, Infinity) still run every step", () =>
    Effect.gen(function* () {
      const connector = Connector.make({
        name: "bounds",
        steps: [step("a", "").run(() => Effect.void), step("b", "").run(() => Effect.void)]
      })
      for (const concurrency of [0, -1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        const output = yield* runConnector(connector, { concurrency })
        expect(output.steps.map((s) => s.status)).toEqual(["succeeded", "succeeded"])
      }
      const empty = yield* runConnector(Connector.make({ name: "empty", steps: [] }))
      expect(empty.steps).toEqual([])
    })
  )
})

describe("duplicates", () => {
  effectTest("identical re-emits are kept once and counted per step; a retry starts the count again", () =>
    Effect.gen(function* () {
      const attempts = yield* Ref.make(0)
      const host = (key: string) => entity("host", key).class("Host")
      const link = relationship("host", "a", "CONNECTS", "host", "b")
      const connector = Connector.make({
        name: "dups",
        steps: [
          step("first", "").run((ctx) =>
            Effect.gen(function* () {
              yield* ctx.emitEntity(host("a"))
              yield* ctx.emitEntity(host("b"))
              yield* ctx.emitEntity(host("a"))
              yield* ctx.emitRelationship(link)
              yield* ctx.emitRelationship(link)
            })
          ),
          step("second", "")
            .dependsOn("first")
            .run((ctx) =>
              Effect.gen(function* () {
                const n = yield* Ref.updateAndGet(attempts, (k) => k + 1)
                yield* ctx.emitEntity(host("a"))
                yield* ctx.emitEntity(host("c"))
                if (n === 1) {
                  yield* ctx.emitEntity(host("b"))
                  return yield* Effect.fail(transient)
                }
              })
            ),
          step("broken", "").run((ctx) =>
            Effect.zipRight(ctx.emitEntity(host("a")), Effect.fail(new ConnectorFailed({ reason: "down" })))
          )
        ]
      })
      const fiber = yield* Effect.fork(runConnector(connector, { concurrency: 1 }))
      yield* TestClock.adjust("1 minute")
      const output = yield* Fiber.join(fiber)
      expect(output.steps.map((s) => [s.id, s.status, s.entities, s.relationships, s.duplicates])).toEqual([
        ["first", "succeeded", 2, 1, 2],
        ["second", "succeeded", 1, 0, 1],
        ["broken", "failed", 0, 0, 0]
      ])
      expect(output.entities.map((e) => e.key).sort()).toEqual(["a", "b", "c"])
    })
  )
})
