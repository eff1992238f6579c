import { describe, expect, test } from "bun:test"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { BunContext } from "@effect/platform-bun"
import { Effect, Either, Redacted, Schema } from "effect"
import { Connector, step } from "parallax-connect"
import { type ConfigInput, configErrorMessage, envName, gatherConfig } from "../../src/cli/ConfigSources.ts"
import type { AnyConnector } from "../../src/cli/ResolveConnector.ts"
import { tempDir } from "../support/TempDirs.ts"

const connector = Connector.make({
  name: "my-source",
  config: Schema.Struct({
    hosts: Schema.Number,
    retry: Schema.optional(
      Schema.Struct({
        maxDelay: Schema.Number,
        enabled: Schema.Boolean,
        backoff: Schema.optional(Schema.Struct({ factor: Schema.Number }))
      })
    ),
    /** Collides with `retry.max` below: both are PARALLAX_MY_SOURCE_RETRY_MAX. */
    retryMax: Schema.optional(Schema.String),
    limits: Schema.optional(Schema.Struct({ max: Schema.Number })),
    tags: Schema.optional(Schema.Array(Schema.String))
  }),
  steps: [step("a", "A").run(() => Effect.void)]
}) as unknown as AnyConnector

const gather = (input: Partial<ConfigInput>) =>
  Effect.runPromise(
    gatherConfig(connector, { file: undefined, set: [], env: {}, ...input }).pipe(Effect.provide(BunContext.layer))
  )

const decode = (raw: unknown) => Effect.runSync(Effect.either(Connector.decodeConfig(connector, raw)))

describe("config sources", () => {
  test("--set a.b=v is typed by the schema at that path, however deep", async () => {
    const { raw } = await gather({
      set: ["hosts=2", "retry.maxDelay=5", "retry.enabled=true", "retry.backoff.factor=1.5", "tags=a,b"]
    })
    expect(raw).toEqual({ hosts: 2, retry: { maxDelay: 5, enabled: true, backoff: { factor: 1.5 } }, tags: ["a", "b"] })
    expect(Either.isRight(decode(raw))).toBe(true)
  })

  test("environment variables set nested keys, parents before children", async () => {
    expect(envName("my-source", ["retry", "maxDelay"])).toBe("PARALLAX_MY_SOURCE_RETRY_MAX_DELAY")
    const { raw, origins } = await gather({
      env: {
        PARALLAX_MY_SOURCE_HOSTS: "3",
        PARALLAX_MY_SOURCE_RETRY_BACKOFF_FACTOR: "2",
        PARALLAX_MY_SOURCE_RETRY: '{"maxDelay": 1, "enabled": false}',
        PARALLAX_MY_SOURCE_RETRY_MAX_DELAY: "9",
        PARALLAX_MY_SOURCE_LIMITS_MAX: "4"
      }
    })
    expect(raw).toEqual({
      hosts: 3,
      retry: { maxDelay: 9, enabled: false, backoff: { factor: 2 } },
      limits: { max: 4 }
    })
    expect(origins.get("retry.maxDelay")).toBe("PARALLAX_MY_SOURCE_RETRY_MAX_DELAY")
  })

  test("an ambiguous variable sets the top-level key only", async () => {
    // `retryMax` and `retry.max` would both be PARALLAX_MY_SOURCE_RETRY_MAX; `limits.max` is unambiguous.
    const { raw } = await gather({ env: { PARALLAX_MY_SOURCE_RETRY_MAX: "7" } })
    expect(raw).toEqual({ retryMax: "7" })
  })

  test("a config error names the variable, the flag or the file a bad value came from", async () => {
    const config = await gather({
      env: { PARALLAX_MY_SOURCE_HOSTS: "many", PARALLAX_MY_SOURCE_RETRY_MAX_DELAY: "soon" },
      set: ["retry.enabled=perhaps"]
    })
    const result = decode(config.raw)
    if (Either.isRight(result)) throw new Error("expected a config error")
    const message = configErrorMessage(result.left, connector, config)
    expect(message).toContain('hosts: Expected number, actual "many" (from PARALLAX_MY_SOURCE_HOSTS)')
    expect(message).toContain(
      'retry.maxDelay: Expected number, actual "soon" (from PARALLAX_MY_SOURCE_RETRY_MAX_DELAY)'
    )
    expect(message).toContain("retry.enabled: Expected boolean")
    expect(message).toContain("(from --set retry.enabled)")
    expect(message).not.toContain("retry: Expected undefined")
  })

  test("a field whose union rejects a value has one line: the alternatives' expectations together", async () => {
    const choosy = Connector.make({
      name: "choosy",
      config: Schema.Struct({
        mode: Schema.Literal("fast", "safe", "off"),
        limit: Schema.Union(Schema.Number, Schema.Boolean),
        name: Schema.String
      }),
      steps: [step("a", "A").run(() => Effect.void)]
    }) as unknown as AnyConnector
    const config = await Effect.runPromise(
      gatherConfig(choosy, { file: undefined, set: ["mode=quick", "limit=lots", "name=x"], env: {} }).pipe(
        Effect.provide(BunContext.layer)
      )
    )
    const result = Effect.runSync(Effect.either(Connector.decodeConfig(choosy, config.raw)))
    if (Either.isRight(result)) throw new Error("expected a config error")
    const lines = configErrorMessage(result.left, choosy, config).split("\n").slice(1)
    expect(lines).toEqual([
      '  - mode: Expected "fast" | "safe" | "off", actual "quick" (from --set mode)',
      '  - limit: Expected number | boolean, actual "lots" (from --set limit)'
    ])
  })
})

describe("keys that name an object's own machinery", () => {
  const rejected = async (input: Partial<ConfigInput>) => {
    const config = await gather(input)
    const result = decode(config.raw)
    if (Either.isRight(result)) throw new Error(`expected a config error for ${JSON.stringify(input)}`)
    return configErrorMessage(result.left, connector, config)
  }

  test.each([
    ["__proto__.x=1", "__proto__"],
    ["__proto__=1", "__proto__"],
    ["constructor.x=1", "constructor"],
    ["constructor=1", "constructor"],
    ["prototype=1", "prototype"],
    ["retry.__proto__.x=1", "retry.__proto__"]
  ])("--set %s is an unknown key like any other, named with its flag", async (pair, key) => {
    const message = await rejected({ set: ["hosts=1", pair] })
    expect(message).toContain(`  - ${key}: is unexpected`)
    expect(message).toContain(`(from --set ${pair.slice(0, pair.indexOf("="))})`)
    expect(({} as Record<string, unknown>).x).toBeUndefined()
  })

  test("the same through an environment variable holding JSON, and through a config file", async () => {
    expect(
      await rejected({ env: { PARALLAX_MY_SOURCE_HOSTS: "1", PARALLAX_MY_SOURCE_RETRY: '{"__proto__": {"x": 1}}' } })
    ).toContain("retry.__proto__: is unexpected")
    const dir = tempDir("parallax-config-")
    writeFileSync(join(dir, "c.json"), '{"hosts": 1, "__proto__": {"x": 1}}')
    writeFileSync(join(dir, "c.yaml"), "hosts: 1\n__proto__:\n  x: 1\n")
    for (const file of ["c.json", "c.yaml"]) {
      expect(await rejected({ file: join(dir, file) })).toContain(`__proto__: is unexpected, expected: "hosts"`)
    }
  })
})

describe("secrets in config errors", () => {
  const keeper = Connector.make({
    name: "keeper",
    config: Schema.Struct({
      token: Schema.Redacted(Schema.String.pipe(Schema.minLength(12))),
      url: Schema.String.pipe(Schema.pattern(/^https?:\/\//, { message: () => "expected an http(s) URL" }))
    }).pipe(
      // An author's own message that quotes the secret: the CLI still keeps it out.
      Schema.filter(
        (config) =>
          config.url !== "https://forbidden" ||
          `that url is not allowed with token ${JSON.stringify(Redacted.value(config.token))}`
      )
    ),
    steps: [step("a", "A").run(() => Effect.void)]
  }) as unknown as AnyConnector

  const message = async (set: ReadonlyArray<string>) => {
    const config = await Effect.runPromise(
      gatherConfig(keeper, { file: undefined, set, env: {} }).pipe(Effect.provide(BunContext.layer))
    )
    const result = Effect.runSync(Effect.either(Connector.decodeConfig(keeper, config.raw)))
    if (Either.isRight(result)) throw new Error("expected a config error")
    return configErrorMessage(result.left, keeper, config)
  }

  test("a one-character secret garbles no message and is not given away", async () => {
    const text = await message(["token=t", "url=notaurl"])
    expect(text).toContain("url: expected an http(s) URL (from --set url)")
    expect(text).toContain("token: Expected a string at least 12 character(s) long (secret value hidden)")
    expect(text).not.toContain('"t"')
    expect(text.match(/<redacted>/g) ?? []).toHaveLength(0)
  })

  test("a secret quoted whole in a message is replaced", async () => {
    const secret = "a-long-enough-secret"
    const text = await message([`token=${secret}`, "url=https://forbidden"])
    expect(text).toContain('that url is not allowed with token "<redacted>"')
    expect(text).not.toContain(secret)
  })
})
