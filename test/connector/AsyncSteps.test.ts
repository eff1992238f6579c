import { afterAll, describe, expect, test } from "bun:test"
import { Effect, Fiber, HashMap, Logger, Option, Redacted, Schedule, Schema } from "effect"
import {
  ApiError,
  Connector,
  type Connector as ConnectorType,
  entity,
  RateLimited,
  relationship,
  runConnector,
  type StepOutcome,
  step,
  ValidationFailed
} from "parallax-connect"

// Async steps through the public API: `run` returns a Promise, emits and log lines are awaited, a throw
// is the step's failure, timeouts, retries and interruption behave as for Effect steps, and the step's
// AbortSignal reaches `fetch` (a real loopback server sees the request aborted).

const run = <C>(connector: ConnectorType<C>) => Effect.runPromise(runConnector(connector))

const statuses = (steps: ReadonlyArray<StepOutcome>) => steps.map((outcome) => [outcome.id, outcome.status])

/** A server that answers `/fast` at once and holds `/slow` until the client goes away, noting each abort. */
const aborted: Array<string> = []
const arrived: Array<string> = []
const server = Bun.serve({
  port: 0,
  fetch: (request) => {
    const path = new URL(request.url).pathname
    arrived.push(path)
    if (path === "/fast") return Response.json(["web-01", "web-02"])
    return new Promise<Response>((resolve) => {
      request.signal.addEventListener("abort", () => {
        aborted.push(path)
        resolve(new Response("gone"))
      })
    })
  }
})
afterAll(() => server.stop(true))
const url = (path: string) => `http://127.0.0.1:${server.port}${path}`

describe("an async step", () => {
  test("emits by awaiting, and its emits are read by dependents as an Effect step's are", async () => {
    const connector = Connector.make({
      name: "async",
      steps: [
        step("hosts", "").run(async (ctx) => {
          const names = (await (await fetch(url("/fast"), { signal: ctx.signal })).json()) as Array<string>
          for (const name of names) {
            const record = await ctx.emitEntity(entity("host", name).class("Host"))
            expect(record.key).toBe(name)
          }
        }),
        step("services", "")
          .dependsOn("hosts")
          .run(async (ctx) => {
            for (const host of ctx.prior.entities("host")) {
              await ctx.emitEntity(entity("service", `${host.key}/ssh`).class("Service"))
              await ctx.emitRelationship(relationship("host", host.key, "RUNS", "service", `${host.key}/ssh`))
            }
          })
      ]
    })
    const output = await run(connector)
    expect(statuses(output.steps)).toEqual([
      ["hosts", "succeeded"],
      ["services", "succeeded"]
    ])
    expect(output.entities.map((record) => `${record.step}:${record.key}`)).toEqual([
      "hosts:web-01",
      "hosts:web-02",
      "services:web-01/ssh",
      "services:web-02/ssh"
    ])
    expect(output.relationships).toHaveLength(2)
  })

  test("a thrown error fails the step with its message; a rejected emit rejects with the typed error", async () => {
    let caught: unknown
    const connector = Connector.make({
      name: "throws",
      steps: [
        step("throws", "").run(async () => {
          throw new Error("the API said no")
        }),
        step("invalid", "").run(async (ctx) => {
          try {
            await ctx.emitEntity(entity("host", "h").class("Host").property("n", Number.NaN))
          } catch (error) {
            caught = error
            throw error
          }
        }),
        step("independent", "").run(async (ctx) => {
          await ctx.emitEntity(entity("host", "ok").class("Host"))
        })
      ]
    })
    const output = await run(connector)
    expect(statuses(output.steps)).toEqual([
      ["throws", "failed"],
      ["invalid", "failed"],
      ["independent", "succeeded"]
    ])
    expect(output.steps[0]?.error?._tag).toBe("ConnectorFailed")
    expect(output.steps[0]?.error?.message).toBe('step "throws" failed: Error: the API said no')
    expect(caught).toBeInstanceOf(ValidationFailed)
    expect(output.steps[1]?.error?._tag).toBe("ValidationFailed")
    expect(output.entities.map((record) => record.key)).toEqual(["ok"])
  })

  test("a thrown ConnectorError keeps its tag, so RateLimited is retried; the failed attempt's emits are discarded", async () => {
    let attempts = 0
    const connector = Connector.make({
      name: "retried",
      steps: [
        step("flaky", "")
          .retry(Schedule.recurs(2))
          .run(async (ctx) => {
            attempts++
            await ctx.emitEntity(entity("host", `attempt-${attempts}`).class("Host"))
            if (attempts === 1) throw new RateLimited({ service: "api", retryAfterMs: 1 })
          }),
        step("permanent", "")
          .retry(Schedule.recurs(2))
          .run(async () => {
            throw new ApiError({ service: "api", reason: "bad request", retryable: false })
          })
      ]
    })
    const output = await run(connector)
    expect(statuses(output.steps)).toEqual([
      ["flaky", "succeeded"],
      ["permanent", "failed"]
    ])
    expect(output.steps[0]?.attempts).toBe(2)
    expect(output.steps[1]).toMatchObject({ attempts: 1, error: { _tag: "ApiError" } })
    expect(output.entities.map((record) => record.key)).toEqual(["attempt-2"])
  })

  test("a timeout aborts its signal: fetch stops, and emits made after the timeout are refused", async () => {
    let late: unknown
    let signalled: boolean | undefined
    const connector = Connector.make({
      name: "slow",
      steps: [
        step("slow", "")
          .timeout("50 millis")
          .run(async (ctx) => {
            await ctx.emitEntity(entity("host", "before").class("Host"))
            try {
              await fetch(url("/slow-timeout"), { signal: ctx.signal })
            } catch {
              // The request was aborted; a careless step carries on emitting.
            }
            signalled = ctx.signal.aborted
            try {
              await ctx.emitEntity(entity("host", "after").class("Host"))
            } catch (error) {
              late = error
            }
          })
      ]
    })
    const output = await run(connector)
    expect(output.steps[0]).toMatchObject({ status: "timed_out", error: { _tag: "Timeout" } })
    expect(output.entities).toEqual([])
    for (let i = 0; i < 100 && late === undefined; i++) await Bun.sleep(10)
    expect(aborted).toContain("/slow-timeout")
    expect(signalled).toBe(true)
    expect(String(late)).toContain("was stopped")
  })

  test("interrupting the run aborts the signal of a step waiting on fetch", async () => {
    const connector = Connector.make({
      name: "interrupted",
      steps: [
        step("slow", "").run(async (ctx) => {
          await fetch(url("/slow-interrupt"), { signal: ctx.signal })
        })
      ]
    })
    const fiber = Effect.runFork(runConnector(connector))
    for (let i = 0; i < 200 && !arrived.includes("/slow-interrupt"); i++) await Bun.sleep(5)
    await Effect.runPromise(Fiber.interrupt(fiber))
    for (let i = 0; i < 200 && !aborted.includes("/slow-interrupt"); i++) await Bun.sleep(5)
    expect(aborted).toContain("/slow-interrupt")
  })

  test("an emit it never awaited fails the step, naming the mistake", async () => {
    const connector = Connector.make({
      name: "forgetful",
      steps: [
        step("forgets", "").run(async (ctx) => {
          ctx.emitEntity(entity("host", "h").class("Host"))
        })
      ]
    })
    const output = await run(connector)
    expect(output.steps[0]?.status).toBe("failed")
    expect(output.steps[0]?.error?.message).toContain("never awaited")
    expect(output.entities).toEqual([])
  })

  test("awaited log lines keep the step's logger and annotations", async () => {
    const lines: Array<string> = []
    const connector = Connector.make({
      name: "logs",
      steps: [
        step("talks", "").run(async (ctx) => {
          await ctx.log.info("listing hosts")
        })
      ]
    })
    const logger = Logger.replace(
      Logger.defaultLogger,
      Logger.make(({ message, annotations }) => {
        lines.push(`${String(message)} step=${String(Option.getOrUndefined(HashMap.get(annotations, "step")))}`)
      })
    )
    const output = await Effect.runPromise(runConnector(connector).pipe(Effect.provide(logger)))
    expect(output.steps[0]?.status).toBe("succeeded")
    expect(lines).toEqual(["listing hosts step=talks"])
  })

  test("an awaited log line is masked like an Effect step's: a secret of the config never reaches the logger", async () => {
    const lines: Array<string> = []
    const connector = Connector.make({
      name: "leaky",
      config: Schema.Struct({ token: Schema.Redacted(Schema.String) }),
      steps: (step) => [
        step("talks", "").run(async (ctx) => {
          await ctx.log.info(`calling the API with ${Redacted.value(ctx.config.token)}`)
        })
      ]
    })
    const logger = Logger.replace(
      Logger.defaultLogger,
      Logger.make(({ message }) => {
        lines.push(String(message))
      })
    )
    await Effect.runPromise(
      runConnector(connector, { config: { token: "hunter2-secret" } }).pipe(Effect.provide(logger))
    )
    expect(lines).toEqual(["calling the API with <redacted>"])
  })

  test("a run function that returns neither an Effect nor a Promise fails its step", async () => {
    const connector = Connector.make({
      name: "neither",
      // A JavaScript author's mistake that TypeScript would have caught.
      steps: [step("sync", "").run((() => undefined) as never)]
    })
    const output = await run(connector)
    expect(output.steps[0]?.error?.message).toContain("must return an Effect or a Promise")
  })
})
