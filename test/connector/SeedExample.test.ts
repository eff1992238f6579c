import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { Connector, entity, relationship, runConnector, step } from "parallax-connect"
import { effectTest } from "../support/effectTest.ts"

// The README's example, verbatim: it must keep compiling and running.
const myConnector = Connector.make({
  name: "my-connector",
  steps: [
    step("hosts", "Collect hosts").run((ctx) =>
      ctx.emitEntity(entity("host", "web-01").class("Host").displayName("Web Server 01").property("state", "running"))
    ),
    step("services", "Collect services")
      .dependsOn("hosts")
      .run((ctx) =>
        Effect.gen(function* () {
          yield* ctx.emitEntity(entity("service", "nginx").class("Service").displayName("Nginx"))
          yield* ctx.emitRelationship(relationship("host", "web-01", "RUNS", "service", "nginx"))
        })
      )
  ]
})

describe("the README's example connector", () => {
  effectTest("collects two entities and one relationship, each owned by its step", () =>
    Effect.gen(function* () {
      const output = yield* runConnector(myConnector, { account: "prod" })
      expect(output.connector).toBe("my-connector")
      expect(output.account).toBe("prod")
      expect(output.steps.map((outcome) => [outcome.id, outcome.status])).toEqual([
        ["hosts", "succeeded"],
        ["services", "succeeded"]
      ])
      expect(output.entities.map((e) => [e.type, e.key, e.class, e.displayName, e.step])).toEqual([
        ["host", "web-01", "Host", "Web Server 01", "hosts"],
        ["service", "nginx", "Service", "Nginx", "services"]
      ])
      expect(output.entities[0]?.properties).toEqual({ state: "running" })
      const [runs] = output.relationships
      expect(runs?.verb).toBe("RUNS")
      expect(runs?.fromId).toBe(output.entities[0]?.id as string)
      expect(runs?.toId).toBe(output.entities[1]?.id as string)
      expect(output.warnings).toEqual([])
    })
  )
})
