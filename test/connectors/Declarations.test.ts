import { describe, expect, test } from "bun:test"
import { Effect, type Layer } from "effect"
import fc from "fast-check"
import { type ConnectorError, runConnector } from "parallax-connect"
import { builtinConnectors, builtinHarness } from "../../connectors/index.ts"

/** How many generated sources each built-in connector is run on. */
const SAMPLES = 30

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

describe("the built-in connectors declare exactly what they emit", () => {
  for (const connector of builtinConnectors) {
    test(`${connector.name}: on generated sources, under --strict, every emit is declared and every declaration is emitted`, async () => {
      const setup = builtinHarness[connector.name]
      if (setup?.sources === undefined) throw new Error(`${connector.name} has no generated sources`)
      const arbitrary = typeof setup.sources === "function" ? setup.sources(fc) : setup.sources
      const emitted = new Set<string>()
      for (const source of fc.sample(arbitrary, { seed: 20261123, numRuns: SAMPLES })) {
        const own = setup.configFor?.(source)
        const config = isRecord(setup.config) && isRecord(own) ? { ...setup.config, ...own } : (own ?? setup.config)
        const output = await Effect.runPromise(
          runConnector(connector, {
            config,
            strict: true,
            ...(setup.layerFor === undefined
              ? {}
              : { layer: setup.layerFor(source) as Layer.Layer<unknown, ConnectorError> })
          })
        )
        // Strict mode fails the emit of anything undeclared: a step that emitted one fails.
        const failed = output.steps.filter((step) => step.status !== "succeeded")
        expect(failed.map((step) => `${step.id}: ${step.error?.message ?? step.skippedBecause}`)).toEqual([])
        expect(output.warnings).toEqual([])
        for (const e of output.entities) emitted.add(`${e.step} ${e.type} (${e.class})`)
        for (const r of output.relationships) emitted.add(`${r.step} ${r.fromType} -${r.verb}-> ${r.toType}`)
      }
      const declared = connector.steps.flatMap((step) => [
        ...step.entities.map((e) => `${step.id} ${e.type} (${e.class})`),
        ...step.relationships.map((r) => `${step.id} ${r.from} -${r.verb}-> ${r.to}`)
      ])
      expect(connector.steps.filter((step) => step.entities.length + step.relationships.length === 0)).toEqual([])
      expect([...emitted].sort()).toEqual([...declared].sort())
    }, 120_000)
  }
})
