import { describe, expect, test } from "bun:test"
import { assertHolds, verifyConnector } from "parallax-connect/harness"
import { builtinConnectors, builtinHarness } from "../../connectors/index.ts"

// CI runs the harness on every built-in connector that has a harness setup, with a fixed seed, like
// `parallax check <name> --seed 20261123 --runs 15`. A failure prints the replay command.

const SEED = 20261123
const RUNS = 15

describe("the harness on the built-in connectors", () => {
  for (const connector of builtinConnectors) {
    const setup = builtinHarness[connector.name]
    if (setup === undefined) continue
    test(`${connector.name} keeps every invariant`, async () => {
      const report = await verifyConnector(connector, { ...setup, runs: RUNS, seed: SEED })
      assertHolds(report)
      expect(report.properties.filter((property) => property.status === "passed").length).toBeGreaterThanOrEqual(6)
    }, 120_000)
  }
})
