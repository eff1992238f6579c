import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import { Connector, DanglingEndpoint, entity, ReferentialIntegrity, relationship, step } from "parallax-connect"
import { assertHolds, verifyConnector } from "parallax-connect/harness"
import { integrityHint } from "../../harness/internal/Integrity.ts"
import ToAccount, { harness as toAccountSetup } from "./fixtures/ToAccount.ts"

// Relationships into another account (`.toAccount(...)`) need their target there when the sync commits;
// in production another connector syncs it. The harness learns the targets a connector emits and seeds
// them into every trial store, so a correct connector of this kind keeps every invariant.

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

const rejected = (offenders: ReadonlyArray<DanglingEndpoint>) =>
  ({
    _tag: "Aborted",
    error: new ReferentialIntegrity({ connector: "c", account: "primary", total: offenders.length, offenders }),
    message: "ReferentialIntegrity: ..."
  }) as const

describe("the hint for a batch rejected by referential integrity (C04) matches its cause", () => {
  const crossAccount = new DanglingEndpoint({
    subject: "relationship iam_role/admin -TRUSTS-> aws_account/1 (account 1)",
    step: "roles",
    missing: "to"
  })
  const local = new DanglingEndpoint({ subject: "relationship user/a -OWNS-> host/web", step: "owners", missing: "to" })

  test("a missing `.toAccount` target", () => {
    const hint = integrityHint(rejected([crossAccount]), true).join(" ")
    expect(hint).toContain("`.toAccount(...)` target")
    expect(hint).not.toContain("dependsOn")
  })
  test("a dependency not declared, when step faults were injected", () => {
    const hint = integrityHint(rejected([local]), true).join(" ")
    expect(hint).toContain("declare the dependency (dependsOn)")
    expect(hint).not.toContain("toAccount")
  })
  test("an endpoint that no step emits, when no fault was injected", () => {
    const hint = integrityHint(rejected([local]), false).join(" ")
    expect(hint).toContain("no step of this sync emits")
    expect(hint).not.toContain("dependsOn")
  })
  test("no hint for other failures", () => {
    expect(integrityHint({ _tag: "Aborted", error: new Error("disk full"), message: "disk full" }, true)).toEqual([])
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
  expect(message).toContain("ReferentialIntegrity")
  expect(message).toContain("emit the endpoint too")
  expect(message).not.toContain("without depending on it")
}, 60_000)
