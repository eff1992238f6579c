import { afterAll, beforeAll, describe, expect, spyOn, test } from "bun:test"
import { BunContext } from "@effect/platform-bun"
import { Effect, Either } from "effect"
import type { HarnessReport } from "parallax-connect/harness"
import { builtinConnectors, builtinHarness } from "../../connectors/index.ts"
import { runCheck } from "../../src/cli/commands/Check.ts"

// CI runs `parallax check <name> --seed 20261123 --runs 25 --json` (the command's handler, as the binary
// runs it) on every built-in connector, and every built-in connector must have a harness setup, so that
// the check generates its source states. A failure prints the report with the command that replays it.

const SEED = 20261123
const RUNS = 25

let printed: Array<string> = []
let spy: ReturnType<typeof spyOn> | undefined
beforeAll(() => {
  spy = spyOn(console, "log").mockImplementation((...parts: Array<unknown>) => {
    printed.push(parts.map(String).join(" "))
  })
})
afterAll(() => spy?.mockRestore())

const check = (connector: string) => {
  printed = []
  return Effect.runPromise(
    runCheck({ connector, runs: RUNS, seed: SEED, path: undefined, properties: [], json: true }).pipe(
      Effect.either,
      Effect.provide(BunContext.layer)
    )
  )
}

describe("parallax check on the built-in connectors", () => {
  test("every built-in connector has a harness setup", () => {
    const missing = builtinConnectors.map((connector) => connector.name).filter((name) => !builtinHarness[name])
    expect(missing).toEqual([])
  })

  for (const connector of builtinConnectors) {
    test(`parallax check ${connector.name} --seed ${SEED} --runs ${RUNS}: exit 0`, async () => {
      const exit = await check(connector.name)
      const report = JSON.parse(printed.join("\n")) as HarnessReport
      const failed = report.properties.filter((property) => property.status === "failed")
      expect(
        failed.map((property) => `${property.property}:\n${property.failure?.message}\n${property.failure?.replay}`)
      ).toEqual([])
      expect(exit).toEqual(Either.right(0))
      expect(report.runs).toBe(RUNS)
      const statuses = Object.fromEntries(report.properties.map((property) => [property.property, property.status]))
      // Generated sources: everything but secrets (only with Redacted config) runs, on every case.
      for (const name of ["idempotency", "scoping", "fault-isolation", "atomicity", "convergence", "order"]) {
        expect(`${name}: ${statuses[name]}`).toBe(`${name}: passed`)
      }
      const compared = report.properties.filter(
        (property) => property.status === "passed" && (property.compared ?? property.runs) < RUNS / 2
      )
      expect(compared.map((property) => `${property.property}: ${property.note}`)).toEqual([])
    }, 120_000)
  }
})
