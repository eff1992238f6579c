import { describe, expect, test } from "bun:test"
import { type HarnessReport, verifyConnector } from "parallax-connect/harness"
import * as Cache from "./fixtures/Cache.ts"
import * as Cursor from "./fixtures/Cursor.ts"
import * as Inventory from "./support/Inventory.ts"
import { modelBackend } from "./support/ModelBackend.ts"

// State a connector module keeps between syncs (a cursor, a memo of the API's answers) is shared by
// every sync in one process, so a fresh-store reference sync on the same instance starts from filled
// state and the mistake cancels out. With `load`, convergence syncs its sequence and its reference on
// two fresh instances of the module (imported anew under a query), and the mistake shows.

const SEED = 20261123
const RUNS = 30

let instances = 0
/** Imports a fixture module anew: a fresh instance with empty module state. */
const freshModule = async (file: string) => await import(`${import.meta.dir}/fixtures/${file}?instance=${++instances}`)

const statuses = (report: HarnessReport) => report.properties.map((property) => property.status)

describe("convergence (C09) with fresh module instances catches", () => {
  test("an incremental sync (a cursor in a module variable)", async () => {
    const report = await verifyConnector(Cursor.default, {
      ...Cursor.harness,
      load: async () => (await freshModule("Cursor.ts")).default as typeof Cursor.default,
      backend: modelBackend(),
      properties: ["convergence"],
      runs: RUNS,
      seed: SEED
    })
    expect(statuses(report)).toEqual(["failed"])
    expect(report.properties[0]?.failure?.message).toContain("differs from a fresh sync of the last source state")
    expect(report.properties[0]?.failure?.message).toContain("module state")
  }, 60_000)

  test("a cache that outlives a sync (a module-level memo)", async () => {
    const report = await verifyConnector(Cache.default, {
      ...Cache.harness,
      load: async () => (await freshModule("Cache.ts")).default as typeof Cache.default,
      properties: ["convergence"],
      runs: RUNS,
      seed: SEED
    })
    expect(statuses(report)).toEqual(["failed"])
    expect(report.properties[0]?.failure?.message).toContain("differs from a fresh sync of the last source state")
  }, 60_000)
})

describe("convergence with fresh instances", () => {
  test("holds on a correct connector", async () => {
    const report = await verifyConnector(Inventory.inventory, {
      ...Inventory.sourceOptions,
      load: () => Inventory.inventory,
      properties: ["convergence"],
      runs: RUNS,
      seed: SEED
    })
    expect(statuses(report)).toEqual(["passed"])
    expect(report.properties[0]?.note).toBeUndefined()
  }, 60_000)

  test("refuses a `load` that gives another connector", async () => {
    const report = await verifyConnector(Inventory.inventory, {
      ...Inventory.sourceOptions,
      load: () => ({ ...Inventory.inventory, name: "another" }),
      backend: modelBackend(),
      properties: ["convergence"],
      runs: 5,
      seed: SEED
    })
    expect(statuses(report)).toEqual(["failed"])
    expect(report.properties[0]?.failure?.message).toContain("not a fresh instance")
  }, 60_000)

  test("without `load`, says that module state was not compared", async () => {
    const report = await verifyConnector(Inventory.inventory, {
      ...Inventory.sourceOptions,
      backend: modelBackend(),
      properties: ["convergence"],
      runs: 5,
      seed: SEED
    })
    expect(statuses(report)).toEqual(["passed"])
    expect(report.properties[0]?.note).toContain("shared one connector instance")
  }, 60_000)
})
