import { test } from "bun:test"
import { assertHolds, verifyConnector } from "parallax-connect/harness"
import github, { harness } from "../../../connectors/github/index.ts"

test("github keeps the harness's invariants on generated sources", async () => {
  assertHolds(await verifyConnector(github, { ...harness, runs: 10, seed: 1 }))
}, 120_000)
