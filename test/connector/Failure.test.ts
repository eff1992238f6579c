import { describe, expect } from "bun:test"
import { Effect, Layer } from "effect"
import { Connector, type ConnectorError, runConnector, step } from "parallax-connect"
import { liveTest } from "../support/effectTest.ts"

/** An `Effect.tryPromise` without `catch` that rejects with `value`: it fails with an `UnknownException`. */
const rejecting = (value: unknown) =>
  Effect.tryPromise(() => Promise.reject(value)) as unknown as Effect.Effect<void, ConnectorError>

describe("a failure that lost its cause's message", () => {
  liveTest("a step failing or dying with an UnknownException says what the rejected value said", () =>
    Effect.gen(function* () {
      const connector = Connector.make({
        name: "promises",
        steps: [
          step("typed", "fails with it").run(() => rejecting(new Error("socket hang up"))),
          step("died", "dies with it").run(() => Effect.orDie(rejecting(new TypeError("fetch failed")))),
          step("text", "rejects with a string").run(() => rejecting("quota exceeded")),
          step("object", "rejects with an object").run(() => rejecting({ message: "teapot", status: 418 })),
          step("other", "fails with an error outside the union").run(
            () => Effect.fail(new RangeError("page out of range")) as unknown as Effect.Effect<void, ConnectorError>
          )
        ]
      })
      const output = yield* runConnector(connector)
      expect(output.steps.map((outcome) => [outcome.id, outcome.error?._tag, outcome.error?.message])).toEqual([
        ["typed", "ConnectorFailed", 'step "typed" failed: Error: socket hang up'],
        ["died", "ConnectorFailed", 'step "died" crashed: TypeError: fetch failed'],
        ["text", "ConnectorFailed", 'step "text" failed: quota exceeded'],
        ["object", "ConnectorFailed", 'step "object" failed: teapot'],
        ["other", "ConnectorFailed", 'step "other" failed: RangeError: page out of range']
      ])
    })
  )

  liveTest("so does discovery, and the building of the connector's services", () =>
    Effect.gen(function* () {
      const discovering = Connector.make({
        name: "discovering",
        discover: () => rejecting(new Error("getaddrinfo ENOTFOUND api.example.com")),
        steps: [step("a", "A").run(() => Effect.void)]
      })
      const discovery = yield* Effect.flip(runConnector(discovering))
      expect([discovery._tag, discovery.message]).toEqual([
        "ConnectorFailed",
        "discovery failed: Error: getaddrinfo ENOTFOUND api.example.com"
      ])
      const building = yield* Effect.flip(
        runConnector(discovering, {
          layer: Layer.effectDiscard(rejecting(new Error("no credentials file"))) as Layer.Layer<never, ConnectorError>
        })
      )
      expect(building.message).toBe(
        'building the services of connector "discovering" failed: Error: no credentials file'
      )
    })
  )
})
