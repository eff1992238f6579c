import { describe, expect, test } from "bun:test"
import fc from "fast-check"
import { entity, relationship } from "../../src/index.ts"
import { hash128 } from "../../src/model/Hash.ts"
import {
  canonicalEncoding,
  canonicalProperties,
  contentHash,
  entityId,
  hashContent,
  type Properties,
  relationshipId
} from "../../src/model/Ids.ts"

// Pinned once: changing the encoding or the hash would orphan every stored row (DESIGN §3, C03).
describe("golden ids", () => {
  test.each([
    [["prod", "host", "web-01"], "55393c7187bab3e523fe6118b432c3cc"],
    [["", "", ""], "524834293e1fd9871b1b3071f363f51c"],
    [["a:b", "c", "d"], "1ff9cd5ffe3b2d49f09e1c995db34c69"],
    [["a", "b:c", "d"], "3d8ab9d83db8c680f080132af8a14208"],
    [["acct", "aws_iam_role", "arn:aws:iam::123:role/Admin"], "ad4ed94fa37fcbca19722cd29a4362c7"],
    [["ü", "日本", "🚀"], "a1837d581e51742f468184b541635cba"],
    [["x", "y", "\uD800"], "fd5177f5d22eb0daa85e6491f3124ddf"]
  ] as const)("entity %j", ([account, type, key], id) => {
    expect(entityId(account, type, key)).toBe(id)
  })

  test("relationships, with and without a key", () => {
    const host = entityId("prod", "host", "web-01")
    const service = entityId("prod", "service", "nginx")
    expect(relationshipId(host, "RUNS", service)).toBe("06d2f7bcf1b0bca98ffb378004303cea")
    expect(relationshipId(host, "RUNS", service, "")).toBe("ce8cd72985728cf12b661cf93a268e37")
    expect(relationshipId(host, "RUNS", service, "443")).toBe("df7f328b56a0d164d1ee125f1e90288b")
  })

  // Pinned again when the canonical form became `"class""displayName"{sorted properties}` (0.1.0, before
  // any release): the properties part is the stored JSON, so emit serialises properties once.
  test("content hashes", () => {
    const properties = { state: "running", cores: 4, tags: ["a", "b"], ok: true, gone: null }
    expect(contentHash("Host", "Web Server 01", properties)).toBe("2584c90ac298e9a089df532f19e68fd8")
    expect(contentHash("", "", {})).toBe("f7b0e8c108e9b4a5da8bdb8e9b3406c5")
  })

  test("ids are 128 bits of lowercase hex", () => {
    expect(entityId("a", "b", "c")).toMatch(/^[0-9a-f]{32}$/)
  })
})

// Strings that stress an encoding: separators, empty strings, lengths' bytes, unicode, lone surrogates.
const field = fc.oneof(
  fc.constantFrom(
    "",
    ":",
    "::",
    "/",
    "|",
    "\u0000",
    "\u0000\u0000\u0000\u0001",
    "a",
    "\uD800",
    "\uFFFD",
    "é",
    "e\u0301"
  ),
  fc.string({ maxLength: 6 }),
  fc.string({ unit: "binary", maxLength: 6 }),
  fc.array(fc.constantFrom(":", "/", "|", "a", "\u0000"), { maxLength: 5 }).map((chars) => chars.join(""))
)
const tuple = fc.array(field, { minLength: 3, maxLength: 4 })
const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])
const sameTuple = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i])

type Encode = (fields: ReadonlyArray<string>) => Uint8Array | string
type Id = (fields: ReadonlyArray<string>) => string

/** Random pairs of tuples, or pairs built to look alike to a weak encoding. */
const confusable = fc.tuple(tuple, fc.nat(), fc.constantFrom("surrogate", "low", "shift")).map(([a, n, how]) => {
  const k = n % (a.length - 1)
  const left = [...a]
  const right = [...a]
  if (how === "surrogate") {
    left[k] = `${a[k]}\uD800`
    right[k] = `${a[k]}\uFFFD`
  } else if (how === "low") {
    left[k] = `\uDC00${a[k]}`
    right[k] = `\uDBFF${a[k]}`
  } else {
    left[k] = `${a[k]}:${a[k + 1]}`
    left[k + 1] = ""
    right[k + 1] = `${a[k]}:${a[k + 1]}`
    right[k] = ""
  }
  return [left, right] as const
})
const pairs = fc.oneof(fc.tuple(tuple, tuple), confusable)

/** Different tuples never share an encoding, nor an id. */
const injective = (encode: Encode, id: Id) =>
  fc.property(pairs, ([a, b]) => {
    fc.pre(!sameTuple(a, b))
    const [x, y] = [encode(a), encode(b)]
    if (typeof x === "string" || typeof y === "string") expect(x).not.toBe(y)
    else expect(bytesEqual(x, y)).toBe(false)
    expect(id(a)).not.toBe(id(b))
  })

const realEncode: Encode = (fields) => canonicalEncoding("test", fields)
const realId: Id = (fields) =>
  fields.length === 3
    ? entityId(fields[0] as string, fields[1] as string, fields[2] as string)
    : relationshipId(fields[0] as string, fields[1] as string, fields[2] as string, fields[3])

const naiveEncode: Encode = (fields) => fields.join(":")
const naiveId: Id = (fields) => hash128(fields.join(":"))
// Length-prefixed, but through TextEncoder alone: lone surrogates all become U+FFFD.
const lossyEncode: Encode = (fields) => {
  const parts = fields.map((f) => new TextEncoder().encode(f))
  return Uint8Array.from(parts.flatMap((p) => [p.length, ...p]))
}
const lossyId: Id = (fields) => hash128(lossyEncode(fields))

/** The property must find a counterexample: it is strong enough to catch the broken variant. */
const fails = <T>(property: fc.IProperty<T>, numRuns: number) => {
  const details = fc.check(property, { numRuns })
  expect(details.failed).toBe(true)
}

/**
 * Ids asked for in runs, as a connector emits (one type after another, relationships between them, now and
 * then a key long enough to outgrow the encoder's buffer), each equal to the hash of its encoding as
 * `canonicalEncoding` gives it afterwards: no id depends on what was encoded before it.
 */
const asked = fc.array(
  fc.oneof(
    fc.tuple(fc.constantFrom("a", "b"), fc.constantFrom("host", "user", "h"), fc.oneof(fc.string(), field)),
    fc.tuple(fc.constant("a"), fc.constant("host"), fc.string({ unit: "binary", minLength: 1400, maxLength: 1600 })),
    fc.tuple(fc.string({ maxLength: 3 }), fc.constantFrom("HAS", "RUNS"), fc.string({ maxLength: 3 }), fc.string())
  ),
  { maxLength: 30 }
)
const sequential = (
  entityIdOf: (account: string, type: string, key: string) => string,
  relationshipIdOf: (from: string, verb: string, to: string, key?: string) => string
) =>
  fc.property(asked, (calls) => {
    const ids = calls.map((call) =>
      call.length === 3 ? entityIdOf(...call) : relationshipIdOf(call[0], call[1], call[2], call[3] || undefined)
    )
    const expected = calls.map((call) =>
      call.length === 3
        ? hash128(canonicalEncoding("parallax/entity/v1", call))
        : hash128(canonicalEncoding("parallax/relationship/v1", call[3] ? call : call.slice(0, 3)))
    )
    expect(ids).toEqual(expected)
  })

describe("identity is injective (C03)", () => {
  test("random tuples never collide", () => {
    fc.assert(injective(realEncode, realId), { numRuns: 3000 })
  })

  test("the entity tuple, not only the encoding, is injective: (a, b:c) vs (a:b, c)", () => {
    expect(entityId("a", "b:c", "d")).not.toBe(entityId("a:b", "c", "d"))
    expect(entityId("", "a", "")).not.toBe(entityId("a", "", ""))
    expect(entityId("x", "y", "\uD800")).not.toBe(entityId("x", "y", "\uFFFD"))
    expect(entityId("x", "y", "\uD800\uDC00")).not.toBe(entityId("x", "y", "\uD800"))
  })

  test("a relationship's key is part of its id; no key differs from an empty key", () => {
    expect(relationshipId("f", "HAS", "t")).not.toBe(relationshipId("f", "HAS", "t", ""))
  })

  test("entity and relationship ids live in different domains", () => {
    expect(canonicalEncoding("parallax/entity/v1", ["a", "b", "c"])).not.toEqual(
      canonicalEncoding("parallax/relationship/v1", ["a", "b", "c"])
    )
  })

  test("the property catches a naive join(':') encoding", () => {
    fails(injective(naiveEncode, naiveId), 500)
  })

  test("the property catches an encoding that loses lone surrogates", () => {
    fails(injective(lossyEncode, lossyId), 500)
  })
})

// Properties with their insertion order shuffled.
const properties = fc.dictionary(
  fc.string({ maxLength: 4 }),
  fc.oneof(
    fc.string({ maxLength: 4 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 })
  ),
  { maxKeys: 8 }
)
const reordered = properties.chain((props) =>
  fc.shuffledSubarray(Object.keys(props), { minLength: Object.keys(props).length }).map((keys) => {
    const copy: Record<string, Properties[string]> = {}
    for (const key of keys) copy[key] = props[key] as Properties[string]
    return [props, copy] as const
  })
)

type Hash = (klass: string, displayName: string, properties: Properties) => string
const orderIndependent = (hash: Hash) =>
  fc.property(reordered, ([a, b]) => {
    expect(hash("Host", "name", b)).toBe(hash("Host", "name", a))
  })
const unsortedHash: Hash = (klass, displayName, props) => hash128(JSON.stringify([klass, displayName, props]))

describe("content hashes (DESIGN §3)", () => {
  test("class and display name are hashed as their JSON string literals, whatever characters they hold", () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constantFrom('"', "\\", "\n", "\uD800", "é"))
    fc.assert(
      fc.property(text, text, (klass, name) => {
        expect(hashContent(klass, name, "{}")).toBe(hash128(`${JSON.stringify(klass)}${JSON.stringify(name)}{}`))
      }),
      { numRuns: 1000 }
    )
  })

  test("entity ids are the same however often and in whatever order they are asked for", () => {
    const tuples = fc.array(fc.tuple(fc.constantFrom("a", "b"), fc.constantFrom("host", "user"), fc.string()), {
      maxLength: 40
    })
    fc.assert(
      fc.property(tuples, (asked) => {
        for (const [account, type, key] of asked) {
          expect(entityId(account, type, key)).toBe(
            hash128(canonicalEncoding("parallax/entity/v1", [account, type, key]))
          )
        }
      })
    )
  })

  test("ids asked for one after another are the ids of their encodings, whatever came before", () => {
    fc.assert(sequential(entityId, relationshipId), { numRuns: 300 })
  })

  test("the property catches ids that reuse the encoding of an earlier type or account", () => {
    // A broken cache: the encoded prefix is kept while the account stays, whatever the type.
    let account: string | undefined
    let prefix: Uint8Array = new Uint8Array(0)
    const stale = (a: string, type: string, key: string): string => {
      if (a !== account) {
        prefix = canonicalEncoding("parallax/entity/v1", [a, type])
        account = a
      }
      const last = canonicalEncoding("", [key]).subarray(4)
      const whole = new Uint8Array(prefix.length + last.length)
      whole.set(prefix)
      whole.set(last, prefix.length)
      return hash128(whole)
    }
    fails(sequential(stale, relationshipId), 300)
  })

  test("an emitted record's hash is contentHash of its content, and its JSON the canonical properties", () => {
    fc.assert(
      fc.property(reordered, fc.string(), ([a, b], name) => {
        fc.pre(!("" in a))
        const first = entity("host", "k").class("Host").displayName(name).properties(a).toStaged("acct")
        const second = entity("host", "k").class("Host").displayName(name).properties(b).toStaged("acct")
        if (first instanceof Error || second instanceof Error) throw new Error("rejected")
        expect(first.record.hash).toBe(contentHash("Host", name, a))
        expect(second.record.hash).toBe(first.record.hash)
        expect(second.json).toBe(first.json)
        expect(first.json).toBe(canonicalProperties(a))
        expect(JSON.parse(first.json)).toEqual(JSON.parse(JSON.stringify(a)))
      }),
      { numRuns: 300 }
    )
    const edge = relationship("host", "a", "RUNS", "service", "b").toStaged("acct")
    if (edge instanceof Error) throw edge
    expect(edge.record.hash).toBe(contentHash("RUNS", "", {}))
  })

  test("ignore property insertion order", () => {
    fc.assert(orderIndependent(contentHash), { numRuns: 500 })
    expect(contentHash("Host", "x", { a: 1, b: 2 })).toBe(contentHash("Host", "x", { b: 2, a: 1 }))
  })

  test("the property catches a hash of the unsorted properties", () => {
    fails(orderIndependent(unsortedHash), 500)
  })

  test("differ when the content differs", () => {
    fc.assert(
      fc.property(properties, properties, (a, b) => {
        fc.pre(JSON.stringify(Object.entries(a).sort()) !== JSON.stringify(Object.entries(b).sort()))
        expect(contentHash("Host", "n", a)).not.toBe(contentHash("Host", "n", b))
      }),
      { numRuns: 300 }
    )
    expect(contentHash("Host", "n", { a: "1" })).not.toBe(contentHash("Host", "n", { a: 1 }))
    expect(contentHash("Host", "n", { a: ["x,y"] })).not.toBe(contentHash("Host", "n", { a: ["x", "y"] }))
    expect(contentHash("Host", "n", {})).not.toBe(contentHash("User", "n", {}))
    expect(contentHash("Host", "n", {})).not.toBe(contentHash("Host", "m", {}))
  })
})
