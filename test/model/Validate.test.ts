import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import fc from "fast-check"
import {
  Connector,
  type EntityBuilder,
  entity,
  entityId,
  type PropertyValue,
  type RelationshipBuilder,
  relationship,
  runConnector,
  step,
  ValidationFailed
} from "parallax-connect"
import { canonicalProperties, type Properties } from "../../src/model/Ids.ts"
import { sync } from "../../src/sync/Sync.ts"
import { effectTest } from "../support/effectTest.ts"
import { withStore } from "../sync/support/Run.ts"

const badValues: ReadonlyArray<readonly [string, unknown, RegExp]> = [
  ["a nested object", { a: 1 }, /nested object/],
  ["a date", new Date(0), /nested object/],
  ["NaN", Number.NaN, /NaN/],
  ["Infinity", Number.POSITIVE_INFINITY, /Infinity/],
  ["-Infinity", Number.NEGATIVE_INFINITY, /-Infinity/],
  ["undefined", undefined, /undefined/],
  ["a bigint", 10n, /bigint/],
  ["a function", () => 1, /function/],
  ["a symbol", Symbol("s"), /symbol/],
  ["an array with a number", ["a", 1], /array/],
  ["an array with null", [null], /array/],
  ["an array of arrays", [["a"]], /array/]
]

const host = (value: unknown): EntityBuilder =>
  entity("host", "web-01")
    .class("Host")
    .property("ok", "fine")
    .property("bad", value as PropertyValue)
const runs = (value: unknown): RelationshipBuilder =>
  relationship("host", "web-01", "RUNS", "service", "nginx").property("bad", value as PropertyValue)

const failure = (result: unknown): ValidationFailed => {
  expect(result).toBeInstanceOf(ValidationFailed)
  return result as ValidationFailed
}

describe("property values", () => {
  test.each(badValues)("an entity property holding %s is rejected, naming entity and property", (_, value, why) => {
    const error = failure(host(value).toRecord("prod"))
    expect(error._tag).toBe("ValidationFailed")
    expect(error.subject).toBe("entity host/web-01")
    expect(error.property).toBe("bad")
    expect(error.reason).toMatch(why)
    expect(error.message).toContain('invalid entity host/web-01 property "bad"')
  })

  test.each(badValues)("a relationship property holding %s is rejected", (_, value) => {
    const error = failure(runs(value).toRecord("prod"))
    expect(error.subject).toBe("relationship host/web-01 -RUNS-> service/nginx")
    expect(error.property).toBe("bad")
  })

  test("also through .properties({...})", () => {
    const error = failure(
      entity("host", "h")
        .class("Host")
        .properties({ fine: 1, worse: { x: 1 } as unknown as PropertyValue })
        .toRecord("a")
    )
    expect(error.property).toBe("worse")
  })

  test("flat values are accepted and copied", () => {
    const tags = ["a", "b"]
    const builder = entity("host", "h")
      .class("Host")
      .properties({ s: "x", n: -1.5, zero: 0, t: true, f: false, nil: null, tags, empty: [] })
    const record = builder.toRecord("a")
    if (record instanceof ValidationFailed) throw record
    expect(record.properties).toEqual({
      s: "x",
      n: -1.5,
      zero: 0,
      t: true,
      f: false,
      nil: null,
      tags: ["a", "b"],
      empty: []
    })
    tags.push("c")
    builder.property("s", "changed")
    expect(record.properties.tags).toEqual(["a", "b"])
    expect(record.properties.s).toBe("x")
  })

  test("a builder changed after an emit, or emitted again, leaves what it emitted as it was", () => {
    const tags = ["a"]
    const builder = relationship("host", "h", "RUNS", "service", "s").properties({ port: 80, tags })
    const first = builder.toStaged("a")
    if (first instanceof ValidationFailed) throw first
    // Emitted again unchanged: the same content, in a record of its own.
    const again = builder.toStaged("a")
    if (again instanceof ValidationFailed) throw again
    expect(again.json).toBe(first.json)
    expect(again.record.properties).not.toBe(first.record.properties)
    // Changed every way a builder can be: one property, several, an array it was given.
    builder.properties({ port: 443 })
    tags.push("b")
    const changed = builder.property("proto", "tcp").toStaged("a")
    if (changed instanceof ValidationFailed) throw changed
    expect(changed.json).toBe('{"port":443,"proto":"tcp","tags":["a"]}')
    expect(first.record.properties).toEqual({ port: 80, tags: ["a"] })
    expect(first.json).toBe('{"port":80,"tags":["a"]}')
    expect(again.record.properties).toEqual({ port: 80, tags: ["a"] })
  })

  test("properties set in any order and any number of calls give the same canonical JSON", () => {
    const json = (builder: EntityBuilder): string => {
      const staged = builder.class("Host").toStaged("a")
      if (staged instanceof ValidationFailed) throw staged
      expect(Object.keys(staged.record.properties)).toEqual(["a", "b", "c"])
      return staged.json
    }
    const expected = '{"a":1,"b":["x"],"c":true}'
    expect(json(entity("host", "h").properties({ c: true, a: 1, b: ["x"] }))).toBe(expected)
    expect(json(entity("host", "h").properties({ a: 1, b: ["x"], c: true }))).toBe(expected)
    expect(
      json(
        entity("host", "h")
          .property("c", true)
          .properties({ b: ["x"], a: 1 })
      )
    ).toBe(expected)
    expect(
      json(
        entity("host", "h")
          .properties({ c: true })
          .properties({ b: ["x"], a: 1 })
      )
    ).toBe(expected)
    expect(json(entity("host", "h").property("b", ["x"]).property("a", 1).property("c", true))).toBe(expected)
  })

  test("an empty property name is rejected", () => {
    expect(failure(entity("host", "h").class("Host").property("", 1).toRecord("a")).reason).toMatch(/empty/)
  })

  test("a property named __proto__ is kept as data, not swallowed", () => {
    const record = entity("host", "h").class("Host").property("__proto__", "x").property("a", 1).toRecord("acct")
    if (record instanceof ValidationFailed) throw record
    expect(Object.keys(record.properties).sort()).toEqual(["__proto__", "a"])
    const nested = entity("host", "h")
      .class("Host")
      .property("__proto__", { polluted: "yes" } as unknown as PropertyValue)
      .toRecord("acct")
    expect(failure(nested).property).toBe("__proto__")
  })
})

describe("canonical properties", () => {
  /** The staged JSON of an entity with `names` set in the given order (value: the name's position in `names`). */
  const stagedJson = (names: ReadonlyArray<string>): string => {
    const builder = entity("host", "h").class("Host")
    for (const name of names) builder.property(name, name.length)
    const staged = builder.toStaged("a")
    if (staged instanceof ValidationFailed) throw staged
    expect(Object.keys(staged.record.properties)).toEqual([...names].sort())
    return staged.json
  }
  const rotations = <A>(list: ReadonlyArray<A>): ReadonlyArray<ReadonlyArray<A>> =>
    list.map((_, at) => [...list.slice(at), ...list.slice(0, at)])

  test("are sorted by name whatever the order, again and again (more orders than are remembered)", () => {
    const names = ["zeta", "alpha", "Beta", "é", "a_b", "ab", "a", "__proto__", "x9", "x10"]
    const expected = `{${[...names]
      .sort()
      .map((name) => `${JSON.stringify(name)}:${name.length}`)
      .join(",")}}`
    for (let round = 0; round < 3; round++) {
      for (const order of [...rotations(names), ...rotations([...names].reverse())]) {
        expect(stagedJson(order)).toBe(expected)
      }
    }
  })

  test("a name list that shares a prefix with a remembered one is sorted on its own", () => {
    expect(stagedJson(["b", "a"])).toBe('{"a":1,"b":1}')
    expect(stagedJson(["b", "a", "c"])).toBe('{"a":1,"b":1,"c":1}')
    expect(stagedJson(["b"])).toBe('{"b":1}')
    expect(stagedJson(["b", "c"])).toBe('{"b":1,"c":1}')
    expect(stagedJson(["b", "a", "d"])).toBe('{"a":1,"b":1,"d":1}')
  })

  test("many names (the built-in sort) are sorted as well", () => {
    const names = Array.from({ length: 40 }, (_, index) => `p${(index * 17) % 40}`)
    const json = stagedJson(names)
    expect(Object.keys(JSON.parse(json))).toEqual([...names].sort())
  })

  test("no properties give {} and the same hash as an emptied builder's", () => {
    const staged = entity("host", "h").class("Host").toStaged("a")
    if (staged instanceof ValidationFailed) throw staged
    expect(staged.json).toBe("{}")
    expect(staged.record.properties).toEqual({})
  })
})

describe("entities", () => {
  test.each([
    ["Host", /snake_case/],
    ["aws-ec2", /snake_case/],
    ["1host", /snake_case/],
    ["", /snake_case/]
  ])("type %j is rejected", (type, why) => {
    const error = failure(entity(type, "k").class("Host").toRecord("a"))
    expect(error.reason).toMatch(why)
  })

  test("an empty or non-string key is rejected", () => {
    expect(failure(entity("host", "").class("Host").toRecord("a")).reason).toMatch(/key/)
    expect(
      failure(
        entity("host", 7 as unknown as string)
          .class("Host")
          .toRecord("a")
      ).reason
    ).toMatch(/key/)
  })

  test("a missing class is rejected", () => {
    expect(failure(entity("host", "k").toRecord("a")).reason).toMatch(/class/)
  })

  test("the display name defaults to the key; id and hash are set", () => {
    const record = entity("host", "web-01").class("Host").toRecord("prod")
    if (record instanceof ValidationFailed) throw record
    expect(record.displayName).toBe("web-01")
    expect(record.id).toBe(entityId("prod", "host", "web-01"))
    expect(record.hash).toMatch(/^[0-9a-f]{32}$/)
  })

  test("the same entity in another account has another id", () => {
    const a = entity("host", "k").class("Host").toRecord("a")
    const b = entity("host", "k").class("Host").toRecord("b")
    expect((a as { id: string }).id).not.toBe((b as { id: string }).id)
  })
})

describe("relationships", () => {
  test.each([
    ["runs", /UPPER_SNAKE_CASE/],
    ["Runs", /UPPER_SNAKE_CASE/],
    ["RUNS-ON", /UPPER_SNAKE_CASE/],
    ["", /UPPER_SNAKE_CASE/]
  ])("verb %j is rejected", (verb, why) => {
    expect(failure(relationship("host", "h", verb, "service", "s").toRecord("a")).reason).toMatch(why)
  })

  test("bad endpoint types and keys are rejected", () => {
    expect(failure(relationship("Host", "h", "RUNS", "service", "s").toRecord("a")).reason).toMatch(/from type/)
    expect(failure(relationship("host", "h", "RUNS", "Service", "s").toRecord("a")).reason).toMatch(/to type/)
    expect(failure(relationship("host", "", "RUNS", "service", "s").toRecord("a")).reason).toMatch(/fromKey/)
    expect(failure(relationship("host", "h", "RUNS", "service", "").toRecord("a")).reason).toMatch(/toKey/)
    expect(failure(relationship("host", 1 as unknown as string, "RUNS", "service", "s").toRecord("a")).reason).toMatch(
      /fromKey must be a string, got a number \(1\)/
    )
    expect(failure(relationship("host", "h", "RUNS", "service", "s").toAccount("").toRecord("a")).reason).toMatch(
      /account/
    )
  })

  test("endpoints resolve in the sync's account", () => {
    const record = relationship("host", "h", "RUNS", "service", "s").toRecord("prod")
    if (record instanceof ValidationFailed) throw record
    expect(record.fromId).toBe(entityId("prod", "host", "h"))
    expect(record.toId).toBe(entityId("prod", "service", "s"))
    expect(record.toAccount).toBeUndefined()
  })

  test(".toAccount(...) resolves the target in that account, and only the target", () => {
    const record = relationship("aws_iam_role", "admin", "TRUSTS", "aws_account", "123")
      .toAccount("123")
      .toRecord("prod")
    if (record instanceof ValidationFailed) throw record
    expect(record.fromId).toBe(entityId("prod", "aws_iam_role", "admin"))
    expect(record.toId).toBe(entityId("123", "aws_account", "123"))
    expect(record.toAccount).toBe("123")
    const local = relationship("aws_iam_role", "admin", "TRUSTS", "aws_account", "123").toRecord("prod")
    expect((local as { id: string }).id).not.toBe(record.id)
  })

  test(".toAccount naming the sync's own account is the same relationship as none", () => {
    const own = relationship("host", "h", "RUNS", "service", "s").toAccount("prod").toRecord("prod")
    const none = relationship("host", "h", "RUNS", "service", "s").toRecord("prod")
    expect(own).toEqual(none)
  })

  test(".key(...) distinguishes relationships with the same endpoints and verb", () => {
    const a = relationship("host", "h", "CONNECTS", "host", "g").key("80").toRecord("p")
    const b = relationship("host", "h", "CONNECTS", "host", "g").key("443").toRecord("p")
    expect((a as { id: string }).id).not.toBe((b as { id: string }).id)
  })
})

/** Values that are not strings, each with how the error describes it. */
const notStrings: ReadonlyArray<readonly [string, unknown]> = [
  ["an object", { name: "Host" }],
  ["a number (42)", 42],
  ["a boolean (true)", true],
  ["null", null],
  ["an array", ["Host"]],
  ["a bigint", 10n]
]

/** Every string field of an entity, and a builder with that field set to `value`. */
const entityFields: ReadonlyArray<readonly [string, (value: unknown) => EntityBuilder]> = [
  ["type", (value) => entity(value as string, "k").class("Host")],
  ["key", (value) => entity("host", value as string).class("Host")],
  ["class", (value) => entity("host", "k").class(value as string)],
  [
    "displayName",
    (value) =>
      entity("host", "k")
        .class("Host")
        .displayName(value as string)
  ]
]

/** Every string field of a relationship, and a builder with that field set to `value`. */
const relationshipFields: ReadonlyArray<readonly [string, (value: unknown) => RelationshipBuilder]> = [
  ["fromType", (value) => relationship(value as string, "h", "RUNS", "service", "s")],
  ["fromKey", (value) => relationship("host", value as string, "RUNS", "service", "s")],
  ["verb", (value) => relationship("host", "h", value as string, "service", "s")],
  ["toType", (value) => relationship("host", "h", "RUNS", value as string, "s")],
  ["toKey", (value) => relationship("host", "h", "RUNS", "service", value as string)],
  ["key", (value) => relationship("host", "h", "RUNS", "service", "s").key(value as string)],
  ["toAccount", (value) => relationship("host", "h", "RUNS", "service", "s").toAccount(value as string)]
]

describe("fields that must be strings", () => {
  for (const [field, build] of [...entityFields, ...relationshipFields]) {
    test.each(notStrings)(`${field} holding %s is rejected, naming ${field}`, (kind, value) => {
      const error = failure(build(value).toRecord("a"))
      expect(error.reason).toContain(`${field}`)
      expect(error.reason).toContain(`must be a string, got ${kind}`)
    })
  }

  test("strings are still accepted in every one of them, the display name and the relationship key empty too", () => {
    expect(entity("host", "k").class("Host").displayName("").toRecord("a")).not.toBeInstanceOf(ValidationFailed)
    expect(
      relationship("host", "h", "RUNS", "service", "s").key("").toAccount("other").toRecord("a")
    ).not.toBeInstanceOf(ValidationFailed)
  })
})

describe("at emit", () => {
  const emitting = (emit: "entity" | "relationship", value: unknown) =>
    Connector.make({
      name: "bad-values",
      steps: [
        step("s", "emits a bad value").run((ctx) =>
          emit === "entity"
            ? Effect.asVoid(ctx.emitEntity(host(value)))
            : Effect.asVoid(ctx.emitRelationship(runs(value)))
        )
      ]
    })

  for (const [what, value] of badValues) {
    effectTest(`a step emitting ${what} fails with ValidationFailed, and nothing is staged`, () =>
      Effect.gen(function* () {
        for (const kind of ["entity", "relationship"] as const) {
          const output = yield* runConnector(emitting(kind, value))
          const [outcome] = output.steps
          expect(outcome?.status).toBe("failed")
          expect(outcome?.error?._tag).toBe("ValidationFailed")
          expect(outcome?.error).toMatchObject({ property: "bad", subject: expect.stringContaining("host/web-01") })
          expect(output.entities).toEqual([])
          expect(output.relationships).toEqual([])
        }
      })
    )
  }

  test("an object as class or a number as display name fails its step at emit; the rest of the sync commits", async () => {
    const connector = Connector.make({
      name: "odd-fields",
      steps: [
        step("object-class", "class is an object").run((ctx) =>
          ctx.emitEntity(entity("host", "a").class({ name: "Host" } as unknown as string))
        ),
        step("number-name", "display name is a number").run((ctx) =>
          ctx.emitEntity(
            entity("host", "b")
              .class("Host")
              .displayName(42 as unknown as string)
          )
        ),
        step("fine", "a valid entity").run((ctx) => ctx.emitEntity(entity("host", "c").class("Host")))
      ]
    })
    const result = await withStore(sync(connector, { account: "acme" }))
    expect(result.status).toBe("partial")
    expect(result.steps.map((s) => [s.id, s.status, s.error?.message])).toEqual([
      ["object-class", "failed", "invalid entity host/a: class must be a string, got an object"],
      ["number-name", "failed", "invalid entity host/b: displayName must be a string, got a number (42)"],
      ["fine", "succeeded", undefined]
    ])
    expect(result.stats.entitiesCreated).toBe(1)
  })

  effectTest("the typed error can be caught by tag inside the step", () =>
    Effect.gen(function* () {
      const connector = Connector.make({
        name: "catches",
        steps: [
          step("s", "recovers").run((ctx) =>
            ctx.emitEntity(host(Number.NaN)).pipe(
              Effect.catchTag("ValidationFailed", (error) =>
                ctx.emitEntity(
                  entity("host", "fallback")
                    .class("Host")
                    .property("why", error.property ?? "")
                )
              )
            )
          )
        ]
      })
      const output = yield* runConnector(connector)
      expect(output.steps[0]?.status).toBe("succeeded")
      expect(output.entities.map((e) => [e.key, e.properties.why])).toEqual([["fallback", "bad"]])
    })
  )

  effectTest("unknown classes and verbs warn by default and fail in strict mode", () =>
    Effect.gen(function* () {
      const connector = Connector.make({
        name: "vocabulary",
        steps: [
          step("e", "unknown class").run((ctx) => ctx.emitEntity(entity("thing", "t").class("Gizmo"))),
          step("r", "unknown verb").run((ctx) => ctx.emitRelationship(relationship("thing", "t", "ZAPS", "thing", "u")))
        ]
      })
      const lax = yield* runConnector(connector)
      expect(lax.steps.map((s) => s.status)).toEqual(["succeeded", "succeeded"])
      expect(lax.warnings.map((w) => [w.step, w.message])).toEqual([
        ["e", 'unknown class "Gizmo"'],
        ["r", 'unknown verb "ZAPS"']
      ])
      const strict = yield* runConnector(connector, { strict: true })
      expect(strict.steps.map((s) => [s.status, s.error?._tag])).toEqual([
        ["failed", "ValidationFailed"],
        ["failed", "ValidationFailed"]
      ])
      expect(strict.entities).toEqual([])
    })
  )

  effectTest("an unknown class or verb is found after known ones in the same step, and a known one after it", () =>
    Effect.gen(function* () {
      const connector = Connector.make({
        name: "vocabulary",
        steps: [
          step("mixed", "known, unknown, known again").run((ctx) =>
            Effect.gen(function* () {
              for (const klass of ["Host", "Host", "Gizmo", "Host", "Widget", "Service"]) {
                yield* ctx.emitEntity(entity("thing", klass).class(klass))
              }
              for (const verb of ["HAS", "HAS", "ZAPS", "USES", "ZAPS"]) {
                yield* ctx.emitRelationship(relationship("thing", "Host", verb, "thing", "Service").key(verb))
              }
            })
          )
        ]
      })
      const lax = yield* runConnector(connector)
      expect(lax.steps.map((s) => s.status)).toEqual(["succeeded"])
      expect(lax.warnings.map((w) => [w.message, w.count])).toEqual([
        ['unknown class "Gizmo"', 1],
        ['unknown class "Widget"', 1],
        ['unknown verb "ZAPS"', 2]
      ])
    })
  )
})

describe("properties of a shape set often (made by the shape's copier)", () => {
  /** Own properties `names` with `values`, set one by one: `__proto__` is data, as in a parsed object. */
  const own = (names: ReadonlyArray<string>, values: ReadonlyArray<unknown>): Record<string, PropertyValue> => {
    const object: Record<string, PropertyValue> = {}
    names.forEach((name, at) => {
      Object.defineProperty(object, name, { value: values[at], enumerable: true, writable: true, configurable: true })
    })
    return object
  }
  const isFlat = (value: unknown): boolean =>
    typeof value === "string" ||
    typeof value === "boolean" ||
    value === null ||
    (typeof value === "number" && Number.isFinite(value)) ||
    (Array.isArray(value) && value.every((element) => typeof element === "string"))
  /** What staging `object` must give, worked out on its own: the first bad property in sorted order, or the canonical JSON. */
  const expected = (object: Record<string, unknown>): { readonly bad: string } | { readonly json: string } => {
    const names = Object.keys(object).sort()
    const bad = names.find((name) => name === "" || !isFlat(object[name]))
    return bad === undefined ? { json: canonicalProperties(object as Properties) } : { bad }
  }

  const name = fc.constantFrom("", "__proto__", "a", "b", "é", '"q"', "1", "10", "a\u2028b", "constructor", "x y")
  const flat = fc.oneof(
    fc.string(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 3 })
  )
  const bad = fc.constantFrom<unknown>(Number.NaN, Number.POSITIVE_INFINITY, undefined, { x: 1 }, [1], () => 1)
  const value = fc.oneof({ arbitrary: flat, weight: 12 }, { arbitrary: bad, weight: 1 })
  // Two shapes (names in the order they are set), each used often enough that its copier is made.
  const shapes = fc.tuple(fc.uniqueArray(name, { minLength: 1, maxLength: 5 }), fc.uniqueArray(name, { maxLength: 5 }))
  const run = shapes.chain(([first, second]) =>
    fc.tuple(
      fc.constant([first, second] as const),
      fc.array(
        fc.tuple(
          fc.boolean(),
          fc.array(value, { minLength: 5, maxLength: 5 }),
          fc.option(fc.tuple(name, flat), { nil: undefined })
        ),
        { minLength: 40, maxLength: 60 }
      )
    )
  )

  test("stage as set name by name: the same canonical JSON, the same property rejected, nothing changed later", () => {
    fc.assert(
      fc.property(run, ([[first, second], objects]) => {
        for (const [useFirst, values, change] of objects) {
          const names = useFirst ? first : second
          const given = own(names, values)
          const builder = entity("host", "h").class("Host").properties(given)
          const staged = builder.toStaged("a")
          const want = expected(given)
          if ("bad" in want) {
            expect(failure(staged).property).toBe(want.bad)
            continue
          }
          if (staged instanceof ValidationFailed) throw staged
          expect(staged.json).toBe(want.json)
          expect(Object.keys(staged.record.properties)).toEqual(Object.keys(JSON.parse(staged.json)))
          // What was emitted stays as it was: arrays given grow, the builder changes and is emitted again.
          for (const held of Object.values(given)) if (Array.isArray(held)) held.push("later")
          expect(JSON.stringify(staged.record.properties)).toBe(want.json)
          if (change === undefined) continue
          const [changed, to] = change
          const again = builder.property(changed, to).toStaged("a")
          // The builder holds what it emitted (arrays copied then, so without "later"), and the change.
          const kept = names.filter((other) => other !== changed)
          const merged = own([...kept, changed], [...kept.map((other) => staged.record.properties[other]), to])
          const wantAgain = expected(merged)
          if ("bad" in wantAgain) expect(failure(again).property).toBe(wantAgain.bad)
          else if (again instanceof ValidationFailed) throw again
          else expect(again.json).toBe(wantAgain.json)
          expect(JSON.stringify(staged.record.properties)).toBe(want.json)
        }
      }),
      { numRuns: 300 }
    )
  })

  test("where code cannot be compiled, a shape set often is copied name by name", () => {
    const compile = globalThis.Function
    let refused = 0
    globalThis.Function = function refuse() {
      refused++
      throw new EvalError("code generation from strings disallowed")
    } as unknown as FunctionConstructor
    try {
      for (let use = 0; use < 40; use++) {
        const staged = entity("host", "h")
          .class("Host")
          .properties({ zeta: use, alpha: "a", mid: [`${use}`] })
          .toStaged("a")
        if (staged instanceof ValidationFailed) throw staged
        expect(staged.json).toBe(`{"alpha":"a","mid":["${use}"],"zeta":${use}}`)
      }
    } finally {
      globalThis.Function = compile
    }
    expect(refused).toBe(1)
  })

  test("a value that is not flat is rejected after the shape's copier is made, naming the property", () => {
    const set = (port: unknown) =>
      entity("host", "h")
        .class("Host")
        .properties({ port: port as PropertyValue, name: "web" })
        .toRecord("a")
    for (let use = 0; use < 40; use++) expect(set(use)).not.toBeInstanceOf(ValidationFailed)
    for (const [, bad, why] of badValues) {
      const error = failure(set(bad))
      expect(error.property).toBe("port")
      expect(error.reason).toMatch(why)
    }
  })
})
