import { Effect } from "effect"
import { Connector, ConnectorFailed, entity, relationship, step } from "../../../src/index.ts"

/** One step of a source: what it emits, and whether it fails after emitting. */
export interface StepSource {
  /** Entity keys (a small shared universe, so steps overlap) with a content value each. */
  readonly entities: ReadonlyArray<readonly [number, number]>
  readonly edges: ReadonlyArray<readonly [number, number]>
  readonly fails: boolean
}
export type Source = ReadonlyArray<StepSource>

/** A connector (`plans`) with a step `s<i>` per step of `source`, entities of type `host` keyed `k<key>`. */
export const connectorOf = (source: Source) =>
  Connector.make({
    name: "plans",
    steps: source.map((spec, index) =>
      step(`s${index}`, `step ${index}`).run((ctx) =>
        Effect.gen(function* () {
          const keys = new Set<number>()
          for (const [key, value] of spec.entities) {
            if (keys.has(key)) continue
            keys.add(key)
            // Another step emitting the same key with another value is a DuplicateKey: that step fails.
            yield* ctx.emitEntity(entity("host", `k${key}`).class("Host").property("value", value))
          }
          for (const [from, to] of spec.edges) {
            // Edges may point at keys of other steps: the commit finds them in the batch or the store.
            if (keys.has(from))
              yield* ctx.emitRelationship(relationship("host", `k${from}`, "CONNECTS", "host", `k${to}`))
          }
          if (spec.fails) yield* new ConnectorFailed({ reason: "failed on purpose" })
        })
      )
    )
  })
