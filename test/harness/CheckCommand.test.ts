import { afterEach, beforeEach, describe, expect, spyOn, test } from "bun:test"
import { BunContext } from "@effect/platform-bun"
import { Effect, Either } from "effect"
import { runCheck } from "../../src/cli/commands/Check.ts"

const check = (args: Partial<Parameters<typeof runCheck>[0]> & { connector: string }) =>
  Effect.runPromise(
    runCheck({ runs: undefined, seed: undefined, path: undefined, properties: [], json: false, ...args }).pipe(
      Effect.either,
      Effect.provide(BunContext.layer)
    )
  )

let printed: Array<string> = []
let spy: ReturnType<typeof spyOn> | undefined
beforeEach(() => {
  printed = []
  spy = spyOn(console, "log").mockImplementation((...parts: Array<unknown>) => {
    printed.push(parts.map(String).join(" "))
  })
})
afterEach(() => spy?.mockRestore())

describe("parallax check", () => {
  test("exits 0 when every property holds on a built-in connector", async () => {
    const exit = await check({ connector: "synthetic", runs: 3, seed: 1 })
    expect(exit).toEqual(Either.right(0))
    expect(printed.join("\n")).toContain("✓ idempotency (C08): 3 cases")
  }, 60_000)

  test("exits 1 on a module with random keys and prints the command that replays the shrunk case", async () => {
    const reference = "test/harness/fixtures/RandomKeys.ts"
    const exit = await check({ connector: reference, runs: 10, seed: 5, properties: ["idempotency"], json: true })
    expect(exit).toEqual(Either.right(1))
    const report = JSON.parse(printed.join("\n"))
    expect(report.ok).toBe(false)
    const failure = report.properties[0].failure
    expect(failure.replay).toBe(`parallax check ${reference} --seed 5 --path "${failure.path}" --property idempotency`)
    const replay = await check({ connector: reference, seed: 5, path: failure.path, properties: ["idempotency"] })
    expect(replay).toEqual(Either.right(1))
  }, 60_000)

  test("uses a module's `harness` export, so every property runs", async () => {
    const exit = await check({ connector: "test/harness/fixtures/Scaffold.ts", runs: 5, seed: 2 })
    expect(exit).toEqual(Either.right(0))
    expect(printed.join("\n")).toContain("✓ convergence (C09): 5 cases")
  }, 60_000)

  test("an unknown property is a usage error (exit 2)", async () => {
    const exit = await check({ connector: "synthetic", properties: ["idempotence"] })
    expect(Either.isLeft(exit) && exit.left.exitCode).toBe(2)
    expect(Either.isLeft(exit) && exit.left.message).toContain('unknown property "idempotence"')
  })
})
