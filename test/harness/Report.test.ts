import { describe, expect, test } from "bun:test"
import { Effect, Schema } from "effect"
import fc from "fast-check"
import { ApiError, Connector, entity, step } from "parallax-connect"
import { formatReport, type HarnessReport, verifyConnector } from "parallax-connect/harness"
import * as Inventory from "./support/Inventory.ts"
import { modelBackend } from "./support/ModelBackend.ts"

// A property that had nothing to check is not a pass: the report says how many cases were compared, or
// that it did not run. And the printed text says what happened, not a guess.

const SEED = 20261123

const byName = (report: HarnessReport) =>
  Object.fromEntries(report.properties.map((property) => [property.property, property]))

/** Hosts from a fixed config: no generated source states. */
const fixed = Connector.make({
  name: "fixed",
  steps: [
    step("hosts", "Collect hosts").run((ctx) =>
      Effect.forEach(["web", "db"], (key) => ctx.emitEntity(entity("host", key).class("Host")), { discard: true })
    )
  ]
})

/** A connector whose step emits nothing at all. */
const silent = Connector.make({ name: "silent", steps: [step("hosts", "Collect nothing").run(() => Effect.void)] })

/** A step that fails whenever the (generated) source number is odd. */
const sometimesFailing = Connector.make({
  name: "sometimes",
  config: Schema.Struct({ n: Schema.Number }),
  steps: (step) => [
    step("hosts", "Collect hosts").run((ctx) => ctx.emitEntity(entity("host", "web").class("Host"))),
    step("users", "Collect users").run((ctx) =>
      ctx.config.n % 2 === 1
        ? new ApiError({ service: "users", reason: "unavailable", retryable: false })
        : ctx.emitEntity(entity("user", `u${ctx.config.n}`).class("User"))
    )
  ]
})

describe("atomicity (C01) without generated sources", () => {
  test("interrupts a commit with a real change set (the first sync is empty, or the second)", async () => {
    const report = await verifyConnector(fixed, {
      backend: modelBackend({ nonAtomic: true }),
      properties: ["atomicity"],
      runs: 20,
      seed: SEED
    })
    expect(report.properties[0]?.status).toBe("failed")
    expect(report.properties[0]?.failure?.message).toContain("left part of the change set")
  }, 60_000)

  test("holds on a correct store", async () => {
    const report = await verifyConnector(fixed, { properties: ["atomicity"], runs: 20, seed: SEED })
    expect(report.properties[0]?.status).toBe("passed")
    expect(report.properties[0]?.compared).toBeUndefined()
  }, 60_000)

  test("does not run when no commit has anything to change", async () => {
    const report = await verifyConnector(silent, { properties: ["atomicity"], runs: 10, seed: SEED })
    expect(report.properties[0]?.status).toBe("not-run")
    expect(report.properties[0]?.compared).toBe(0)
    expect(report.properties[0]?.reason).toContain("10 of 10 case(s) skipped")
    expect(report.properties[0]?.reason).toContain("empty change set")
    expect(report.ok).toBe(true)
  }, 60_000)
})

describe("convergence (C09) with syncs that do not succeed", () => {
  const options = {
    sources: fc.nat(5),
    configFor: (n: number) => ({ n }),
    backend: modelBackend(),
    properties: ["convergence" as const],
    runs: 30,
    seed: SEED
  }

  test("says how many cases were compared", async () => {
    const report = await verifyConnector(sometimesFailing, options)
    const convergence = byName(report).convergence
    expect(convergence?.status).toBe("passed")
    expect(convergence?.compared).toBeGreaterThan(0)
    expect(convergence?.compared).toBeLessThan(30)
    expect(convergence?.note).toContain("did not succeed")
    expect(formatReport(report)).toContain(`✓ convergence (C09): ${convergence?.compared} of 30 cases compared`)
  }, 60_000)

  test("does not run when no case had only successful syncs", async () => {
    const report = await verifyConnector(sometimesFailing, {
      ...options,
      sources: fc.nat(5).map((n) => 2 * n + 1)
    })
    const convergence = byName(report).convergence
    expect(convergence?.status).toBe("not-run")
    expect(convergence?.reason).toContain("30 of 30 case(s) skipped")
    expect(formatReport(report)).toContain("- convergence (C09): not run: no case could be checked")
  }, 60_000)
})

describe("the printed failure", () => {
  test("of a configured source says nothing was generated, without blaming the source", async () => {
    const randomKey = Connector.make({
      name: "random-key",
      steps: [
        step("sessions", "Collect sessions").run((ctx) =>
          ctx.emitEntity(entity("session", `s-${Math.random().toString(36).slice(2)}`).class("Account"))
        )
      ]
    })
    const report = await verifyConnector(randomKey, {
      backend: modelBackend(),
      properties: ["idempotency"],
      runs: 5,
      seed: SEED
    })
    const text = formatReport(report)
    expect(text).toContain("✗ idempotency (C08)")
    expect(text).toContain("(nothing generated: the property syncs the connector's configured source as it is")
    expect(text).not.toContain("fails on every run")
  }, 60_000)

  test("from the library names the library call that replays it", async () => {
    const report = await verifyConnector(Inventory.randomKeys, {
      ...Inventory.sourceOptions,
      backend: modelBackend(),
      properties: ["idempotency"],
      runs: 10,
      seed: SEED
    })
    const failure = report.properties[0]?.failure
    expect(failure?.replay).toBe(
      `verifyConnector(connector, { ...options, seed: ${SEED}, path: "${failure?.path}", properties: ["idempotency"] })`
    )
    expect(formatReport(report)).not.toContain("parallax check inventory")
  }, 60_000)
})
