import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import { Connector, entity, relationship, runConnector, step } from "parallax-connect"
import { effectTest } from "../support/effectTest.ts"

const declared = Connector.make({
  name: "declared",
  steps: [
    step("hosts", "declares hosts and their services")
      .entities({ type: "host", class: "Host" }, { type: "service", class: "Service" })
      .relationships({ from: "host", verb: "RUNS", to: "service" })
      .run((ctx) =>
        Effect.gen(function* () {
          yield* ctx.emitEntity(entity("host", "h1").class("Host"))
          yield* ctx.emitEntity(entity("service", "s1").class("Service"))
          yield* ctx.emitRelationship(relationship("host", "h1", "RUNS", "service", "s1"))
          // Undeclared: a type, a class for a declared type, and two edge shapes (verb, then target type).
          yield* ctx.emitEntity(entity("disk", "d1").class("Device"))
          yield* ctx.emitEntity(entity("host", "h2").class("Device"))
          yield* ctx.emitEntity(entity("host", "h3").class("Device"))
          yield* ctx.emitRelationship(relationship("host", "h1", "USES", "service", "s1"))
          yield* ctx.emitRelationship(relationship("host", "h1", "RUNS", "host", "h2"))
        })
      ),
    step("free", "declares nothing: unchecked").run((ctx) => ctx.emitEntity(entity("anything", "a").class("Device")))
  ]
})

describe("declared step metadata", () => {
  effectTest(
    "what a step did not declare is a warning, counted per kind; a step that declares nothing is not checked",
    () =>
      Effect.gen(function* () {
        const output = yield* runConnector(declared)
        expect(output.steps.map((s) => s.status)).toEqual(["succeeded", "succeeded"])
        expect(output.warnings.map((w) => [w.step, w.message, w.count, w.samples])).toEqual([
          ["hosts", 'entity type "disk" not declared by the step', 1, ["entity disk/d1"]],
          [
            "hosts",
            'class "Device" not declared for entity type "host" (declared: "Host")',
            2,
            ["entity host/h2", "entity host/h3"]
          ],
          [
            "hosts",
            "relationship host -USES-> service not declared by the step",
            1,
            ["relationship host/h1 -USES-> service/s1"]
          ],
          [
            "hosts",
            "relationship host -RUNS-> host not declared by the step",
            1,
            ["relationship host/h1 -RUNS-> host/h2"]
          ]
        ])
        expect(output.entities.length).toBe(6)
      })
  )

  effectTest("under strict mode an undeclared object fails its step; declared ones pass", () =>
    Effect.gen(function* () {
      const output = yield* runConnector(declared, { strict: true })
      const [hosts, free] = output.steps
      expect(hosts?.status).toBe("failed")
      expect(hosts?.error?.message).toContain('entity type "disk" not declared by the step (strict mode)')
      expect(free?.status).toBe("succeeded")
      const clean = Connector.make({
        name: "clean",
        steps: [
          step("hosts", "hosts")
            .entities({ type: "host", class: "Host" })
            .run((ctx) => ctx.emitEntity(entity("host", "h1").class("Host")))
        ]
      })
      expect((yield* runConnector(clean, { strict: true })).steps.map((s) => s.status)).toEqual(["succeeded"])
    })
  )

  test("the builder keeps each declaration once and rejects malformed ones", () => {
    const built = step("s", "s")
      .entities({ type: "host", class: "Host" })
      .entities({ type: "host", class: "Host" }, { type: "host", class: "Device" })
      .relationships({ from: "host", verb: "RUNS", to: "host" }, { from: "host", verb: "RUNS", to: "host" })
      .run(() => Effect.void)
    expect(built.entities).toEqual([
      { type: "host", class: "Host" },
      { type: "host", class: "Device" }
    ])
    expect(built.relationships).toEqual([{ from: "host", verb: "RUNS", to: "host" }])
    expect(() => step("s", "s").entities({ type: "Host", class: "Host" })).toThrow(/"Host", which is not snake_case/)
    expect(() => step("s", "s").entities({ type: "host", class: "" })).toThrow(/without a class/)
    expect(() => step("s", "s").relationships({ from: "host", verb: "runs", to: "host" })).toThrow(/UPPER_SNAKE_CASE/)
    expect(() => step("s", "s").relationships({ from: "host", verb: "RUNS", to: "Host" })).toThrow(/"to" type/)
  })
})
