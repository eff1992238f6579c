import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import {
  Connector,
  ConnectorFailed,
  entity,
  MissingEndpoint,
  MissingEndpoints,
  relationship,
  type StepOutcome,
  step
} from "parallax-connect"
import { assertHolds, verifyConnector } from "parallax-connect/harness"
import { integrityHint } from "../../harness/internal/Integrity.ts"
import ToAccount, { harness as toAccountSetup } from "./fixtures/ToAccount.ts"

// Relationships into another account (`.toAccount(...)`) may point at a target that is not there yet (C04);
// the harness also learns the targets a connector emits and seeds them into every trial store, so that
// the edges show in the reads it compares. A correct connector of this kind keeps every invariant.

const SEED = 20261123

describe("a connector with `.toAccount` relationships", () => {
  test("keeps every invariant on SQLite (the targets are seeded)", async () => {
    const report = await verifyConnector(ToAccount, { ...toAccountSetup, runs: 20, seed: SEED })
    assertHolds(report)
    expect(report.properties.filter((property) => property.status === "passed").length).toBe(7)
  }, 60_000)

  test("with a fixed source too", async () => {
    const report = await verifyConnector(ToAccount, {
      config: { roles: ["admin"], trusted: "111111111111" },
      runs: 10,
      seed: SEED
    })
    assertHolds(report)
  }, 60_000)
})

const missing = (subject: string): StepOutcome => ({
  id: "owners",
  status: "failed",
  entities: 0,
  relationships: 0,
  duplicates: 0,
  attempts: 1,
  durationMs: 1,
  error: new MissingEndpoints({
    step: "owners",
    total: 1,
    offenders: [new MissingEndpoint({ subject, missing: "to" })]
  })
})

describe("the hint for a step that failed for referential integrity (C04) matches its cause", () => {
  const local = missing("relationship user/a -OWNS-> host/web")

  test("a dependency not declared, when step faults were injected", () => {
    const hint = integrityHint([local], true).join(" ")
    expect(hint).toContain("declare the dependency (dependsOn)")
  })
  test("an endpoint that no step emits, when no fault was injected", () => {
    const hint = integrityHint([local], false).join(" ")
    expect(hint).toContain("no step of this sync emits")
    expect(hint).not.toContain("dependsOn")
  })
  test("no hint for other failures", () => {
    expect(integrityHint([{ ...local, error: new ConnectorFailed({ reason: "disk full" }) }], true)).toEqual([])
  })
})

test("a relationship to an entity nobody emits is reported as such, not as a missing dependency", async () => {
  const dangling = Connector.make({
    name: "dangling",
    steps: [
      step("owners", "Collect owners").run((ctx) =>
        Effect.zipRight(
          ctx.emitEntity(entity("user", "alice").class("User")),
          ctx.emitRelationship(relationship("user", "alice", "OWNS", "host", "web"))
        )
      )
    ]
  })
  const report = await verifyConnector(dangling, { properties: ["idempotency"], runs: 3, seed: SEED })
  const message = report.properties[0]?.failure?.message ?? ""
  expect(message).toContain("host/web: to endpoint not found")
  expect(message).toContain("emit the endpoint too")
  expect(message).not.toContain("without depending on it")
}, 60_000)
