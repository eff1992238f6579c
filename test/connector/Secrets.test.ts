import { describe, expect, test } from "bun:test"
import { Effect, Logger, Option, Redacted } from "effect"
import fc from "fast-check"
import { ApiError, AuthFailed, ConnectorFailed } from "parallax-connect"
import { leakSites, secretTokens } from "../../harness/internal/Secrets.ts"
import { maskSecrets, REDACTED, secretsOf } from "../../src/connector/Secrets.ts"

const TOKEN = "s3cr3t/token+value=&x"
const config = { org: "acme", token: Redacted.make(TOKEN) }

describe("the secrets of a config", () => {
  test("are every Redacted value, at any depth, in arrays, structs and classes", () => {
    const nested = {
      a: Redacted.make("one"),
      list: [{ b: Redacted.make("two") }],
      option: Option.some(Redacted.make("three")),
      deep: { er: { still: { deeper: [Redacted.make(4)] } } },
      plain: "not a secret"
    }
    expect([...secretsOf(nested)].sort()).toEqual(["4", "one", "three", "two"])
  })
})

describe("masking", () => {
  const mask = maskSecrets(config)

  test("replaces the secret as is, in a credential, trimmed, JSON-escaped, URL-encoded, base64 and hex", () => {
    const bytes = Buffer.from(TOKEN)
    for (const text of [
      TOKEN,
      `Authorization: Bearer ${TOKEN}`,
      `token ${TOKEN}`,
      JSON.stringify({ echoed: TOKEN }),
      `?access_token=${encodeURIComponent(TOKEN)}`,
      `?access_token=${encodeURIComponent(TOKEN).toLowerCase()}`,
      `?${new URLSearchParams({ key: TOKEN })}`,
      `Basic ${btoa(`user:${TOKEN}`)}`,
      `Basic ${btoa(`u:${TOKEN}`)}`,
      `Basic ${btoa(`${TOKEN}`)}`,
      Buffer.from(`x${TOKEN}`).toString("base64url"),
      bytes.toString("hex"),
      bytes.toString("hex").toUpperCase()
    ]) {
      const masked = mask.text(text)
      expect({ text, leaks: leakSites(masked, TOKEN) }).toEqual({ text, leaks: [] })
      expect(masked).toContain(REDACTED)
    }
    expect(mask.text("nothing secret here")).toBe("nothing secret here")
  })

  test("every token shape the harness plants, in every form it looks for", () => {
    fc.assert(
      fc.property(secretTokens, fc.constantFrom("", "user:", "u:", "ab:"), (tokens, prefix) => {
        const masking = maskSecrets({ tokens: tokens.map((token) => Redacted.make(token)) })
        for (const token of tokens) {
          const trimmed = token.trim()
          const text = [
            `Bearer ${token}`,
            `Basic ${btoa(`${prefix}${trimmed}`)}`,
            `?k=${encodeURIComponent(trimmed)}`,
            `?${new URLSearchParams({ k: trimmed })}`,
            Buffer.from(trimmed).toString("hex")
          ].join(" ")
          expect(leakSites(masking.text(text), trimmed)).toEqual([])
        }
      }),
      { numRuns: 200, seed: 20261123 }
    )
  })

  test("an error is a copy of the same class with every field, the message, the stack and the cause masked", () => {
    const error = new ConnectorFailed({ reason: `refused ${TOKEN}`, cause: new Error(`HTTP 401 ${TOKEN}`) })
    const masked = mask.value(error)
    expect(masked).toBeInstanceOf(ConnectorFailed)
    expect(masked._tag).toBe("ConnectorFailed")
    expect(masked.message).toBe(`refused ${REDACTED}`)
    expect((masked.cause as Error).message).toBe(`HTTP 401 ${REDACTED}`)
    expect(masked.cause).toBeInstanceOf(Error)
    const everything = JSON.stringify(masked) + String(masked.stack) + String((masked.cause as Error).stack)
    expect(leakSites(everything, TOKEN)).toEqual([])
    // The original is left as it was, and an error without the secret is returned itself.
    expect(error.reason).toBe(`refused ${TOKEN}`)
    const clean = new AuthFailed({ service: "api", reason: "refused" })
    expect(mask.value(clean)).toBe(clean)
    const api = mask.value(new ApiError({ service: "api", reason: "x", url: `/a?t=${TOKEN}`, retryable: true }))
    expect(api).toMatchObject({ _tag: "ApiError", url: `/a?t=${REDACTED}`, retryable: true })
  })

  test("log lines: the message, its other parts, annotations and the cause", async () => {
    const lines: Array<string> = []
    const logger = Logger.make(({ message, annotations, cause }) => {
      lines.push(JSON.stringify({ message, annotations: [...annotations] }) + String(cause))
    })
    await Effect.runPromise(
      mask
        .logging(
          Effect.gen(function* () {
            yield* Effect.logWarning(`said ${TOKEN}`, { header: `Bearer ${TOKEN}` }).pipe(
              Effect.annotateLogs("request", `?k=${encodeURIComponent(TOKEN)}`)
            )
            yield* Effect.logError("failed", new Error(`boom ${TOKEN}`))
          })
        )
        .pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
    )
    expect(lines).toHaveLength(2)
    expect(lines.join("\n")).toContain(REDACTED)
    expect(leakSites(lines.join("\n"), TOKEN)).toEqual([])
  })

  test("a config without secrets masks nothing; a secret shorter than 4 characters is not searched for", () => {
    const none = maskSecrets({ org: "acme" })
    expect(none.active).toBe(false)
    expect(none.text("anything")).toBe("anything")
    expect(maskSecrets({ token: Redacted.make("abc") }).text("abc abcd")).toBe("abc abcd")
  })
})
