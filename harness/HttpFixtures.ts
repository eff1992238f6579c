import { FetchHttpClient, FileSystem, HttpClient, HttpClientResponse } from "@effect/platform"
import { BunFileSystem } from "@effect/platform-bun"
import { Effect, Layer, type Redacted, Schema } from "effect"
import {
  bodyText,
  fixtureText,
  HttpFixture,
  keptBody,
  keptHeaders,
  matchKey,
  REDACTED,
  type RecordedExchange,
  replayedBody,
  SECRET_HEADERS,
  scrubber
} from "./internal/HttpFixture.ts"

export { HttpFixture, type RecordedExchange } from "./internal/HttpFixture.ts"

/** A fixture file: a path, or a `file:` URL (`new URL("./fixtures/api.json", import.meta.url)`). */
export type FixtureFile = string | URL

/** How to record. */
export interface RecordOptions {
  /**
   * Secret values that must never reach the file (the connector's tokens): each is replaced by
   * `<redacted>` wherever it appears (URL, headers, bodies), as is, URL-encoded, JSON-escaped or base64.
   */
  readonly secrets?: ReadonlyArray<string | Redacted.Redacted<string>>
  /** Request headers kept out of the file besides `Authorization`, `Proxy-Authorization`, `Cookie`, `X-Api-Key`. */
  readonly secretHeaders?: ReadonlyArray<string>
  /** Text replaced everywhere in the file after the secrets: a fixture server's random port, say. */
  readonly replace?: ReadonlyArray<readonly [from: string, to: string]>
  /** The client that reaches the real server (default: the platform's `fetch` client). */
  readonly client?: Layer.Layer<HttpClient.HttpClient>
}

/** How to replay. */
export interface ReplayOptions {
  /** Secrets as given to `record`: scrubbed from each request the same way before it is matched. */
  readonly secrets?: ReadonlyArray<string | Redacted.Redacted<string>>
}

/** A request the fixture has no recorded exchange for: a test failure (a defect, never retried). */
export class UnrecordedRequest extends Schema.TaggedError<UnrecordedRequest>()("UnrecordedRequest", {
  method: Schema.String,
  url: Schema.String,
  fixture: Schema.String,
  recorded: Schema.Array(Schema.String)
}) {
  override get message(): string {
    const recorded = this.recorded.length === 0 ? "none" : this.recorded.slice(0, 10).join(", ")
    return `no recorded exchange for ${this.method} ${this.url} in ${this.fixture} (requests are matched by method, path, query and body; recorded: ${recorded}${this.recorded.length > 10 ? ", ..." : ""}); record the fixture again`
  }
}

/** The `UnrecordedRequest` behind an error (a step that crashed on one), if there is one. */
export const unrecordedRequestIn = (error: unknown): UnrecordedRequest | undefined => {
  let current: unknown = error
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    if ((current as { readonly _tag?: unknown })._tag === "UnrecordedRequest") return current as UnrecordedRequest
    current = (current as { readonly cause?: unknown }).cause
  }
  return undefined
}

const pathOf = (file: FixtureFile): string => (typeof file === "string" ? file : decodeURIComponent(file.pathname))

/** Statuses whose responses have no body (a `Response` with one cannot be made). */
const NO_BODY = new Set([101, 204, 205, 304])

const webResponse = (status: number, body: string | Uint8Array | null, headers: Headers) =>
  new Response(NO_BODY.has(status) ? null : body, { status, headers })

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * An `HttpClient` that passes every request to the real server and, when the layer is released (the end
 * of the sync or test that used it), writes the exchanges to `file` with secrets scrubbed: the
 * `Authorization` header (and `Cookie`, `X-Api-Key`, ...) as `<redacted>`, each value of
 * `options.secrets` replaced wherever it appears. The file is written only if no secret is left in it.
 *
 * @example
 * const recording = GitHubClient.layerOver(options).pipe(
 *   Layer.provide(HttpFixtures.record("test/fixtures/org.json", { secrets: [config.token] }))
 * )
 */
const record = (file: FixtureFile, options: RecordOptions = {}): Layer.Layer<HttpClient.HttpClient> =>
  Layer.scoped(
    HttpClient.HttpClient,
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const upstream = yield* HttpClient.HttpClient
      const scrub = scrubber(options.secrets ?? [], options.replace ?? [])
      const secretHeaders = new Set([...SECRET_HEADERS, ...(options.secretHeaders ?? []).map((h) => h.toLowerCase())])
      const secretsLeft = scrubber(options.secrets ?? [], [])
      const exchanges: Array<RecordedExchange> = []
      yield* Effect.addFinalizer(() =>
        Effect.gen(function* () {
          const text = fixtureText(exchanges)
          if (secretsLeft(text) !== text) {
            return yield* Effect.die(new Error(`a secret would have reached ${pathOf(file)}: not written`))
          }
          yield* fs.writeFileString(pathOf(file), text)
        }).pipe(Effect.orDie)
      )
      return HttpClient.make((request, url) =>
        Effect.gen(function* () {
          const response = yield* upstream.execute(request)
          const bytes = new Uint8Array(yield* response.arrayBuffer)
          const body = bodyText(request.body)
          exchanges.push({
            request: {
              method: request.method,
              url: scrub(url.toString()),
              headers: keptHeaders(request.headers, secretHeaders, scrub),
              ...(body === undefined ? {} : { body: scrub(body) })
            },
            response: {
              status: response.status,
              headers: keptHeaders(response.headers, secretHeaders, scrub),
              ...keptBody(bytes, response.headers["content-type"] ?? "", scrub)
            }
          })
          return HttpClientResponse.fromWeb(
            request,
            webResponse(response.status, bytes, new Headers({ ...response.headers }))
          )
        })
      )
    })
  ).pipe(Layer.provide(Layer.merge(options.client ?? FetchHttpClient.layer, BunFileSystem.layer)))

/** Reads and checks a fixture file; a missing or malformed one is a defect naming the file. */
const load = (fixture: FixtureFile | HttpFixture) =>
  Effect.gen(function* () {
    if (typeof fixture === "object" && !(fixture instanceof URL)) {
      return { name: "the given fixture", exchanges: (yield* Schema.decodeUnknown(HttpFixture)(fixture)).exchanges }
    }
    const path = pathOf(fixture)
    const text = yield* (yield* FileSystem.FileSystem).readFileString(path)
    const parsed = yield* Effect.try(() => JSON.parse(text) as unknown)
    return { name: path, exchanges: (yield* Schema.decodeUnknown(HttpFixture)(parsed)).exchanges }
  }).pipe(
    Effect.catchAll((error) =>
      Effect.dieMessage(
        `cannot replay HTTP fixture ${fixture instanceof URL || typeof fixture === "string" ? pathOf(fixture) : ""}: ${errorText(error)}`
      )
    ),
    Effect.provide(BunFileSystem.layer)
  )

/**
 * An `HttpClient` that answers from a fixture `record` wrote, with no network: each request gets the
 * response recorded for the same method, path, query and body (not host: a fixture recorded against one
 * base URL replays under another), a request repeated more often than it was recorded gets its last
 * response again. A request the fixture does not hold dies with `UnrecordedRequest` naming it.
 *
 * @example
 * const replayed = GitHubClient.layerOver(options).pipe(
 *   Layer.provide(HttpFixtures.replay(new URL("./fixtures/org.json", import.meta.url)))
 * )
 */
const replay = (fixture: FixtureFile | HttpFixture, options: ReplayOptions = {}): Layer.Layer<HttpClient.HttpClient> =>
  Layer.effect(
    HttpClient.HttpClient,
    Effect.gen(function* () {
      const { name, exchanges } = yield* load(fixture)
      const scrub = scrubber(options.secrets ?? [], [])
      const byKey = new Map<string, { readonly exchanges: Array<RecordedExchange>; next: number }>()
      for (const exchange of exchanges) {
        const key = matchKey(exchange.request.method, exchange.request.url, exchange.request.body)
        const entry = byKey.get(key) ?? { exchanges: [], next: 0 }
        entry.exchanges.push(exchange)
        byKey.set(key, entry)
      }
      return HttpClient.make((request, url) => {
        const body = bodyText(request.body)
        const entry = byKey.get(matchKey(request.method, scrub(url.toString()), body && scrub(body)))
        if (entry === undefined) {
          return Effect.die(
            new UnrecordedRequest({
              method: request.method,
              url: scrub(url.toString()),
              fixture: name,
              recorded: [...byKey.keys()].map((key) => key.split("\n")[0] ?? key)
            })
          )
        }
        const { response } = entry.exchanges[Math.min(entry.next++, entry.exchanges.length - 1)] as RecordedExchange
        const headers = new Headers()
        for (const [header, value] of Object.entries(response.headers)) {
          if (value !== REDACTED) headers.set(header, value)
        }
        return Effect.succeed(
          HttpClientResponse.fromWeb(request, webResponse(response.status, replayedBody(response), headers))
        )
      })
    })
  )

/**
 * Recorded HTTP fixtures for any connector whose client is built on `@effect/platform`'s `HttpClient`:
 * `record` passes requests to the real server and saves the exchanges, secrets scrubbed; `replay`
 * serves them back without a network. See docs/harness.md, "Recorded HTTP fixtures".
 */
export const HttpFixtures = { record, replay }
