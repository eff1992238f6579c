import type { HttpClientRequest } from "@effect/platform"
import { Redacted, Schema } from "effect"

/** What a fixture keeps of a request: enough to match it again, and for people to read. */
export const RecordedRequest = Schema.Struct({
  method: Schema.String,
  url: Schema.String,
  headers: Schema.Record({ key: Schema.String, value: Schema.String }),
  body: Schema.optional(Schema.String)
})

/** What a fixture keeps of a response: JSON bodies as JSON (readable diffs), others as text or base64. */
export const RecordedResponse = Schema.Struct({
  status: Schema.Number,
  headers: Schema.Record({ key: Schema.String, value: Schema.String }),
  json: Schema.optional(Schema.Unknown),
  body: Schema.optional(Schema.String),
  base64: Schema.optional(Schema.String)
})

/** One recorded request and the response it got. */
export const RecordedExchange = Schema.Struct({ request: RecordedRequest, response: RecordedResponse })
export type RecordedExchange = typeof RecordedExchange.Type

/** A fixture file: the exchanges, sorted by request (the order of a request's repeats kept). */
export const HttpFixture = Schema.Struct({
  parallaxHttpFixture: Schema.Literal(1),
  exchanges: Schema.Array(RecordedExchange)
})
export type HttpFixture = typeof HttpFixture.Type

/** What replaces a secret, and the value of a header kept out of the file. */
export const REDACTED = "<redacted>"

/** Request headers whose values never reach a fixture. */
export const SECRET_HEADERS: ReadonlyArray<string> = [
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-api-key"
]

/** Headers that change with every exchange (tracing, dates) or describe the transfer, not the content: not kept. */
const VOLATILE_HEADERS = new Set([
  "b3",
  "traceparent",
  "tracestate",
  "date",
  "age",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "content-encoding"
])

/** The text of a request body, as it is matched and stored (`undefined` when there is none). */
export const bodyText = (body: HttpClientRequest.HttpClientRequest["body"]): string | undefined => {
  switch (body._tag) {
    case "Empty":
      return undefined
    case "Uint8Array":
      return new TextDecoder().decode(body.body)
    case "Raw":
      return typeof body.body === "string" ? body.body : `<${body._tag} body>`
    default:
      return `<${body._tag} body>`
  }
}

/** How a request is matched: method, path and query (not the host), and the body. */
export const matchKey = (method: string, url: string, body: string | undefined): string => {
  const parsed = URL.canParse(url) ? new URL(url) : undefined
  const where = parsed === undefined ? url : `${parsed.pathname}${parsed.search}`
  return `${method.toUpperCase()} ${where}${body === undefined || body === "" ? "" : `\n${body}`}`
}

/** Every form in which a secret could be written into a URL, a header or a JSON body. */
const formsOf = (secret: string): ReadonlyArray<string> => {
  const base64 = Buffer.from(secret, "utf8").toString("base64")
  return [
    secret,
    encodeURIComponent(secret),
    new URLSearchParams({ s: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
    base64,
    base64.replace(/=+$/, ""),
    base64.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")
  ].filter((form) => form.length > 0)
}

/** Replaces every secret (in each of its forms) and then each `[from, to]` pair, in one text. */
export const scrubber = (
  secrets: ReadonlyArray<string | Redacted.Redacted<string>>,
  replace: ReadonlyArray<readonly [string, string]>
): ((text: string) => string) => {
  const forms = [
    ...new Set(
      secrets
        .map((secret) => (Redacted.isRedacted(secret) ? Redacted.value(secret) : secret))
        .filter((secret) => secret.length > 0)
        .flatMap(formsOf)
    )
  ].sort((a, b) => b.length - a.length)
  return (text) => {
    let out = text
    for (const form of forms) out = out.split(form).join(REDACTED)
    for (const [from, to] of replace) if (from !== "") out = out.split(from).join(to)
    return out
  }
}

/** The headers a fixture keeps: lower-case names, sorted; secret ones as `<redacted>`, volatile ones dropped. */
export const keptHeaders = (
  headers: Readonly<Record<string, string>>,
  secretHeaders: ReadonlySet<string>,
  scrub: (text: string) => string
): Record<string, string> => {
  const kept: Record<string, string> = {}
  for (const name of Object.keys(headers).sort()) {
    const lower = name.toLowerCase()
    if (VOLATILE_HEADERS.has(lower)) continue
    kept[lower] = secretHeaders.has(lower) ? REDACTED : scrub(headers[name] ?? "")
  }
  return kept
}

/** A response body as a fixture keeps it: JSON when it is JSON, text when it is UTF-8, base64 otherwise. */
export const keptBody = (
  bytes: Uint8Array,
  contentType: string,
  scrub: (text: string) => string
): Pick<typeof RecordedResponse.Type, "json" | "body" | "base64"> => {
  if (bytes.length === 0) return {}
  let text: string
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes)
  } catch {
    return { base64: Buffer.from(bytes).toString("base64") }
  }
  const scrubbed = scrub(text)
  if (/json/i.test(contentType)) {
    try {
      return { json: JSON.parse(scrubbed) as unknown }
    } catch {
      return { body: scrubbed }
    }
  }
  return { body: scrubbed }
}

/** The bytes a recorded response replays. */
export const replayedBody = (response: typeof RecordedResponse.Type): string | Uint8Array | null =>
  response.json !== undefined
    ? JSON.stringify(response.json)
    : response.body !== undefined
      ? response.body
      : response.base64 !== undefined
        ? Buffer.from(response.base64, "base64")
        : null

/**
 * The fixture's text: exchanges sorted by how they are matched (a stable sort, so a request's repeats keep
 * their order), a repeat that got the same response as the one before it dropped, two-space JSON.
 */
export const fixtureText = (exchanges: ReadonlyArray<RecordedExchange>): string => {
  const keyOf = (exchange: RecordedExchange) =>
    matchKey(exchange.request.method, exchange.request.url, exchange.request.body)
  const sorted = [...exchanges].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0))
  const kept = sorted.filter((exchange, index) => {
    const before = sorted[index - 1]
    return (
      before === undefined ||
      keyOf(before) !== keyOf(exchange) ||
      JSON.stringify(before.response) !== JSON.stringify(exchange.response)
    )
  })
  const fixture: HttpFixture = { parallaxHttpFixture: 1, exchanges: kept }
  return `${JSON.stringify(fixture, null, 2)}\n`
}
