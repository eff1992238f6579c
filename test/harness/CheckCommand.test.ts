import { afterEach, beforeEach, describe, expect, spyOn, test } from "bun:test"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
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
    expect(printed.join("\n")).not.toContain("declare nothing")
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
    expect(printed).toContain(
      "note: steps hosts, services declare nothing: their output is not checked against declarations"
    )
  }, 60_000)

  test("an unknown property is a usage error (exit 2)", async () => {
    const exit = await check({ connector: "synthetic", properties: ["idempotence"] })
    expect(Either.isLeft(exit) && exit.left.exitCode).toBe(2)
    expect(Either.isLeft(exit) && exit.left.message).toContain('unknown property "idempotence"')
  })

  test("--path without exactly one --property is a usage error (exit 2)", async () => {
    const none = await check({ connector: "synthetic", seed: 1, path: "0:1" })
    expect(Either.isLeft(none) && none.left.exitCode).toBe(2)
    expect(Either.isLeft(none) && none.left.message).toContain("exactly one --property")
    const two = await check({ connector: "synthetic", seed: 1, path: "0:1", properties: ["idempotency", "order"] })
    expect(Either.isLeft(two) && two.left.exitCode).toBe(2)
  })
})

describe("parallax check on connector modules that keep state between syncs (each case gets a fresh import)", () => {
  test("convergence catches an incremental sync (a cursor in a module variable)", async () => {
    const exit = await check({
      connector: "test/harness/fixtures/Cursor.ts",
      runs: 30,
      seed: 3,
      properties: ["convergence"]
    })
    expect(exit).toEqual(Either.right(1))
    expect(printed.join("\n")).toContain("✗ convergence (C09)")
  }, 60_000)

  test("convergence catches a cache that outlives a sync (a module-level memo)", async () => {
    const exit = await check({
      connector: "test/harness/fixtures/Cache.ts",
      runs: 30,
      seed: 3,
      properties: ["convergence"]
    })
    expect(exit).toEqual(Either.right(1))
    expect(printed.join("\n")).toContain("syncs the scope differs from a fresh sync of the last source state")
  }, 60_000)

  test("a module without such state still passes, with nothing left uncompared", async () => {
    const exit = await check({
      connector: "test/harness/fixtures/Scaffold.ts",
      runs: 10,
      seed: 3,
      properties: ["convergence"]
    })
    expect(exit).toEqual(Either.right(0))
    expect(printed.join("\n")).toContain("✓ convergence (C09): 10 cases")
    expect(printed.join("\n")).not.toContain("shared one connector instance")
  }, 60_000)
})

describe("parallax check takes the connector's config as `parallax sync` does", () => {
  const connector = "test/harness/fixtures/Configured.ts"
  const env = ["PARALLAX_CONFIGURED_ORG", "PARALLAX_CONFIGURED_TOKEN"] as const
  afterEach(() => {
    for (const name of env) delete process.env[name]
  })

  test("without config, a connector that needs some is bad config (exit 2)", async () => {
    const exit = await check({ connector, runs: 3, seed: 1 })
    expect(exit).toEqual(Either.right(2))
    expect(printed.join("\n")).toContain("invalid configuration")
  }, 60_000)

  test("from --set", async () => {
    const exit = await check({ connector, runs: 3, seed: 1, set: ["org=acme", "token=tok-123456"] })
    expect(exit).toEqual(Either.right(0))
    expect(printed.join("\n")).toContain("✓ idempotency (C08): 3 cases")
    expect(printed.join("\n")).not.toContain("declare nothing")
  }, 60_000)

  test("from PARALLAX_<CONNECTOR>_<KEY> variables", async () => {
    process.env.PARALLAX_CONFIGURED_ORG = "acme"
    process.env.PARALLAX_CONFIGURED_TOKEN = "tok-123456"
    expect(await check({ connector, runs: 3, seed: 1 })).toEqual(Either.right(0))
  }, 60_000)

  test("from a --config file, with --set winning", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parallax-check-config-"))
    try {
      const file = join(dir, "config.json")
      writeFileSync(file, JSON.stringify({ org: "acme", token: "short" }))
      const invalid = await check({ connector, runs: 3, seed: 1, config: file })
      expect(invalid).toEqual(Either.right(2))
      const valid = await check({ connector, runs: 3, seed: 1, config: file, set: ["token=tok-123456"] })
      expect(valid).toEqual(Either.right(0))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)

  test("a failure's replay repeats the config flags, with secret values masked", async () => {
    const set = ["org=acme", "token=tok-123456", "randomKeys=true"]
    const exit = await check({ connector, runs: 5, seed: 9, set, properties: ["idempotency"], json: true })
    expect(exit).toEqual(Either.right(1))
    const replay: string = JSON.parse(printed.join("\n")).properties[0].failure.replay
    expect(replay).toStartWith(
      `parallax check ${connector} --set org=acme --set 'token=<secret>' --set randomKeys=true`
    )
    expect(replay).toContain("--seed 9 --path")
    expect(printed.join("\n")).not.toContain("tok-123456")
  }, 60_000)

  test("merged over the harness setup's configFor (here making every generated source invalid)", async () => {
    const exit = await check({ connector: "test/harness/fixtures/Scaffold.ts", runs: 3, seed: 1, set: ["hosts=0"] })
    expect(exit).toEqual(Either.right(2))
  }, 60_000)
})
