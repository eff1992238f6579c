import { Context, Effect, Layer } from "effect"
import fc from "fast-check"
import { Connector, entity, relationship, step } from "parallax-connect"

/** One generated entity: which steps emit it (identically), and its content. */
export interface GenericEntity {
  readonly steps: ReadonlyArray<number>
  readonly type: string
  readonly key: string
  readonly class: string
  readonly displayName: string | null
  readonly properties: Readonly<Record<string, string | number | boolean | null | ReadonlyArray<string>>>
}

/** A generated source: entities spread over three steps and relationships between them. */
export interface GenericSource {
  readonly entities: ReadonlyArray<GenericEntity>
  readonly links: ReadonlyArray<{
    readonly from: number
    readonly to: number
    readonly verb: string
    readonly key: string | null
  }>
}

export class GenericApi extends Context.Tag("test/GenericApi")<GenericApi, GenericSource>() {
  static layer = (source: GenericSource) => Layer.succeed(GenericApi, source)
}

const value = fc.oneof(
  fc.string({ maxLength: 6, unit: "grapheme" }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 })
)

/** Source states with awkward data: unicode keys, -0, huge and tiny numbers, empty strings, arrays. */
export const genericSources: fc.Arbitrary<GenericSource> = fc.record({
  entities: fc.uniqueArray(
    fc.record({
      steps: fc.subarray([0, 1, 2], { minLength: 1 }),
      type: fc.constantFrom("host", "user", "a_b"),
      key: fc.string({ minLength: 1, maxLength: 4, unit: "grapheme" }),
      class: fc.constantFrom("Host", "User", "Service"),
      displayName: fc.option(fc.string({ maxLength: 4, unit: "grapheme" }), { nil: null }),
      properties: fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), value, { maxKeys: 3 })
    }),
    { selector: (e) => `${e.type}\u0000${e.key}`, maxLength: 8 }
  ),
  links: fc.array(
    fc.record({
      from: fc.nat(7),
      to: fc.nat(7),
      verb: fc.constantFrom("HAS", "USES"),
      key: fc.option(fc.string({ maxLength: 2 }), { nil: null })
    }),
    { maxLength: 5 }
  )
})

const STEPS = ["s0", "s1", "s2"] as const
/** Which steps' entities a relationship emitted by step `i` may point at (itself and its dependencies). */
const visible: ReadonlyArray<ReadonlyArray<number>> = [[0], [0, 1], [2]]

/** A connector that emits whatever the generated source holds: s1 depends on s0, s2 is independent. */
export const generic = Connector.make({
  name: "generic",
  layer: () => GenericApi.layer({ entities: [], links: [] }),
  steps: STEPS.map((id, index) => {
    const builder = step(id, `Emit the generated objects of step ${index}`)
    return (index === 1 ? builder.dependsOn("s0") : builder).run((ctx) =>
      Effect.gen(function* () {
        const source = yield* GenericApi
        for (const spec of source.entities) {
          if (!spec.steps.includes(index)) continue
          const built = entity(spec.type, spec.key).class(spec.class).properties(spec.properties)
          yield* ctx.emitEntity(spec.displayName === null ? built : built.displayName(spec.displayName))
        }
        const seen = new Set<string>()
        for (const link of source.links) {
          const from = source.entities[link.from]
          const to = source.entities[link.to]
          if (from === undefined || to === undefined || !from.steps.includes(index)) continue
          if (!(visible[index] ?? []).some((step) => to.steps.includes(step))) continue
          const id = JSON.stringify([link.from, link.to, link.verb, link.key])
          if (seen.has(id)) continue
          seen.add(id)
          const built = relationship(from.type, from.key, link.verb, to.type, to.key)
          yield* ctx.emitRelationship(link.key === null ? built : built.key(link.key))
        }
      })
    )
  })
})

/** How the harness drives `generic`. */
export const genericOptions = { sources: genericSources, layerFor: GenericApi.layer }
