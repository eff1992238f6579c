import { test } from "bun:test"
import { assertHolds, verifyConnector } from "parallax-connect/harness"
import synthetic, { harness } from "../../../connectors/synthetic/index.ts"

test("synthetic keeps the harness's invariants on generated sources", async () => {
  assertHolds(await verifyConnector(synthetic, { ...harness, runs: 10, seed: 1 }))
}, 120_000)
