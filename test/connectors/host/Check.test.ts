import { test } from "bun:test"
import { assertHolds, verifyConnector } from "parallax-connect/harness"
import host, { harness } from "../../../connectors/host/index.ts"

test("host keeps the harness's invariants on generated sources", async () => {
  assertHolds(await verifyConnector(host, { ...harness, runs: 10, seed: 1 }))
}, 120_000)

test("host keeps the harness's invariants on this machine", async () => {
  assertHolds(await verifyConnector(host, { config: { root: "/" }, runs: 3, seed: 1 }))
}, 120_000)
