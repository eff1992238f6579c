import { describe, expect, test } from "bun:test"
import { Schema } from "effect"
import { Connector, entity, step } from "parallax-connect"
import { assertHolds, type HarnessReport, type PropertyName, verifyConnector } from "parallax-connect/harness"
import * as Inventory from "./support/Inventory.ts"
import { type ModelBugs, modelBackend } from "./support/ModelBackend.ts"

// Every property is shown to hold on a correct connector and to fail on one broken the way it guards
// against: connectors that misbehave (random keys, hidden dependencies, leaked tokens), and stores with
// the bugs the SDK must not have (scoped deletes, deleting failed steps' rows, non-atomic commits).

const RUNS = 30
const SEED = 20261123

const check = (
  connector: typeof Inventory.inventory,
  property: PropertyName,
  bugs: ModelBugs = {}
): Promise<HarnessReport> =>
  verifyConnector(connector, {
    ...Inventory.sourceOptions,
    backend: modelBackend(bugs),
    properties: [property],
    runs: RUNS,
    seed: SEED
  })

const statusOf = (report: HarnessReport) => report.properties.map((property) => property.status)

const expectCaught = (report: HarnessReport, summary: string) => {
  expect(statusOf(report)).toEqual(["failed"])
  const failure = report.properties[0]?.failure
  expect(failure?.message).toContain(summary)
  expect(failure?.replay).toContain(`seed: ${SEED}, path: "${failure?.path}"`)
  expect(() => assertHolds(report)).toThrow(summary)
}

describe("a correct connector", () => {
  test("keeps every invariant", async () => {
    const report = await verifyConnector(Inventory.inventory, {
      ...Inventory.sourceOptions,
      backend: modelBackend(),
      runs: RUNS,
      seed: SEED
    })
    assertHolds(report)
    expect(statusOf(report)).toEqual(Array.from({ length: 8 }, () => "passed"))
  }, 60_000)
})

describe("idempotency (C08) catches", () => {
  test("random keys", async () => {
    expectCaught(await check(Inventory.randomKeys, "idempotency"), "syncing the same source a second time changed")
  }, 60_000)
  test("property values that change on every sync", async () => {
    expectCaught(await check(Inventory.unstableValues, "idempotency"), "changed the store")
  }, 60_000)
  test("a store that rewrites unchanged rows", async () => {
    expectCaught(
      await check(Inventory.inventory, "idempotency", { rewriteUnchanged: true }),
      "syncing the same source a second time changed the store"
    )
  }, 60_000)
})

describe("scoping (C02) catches", () => {
  test("a store that deletes across scopes (other scopes lose rows with the same ids)", async () => {
    const report = await check(Inventory.inventory, "scoping", { scopeByConnectorOnly: true })
    expectCaught(report, "rows of other scopes were changed")
    const foreign = report.properties[0]?.failure?.counterexample.find((part) => part.label.startsWith("foreign"))
    expect(foreign?.value).toContain("inventory")
  }, 60_000)
})

describe("fault isolation (C06, C07) catches", () => {
  test("a store that deletes the rows of failed steps", async () => {
    expectCaught(await check(Inventory.inventory, "fault-isolation", { deleteFailedSteps: true }), "(C07)")
  }, 60_000)
  test("a step that depends on another without declaring it", async () => {
    expectCaught(await check(Inventory.hiddenDependency, "fault-isolation"), "(C06)")
  }, 60_000)
  test("relationships to another step's entities without depending on it (on SQLite)", async () => {
    const report = await verifyConnector(Inventory.undeclaredEndpoints, {
      ...Inventory.sourceOptions,
      properties: ["fault-isolation"],
      runs: RUNS,
      seed: SEED
    })
    expectCaught(report, "declare the dependency")
  }, 60_000)
})

describe("selection (C07) catches", () => {
  test("a store that keeps the rows of failed, timed-out and skipped steps only (disabled and unselected ones lose theirs)", async () => {
    expectCaught(
      await check(Inventory.inventory, "selection", { deleteLeftOutSteps: true }),
      "rows owned by steps disabled or not selected were not kept as they were (C07)"
    )
  }, 60_000)
  test("a store that deletes the rows of every step that did not succeed", async () => {
    expectCaught(await check(Inventory.inventory, "selection", { deleteFailedSteps: true }), "(C07)")
  }, 60_000)
  test("the same broken store passes fault-isolation: only selection sees steps left out on purpose", async () => {
    assertHolds(await check(Inventory.inventory, "fault-isolation", { deleteLeftOutSteps: true }))
  }, 60_000)
})

describe("atomicity (C01) catches", () => {
  test("a commit applied write by write", async () => {
    expectCaught(await check(Inventory.inventory, "atomicity", { nonAtomic: true }), "left part of the change set")
  }, 60_000)
})

describe("convergence (C09) catches", () => {
  test("a store that never deletes", async () => {
    expectCaught(await check(Inventory.inventory, "convergence", { noDeletes: true }), "differs from a fresh sync")
  }, 60_000)
})

describe("order independence (C10) catches", () => {
  test("steps sharing state without a declared dependency", async () => {
    expectCaught(await check(Inventory.hiddenDependency, "order"), "another step interleaving")
  }, 60_000)
})

describe("secrets (C12) catches", () => {
  test("a token stored as a property", async () => {
    expectCaught(await check(Inventory.tokenInRows, "secrets"), "in stored rows")
  }, 60_000)
})

// The SDK masks every secret of the config in what leaves a step (its error, its log lines) before
// anyone sees it: the harness, looking for every form of the token everywhere, finds none.
describe("secrets (C12) holds, masked by the SDK, for", () => {
  test("a token quoted in a step's error", async () => {
    assertHolds(await check(Inventory.tokenInErrors, "secrets"))
  }, 60_000)
  test("a token written to the logs", async () => {
    assertHolds(await check(Inventory.tokenInLogs, "secrets"))
  }, 60_000)
})

// Found by the harness: `Connector.decodeConfig` quoted the rejected value of a Redacted field in
// `ConfigInvalid` ("Expected a string at least 8 character(s) long, actual \"...\""). Fixed in the SDK;
// this keeps it fixed.
test("secrets holds for a connector whose token is validated (a rejected token is not echoed by ConfigInvalid)", async () => {
  assertHolds(
    await verifyConnector(Inventory.validatedToken, {
      ...Inventory.sourceOptions,
      backend: modelBackend(),
      properties: ["secrets"],
      runs: RUNS,
      seed: SEED
    })
  )
}, 60_000)

// Found by the harness after that fix: an optional list or struct holding Redacted values that fail
// validation is still quoted whole by the optional field's "Expected undefined, actual [...]" issue
// (`holdsSecret` does not look inside arrays and structs). Flip to `test` once fixed.
const secretList = Connector.make({
  name: "secret-list",
  config: Schema.Struct({
    keys: Schema.optional(Schema.Array(Schema.Redacted(Schema.String.pipe(Schema.minLength(8))))),
    vault: Schema.optional(Schema.Struct({ token: Schema.Redacted(Schema.NonEmptyTrimmedString) }))
  }),
  steps: [step("hosts", "Collect hosts").run((ctx) => ctx.emitEntity(entity("host", "a").class("Host")))]
})

test("secrets holds for optional lists and structs of Redacted values (regression: they were quoted)", async () => {
  assertHolds(
    await verifyConnector(secretList, {
      config: { keys: ["key-one-1234", "key-two-1234"], vault: { token: "vault-token" } },
      backend: modelBackend(),
      properties: ["secrets"],
      runs: RUNS,
      seed: SEED
    })
  )
}, 60_000)
