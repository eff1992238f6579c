import { describe, expect, test } from "bun:test"
import { Effect, Schema } from "effect"
import { Connector, entity, relationship, step } from "parallax-connect"
import { formatReport, verifyConnector } from "parallax-connect/harness"
import * as Inventory from "./support/Inventory.ts"
import { modelBackend } from "./support/ModelBackend.ts"

// A connector with a fixed source (no generated states), like one pointed at a live API.
const fixed = Connector.make({
  name: "fixed",
  config: Schema.Struct({ token: Schema.Redacted(Schema.String) }),
  steps: [
    step("hosts", "Collect hosts").run((ctx) =>
      ctx.emitEntity(entity("host", "web-01").class("Host").displayName("Web 01").property("state", "running"))
    ),
    step("services", "Collect services")
      .dependsOn("hosts")
      .run((ctx) =>
        Effect.gen(function* () {
          yield* ctx.emitEntity(entity("service", "nginx").class("Service"))
          yield* ctx.emitRelationship(relationship("host", "web-01", "RUNS", "service", "nginx"))
        })
      )
  ]
})

const noSecrets = Connector.make({
  name: "no-secrets",
  steps: [step("hosts", "Collect hosts").run((ctx) => ctx.emitEntity(entity("host", "a").class("Host")))]
})

describe("verifyConnector", () => {
  test("without generated sources, runs what it can and says why convergence cannot run", async () => {
    const report = await verifyConnector(fixed, { config: { token: "abc-123-xyz" }, backend: modelBackend(), runs: 10 })
    expect(report.ok).toBe(true)
    const byName = Object.fromEntries(report.properties.map((property) => [property.property, property]))
    expect(byName.convergence?.status).toBe("not-run")
    expect(byName.convergence?.reason).toContain("sources")
    for (const name of ["idempotency", "scoping", "fault-isolation", "atomicity", "order", "secrets"]) {
      expect(byName[name]?.status).toBe("passed")
    }
    expect(formatReport(report)).toContain("- convergence (C09): not run: needs generated source states")
  }, 60_000)

  test("says that secrets cannot leak when the config has no Redacted field", async () => {
    const report = await verifyConnector(noSecrets, { backend: modelBackend(), runs: 5, properties: ["secrets"] })
    expect(report.properties[0]?.status).toBe("not-run")
    expect(report.properties[0]?.reason).toContain("no Redacted fields")
  }, 60_000)

  test("reports a configuration that does not decode instead of checking nothing", async () => {
    const report = await verifyConnector(fixed, { backend: modelBackend(), runs: 5 })
    expect(report.ok).toBe(false)
    expect(report.error).toContain("invalid configuration")
    expect(report.properties.every((property) => property.status === "not-run")).toBe(true)
  }, 60_000)

  test("a failure's seed and path replay the same shrunk counterexample", async () => {
    const options = { ...Inventory.sourceOptions, backend: modelBackend(), properties: ["idempotency" as const] }
    const first = await verifyConnector(Inventory.randomKeys, { ...options, runs: 30, seed: 7 })
    const failure = first.properties[0]?.failure
    expect(failure).toBeDefined()
    // From the library, the replay is the library call (a test connector has no `parallax check` name).
    expect(failure?.replay).toBe(
      `verifyConnector(connector, { ...options, seed: ${failure?.seed}, path: "${failure?.path}", properties: ["idempotency"] })`
    )
    const replayed = await verifyConnector(Inventory.randomKeys, {
      ...options,
      seed: failure?.seed ?? 0,
      path: failure?.path ?? ""
    })
    expect(replayed.properties[0]?.status).toBe("failed")
    expect(replayed.properties[0]?.failure?.counterexample).toEqual(failure?.counterexample ?? [])
  }, 60_000)

  test("the report is plain data (what `parallax check --json` prints)", async () => {
    const report = await verifyConnector(Inventory.tokenInRows, {
      ...Inventory.sourceOptions,
      backend: modelBackend(),
      properties: ["secrets", "idempotency"],
      runs: 10,
      seed: 3
    })
    const json = JSON.parse(JSON.stringify(report))
    expect(json.ok).toBe(false)
    expect(json.properties.map((property: { status: string }) => property.status)).toEqual(["passed", "failed"])
    expect(JSON.stringify(report)).not.toContain(Inventory.config.token)
  }, 60_000)
})
