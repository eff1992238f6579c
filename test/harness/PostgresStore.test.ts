import { describe, expect, test } from "bun:test"
import { assertHolds, type PropertyName, postgresBackend, verifyConnector } from "parallax-connect/harness"
import type { Mutant } from "parallax-connect/runtime"
import { testPostgresUrl } from "../store/support/Postgres.ts"
import * as Inventory from "./support/Inventory.ts"

// The harness against PostgreSQL (each trial in a fresh schema): a correct connector keeps every invariant,
// and each of the driver's deliberate bugs is caught by the property that guards the invariant, as on SQLite.

const SEED = 424242

describe.skipIf(testPostgresUrl === undefined)("on the PostgreSQL store", () => {
  const url = testPostgresUrl as string

  test("a correct connector keeps every invariant", async () => {
    assertHolds(
      await verifyConnector(Inventory.inventory, {
        ...Inventory.sourceOptions,
        backend: postgresBackend(url),
        runs: 8,
        seed: SEED
      })
    )
  }, 300_000)

  const cases: ReadonlyArray<readonly [Mutant, PropertyName]> = [
    ["rewrite-unchanged", "idempotency"],
    ["cross-scope-delete", "scoping"],
    ["cross-scope-update", "scoping"],
    ["delete-failed-steps", "fault-isolation"],
    ["non-atomic", "atomicity"],
    ["no-deletes", "convergence"]
  ]
  for (const [mutant, property] of cases) {
    test(`${property} catches the store mutant "${mutant}"`, async () => {
      const report = await verifyConnector(Inventory.inventory, {
        ...Inventory.sourceOptions,
        backend: postgresBackend(url, { mutant }),
        properties: [property],
        runs: 40,
        seed: SEED
      })
      expect(report.properties.map((p) => p.status)).toEqual(["failed"])
    }, 300_000)
  }
})
