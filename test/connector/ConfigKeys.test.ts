import { describe, expect, test } from "bun:test"
import { Effect, Schema } from "effect"
import { Connector, configKeys, documentConnector, entity, step } from "parallax-connect"

describe("configKeys: the keys of a config schema, read from the schema", () => {
  test("types, defaults, required and secret keys, descriptions, nested structs as dotted keys", () => {
    const Config = Schema.Struct({
      url: Schema.propertySignature(Schema.String).annotations({ description: "Where | the API is" }),
      token: Schema.Redacted(Schema.String),
      mode: Schema.optionalWith(Schema.Literal("fast", "safe"), { default: () => "safe" as const }),
      port: Schema.optional(Schema.NumberFromString.pipe(Schema.int())),
      tags: Schema.optionalWith(Schema.Array(Schema.String), { default: () => ["a"] }),
      count: Schema.optionalWith(Schema.Union(Schema.Number, Schema.NumberFromString), { default: () => 3 }),
      limits: Schema.Struct({ depth: Schema.Number, key: Schema.optional(Schema.Redacted(Schema.String)) })
    })
    expect(configKeys(Config)).toEqual([
      { path: "url", type: "string", required: true, secret: false, description: "Where | the API is" },
      { path: "token", type: "string", required: true, secret: true },
      { path: "mode", type: '"fast" | "safe"', required: false, default: '"safe"', secret: false },
      { path: "port", type: "number", required: false, secret: false },
      { path: "tags", type: "string[]", required: false, default: '["a"]', secret: false },
      { path: "count", type: "number", required: false, default: "3", secret: false },
      { path: "limits", type: "object", required: true, secret: false },
      { path: "limits.depth", type: "number", required: true, secret: false },
      { path: "limits.key", type: "string", required: false, secret: true }
    ])
  })

  test("a connector without a config schema has no keys, and its document says so", () => {
    const bare = Connector.make({
      name: "bare",
      steps: [step("things", "Things").run((ctx) => ctx.emitEntity(entity("thing", "t").class("Device")))]
    })
    expect(configKeys(bare.config)).toEqual([])
    const text = documentConnector(bare)
    expect(text).toContain("This connector takes no settings.")
    expect(text).toContain("No step declares an entity.")
    expect(text).toContain("One step declares nothing (`things`)")
    expect(text).toContain("- declares nothing: its output is not checked against declarations")
    expect(text.endsWith("\n") && !text.endsWith("\n\n")).toBe(true)
  })

  test("a document escapes pipes in table cells and is the same for the same connector", () => {
    const Config = Schema.Struct({
      a: Schema.propertySignature(Schema.String).annotations({ description: "one | two" })
    })
    const make = () =>
      Connector.make({
        name: "piped",
        config: Config,
        steps: [
          step("s", "S")
            .entities({ type: "thing", class: "Device" })
            .run(() => Effect.void)
        ]
      })
    expect(documentConnector(make())).toContain("| `a` | string | yes |  |  | one \\| two |")
    expect(documentConnector(make())).toBe(documentConnector(make()))
  })
})
