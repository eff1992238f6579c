import { describe, expect, test } from "bun:test"
import { assertHolds, type PropertyName, sqliteBackend, storeBackend, verifyConnector } from "parallax-connect/harness"
import { MemoryStore, type Mutant, SqliteStore } from "parallax-connect/runtime"
import * as Generic from "./support/Generic.ts"
import * as Inventory from "./support/Inventory.ts"

// The harness against the real embedded store: correct connectors keep every invariant, and each of the
// store's deliberate bugs (its `mutant` option) is caught by the property that guards the invariant.

const SEED = 424242

describe("on the SQLite store", () => {
  test("a correct connector keeps every invariant", async () => {
    assertHolds(await verifyConnector(Inventory.inventory, { ...Inventory.sourceOptions, runs: 20, seed: SEED }))
  }, 60_000)

  test("a connector emitting awkward data (unicode keys, -0, arrays, several steps) keeps every invariant", async () => {
    const report = await verifyConnector(Generic.generic, { ...Generic.genericOptions, runs: 20, seed: SEED })
    assertHolds(report)
    expect(report.properties.find((property) => property.property === "secrets")?.status).toBe("not-run")
  }, 60_000)

  const mutated = (mutant: Mutant, driver: "sqlite" | "memory") =>
    storeBackend(`${driver} (${mutant})`, ({ path, testing }) =>
      driver === "sqlite"
        ? SqliteStore.layerWith({ path, testing: { ...testing, mutant } })
        : MemoryStore.layerWith({ testing: { ...testing, mutant } })
    )

  const cases: ReadonlyArray<readonly [Mutant, PropertyName]> = [
    ["rewrite-unchanged", "idempotency"],
    ["cross-scope-delete", "scoping"],
    // Needs a prior sync from another source state: only then does the sync under test update rows.
    ["cross-scope-update", "scoping"],
    ["delete-failed-steps", "fault-isolation"],
    ["non-atomic", "atomicity"],
    ["no-deletes", "convergence"]
  ]
  for (const [mutant, property] of cases) {
    for (const driver of ["sqlite", "memory"] as const) {
      test(`${property} catches the store mutant "${mutant}" (${driver} driver)`, async () => {
        const report = await verifyConnector(Inventory.inventory, {
          ...Inventory.sourceOptions,
          backend: mutated(mutant, driver),
          properties: [property],
          runs: 40,
          seed: SEED
        })
        expect(report.properties.map((p) => p.status)).toEqual(["failed"])
        if (mutant === "cross-scope-update") {
          expect(report.properties[0]?.failure?.message).toContain("rows of other scopes were changed")
          expect(report.properties[0]?.failure?.message).toContain("~ changed")
        }
      }, 60_000)
    }
  }

  test("the default backend is SQLite", () => {
    expect(sqliteBackend.name).toBe("sqlite")
  })
})
