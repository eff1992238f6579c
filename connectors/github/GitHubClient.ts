import {
  FetchHttpClient,
  HttpClient,
  type HttpClientError,
  HttpClientRequest,
  type HttpClientResponse
} from "@effect/platform"
import { Clock, Context, Duration, Effect, Layer, ParseResult, type Redacted, Schedule, Schema } from "effect"
import { ApiError, AuthFailed, type ConnectorError, RateLimited } from "parallax-connect"

const SERVICE = "GitHub"
/** How many times one request is retried after a rate limit, waiting what the server asks each time. */
const RATE_LIMIT_RETRIES = 5
/** How long one request (with its body) may take before it is abandoned as a retryable `ApiError`. */
const REQUEST_TIMEOUT = Duration.seconds(60)
/** GitHub's advice when a (secondary) rate limit gives no time to wait: at least a minute. */
const DEFAULT_WAIT_MS = 60_000

/** Where the client talks to and with which token. */
export interface GitHubClientOptions {
  readonly baseUrl: string
  readonly token: Redacted.Redacted<string>
}

/** What one page of a list brought, and the next page's URL from the `Link` header. */
interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly next: string | undefined
}

/** A decoded response body, with the `Link` header that came with it. */
interface Fetched<A> {
  readonly body: A
  readonly link: string | undefined
}

/** The URL of `rel="next"` in a `Link` header. */
export const nextLink = (link: string | undefined): string | undefined => {
  for (const part of (link ?? "").split(",")) {
    const match = /<([^>]+)>\s*;\s*rel="?([^";]+)"?/.exec(part)
    if (match?.[2]?.split(" ").includes("next")) return match[1]
  }
  return undefined
}

/** A URL's origin as people read it (`https://api.github.com`, `http://127.0.0.1:8080`): never its user info, path or query. */
export const originOf = (url: URL): string => `${url.protocol}//${url.host}`

/** The URL `text` names, relative to `base` when given; `undefined` when it is not one. */
const parseUrl = (text: string, base?: string): URL | undefined => {
  try {
    return new URL(text, base)
  } catch {
    return undefined
  }
}

/** Why a request to another origin than the API's is not made: the token would go with it. */
const notTheApi = (what: string, target: URL | undefined, apiOrigin: string, url?: string) =>
  new ApiError({
    service: SERVICE,
    reason:
      target === undefined
        ? `${what} is not a URL; it is not requested`
        : `${what} is on ${originOf(target)}, not on the API's origin ${apiOrigin} (baseUrl); it is not requested, so that the token goes nowhere else`,
    ...(url === undefined ? {} : { url }),
    retryable: false
  })

const messageOf = (response: HttpClientResponse.HttpClientResponse) =>
  response.json.pipe(
    Effect.map((body) =>
      typeof body === "object" && body !== null && "message" in body && typeof body.message === "string"
        ? body.message
        : ""
    ),
    Effect.orElseSucceed(() => "")
  )

/** Turns a response that is not a success into the typed error it means. */
const failure = (url: string, response: HttpClientResponse.HttpClientResponse) =>
  Effect.gen(function* () {
    const { status, headers } = response
    const message = yield* messageOf(response)
    const said = message === "" ? "" : `: ${message}`
    if (status === 401) {
      return new AuthFailed({
        service: SERVICE,
        reason: `the token was refused (HTTP 401${said}); check the token config`
      })
    }
    if (status === 403 || status === 429) {
      const retryAfter = Number(headers["retry-after"])
      const reset = Number(headers["x-ratelimit-reset"])
      if (headers["retry-after"] !== undefined && Number.isFinite(retryAfter)) {
        return new RateLimited({ service: SERVICE, retryAfterMs: Math.max(0, Math.ceil(retryAfter * 1000)), url })
      }
      if (headers["x-ratelimit-remaining"] === "0" && Number.isFinite(reset)) {
        const now = yield* Clock.currentTimeMillis
        return new RateLimited({ service: SERVICE, retryAfterMs: Math.max(0, Math.ceil(reset * 1000 - now)), url })
      }
      if (status === 429 || /rate limit/i.test(message)) {
        return new RateLimited({ service: SERVICE, retryAfterMs: DEFAULT_WAIT_MS, url })
      }
    }
    const reason =
      status === 403
        ? `forbidden${said}; the token may lack the read:org or repo scope`
        : status === 404
          ? `not found${said}`
          : `unexpected response${said}`
    return new ApiError({ service: SERVICE, reason, status, url, retryable: status >= 500 })
  }).pipe(Effect.flatMap((error) => Effect.fail(error)))

/** A wait as people read it: `800 ms`, `3 s`, `2 min 5 s`. */
const seconds = (ms: number) => {
  const total = Math.ceil(ms / 1000)
  if (ms < 1000) return `${Math.ceil(ms)} ms`
  return total < 120 ? `${total} s` : `${Math.floor(total / 60)} min ${total % 60} s`
}

/**
 * Waits what each `RateLimited` asks, up to `RATE_LIMIT_RETRIES` times, and says so in a warning (the
 * progress shows it next to the step); other errors are not retried here.
 */
const rateLimitSchedule = Schedule.identity<ConnectorError>().pipe(
  Schedule.addDelay((error) => Duration.millis(error._tag === "RateLimited" ? error.retryAfterMs : 0)),
  Schedule.intersect(Schedule.recurs(RATE_LIMIT_RETRIES)),
  Schedule.onDecision(([error], decision) =>
    decision._tag === "Continue" && error._tag === "RateLimited"
      ? Effect.logWarning(`waiting for rate limit: ${seconds(error.retryAfterMs)} (${error.url ?? SERVICE})`)
      : Effect.void
  )
)

/** Why a request got no response (the host is unreachable, the connection was reset, ...). */
const transportFailure = (error: HttpClientError.HttpClientError): string => {
  const cause = "cause" in error ? error.cause : undefined
  const detail =
    cause instanceof Error
      ? cause.message
      : typeof cause === "object" && cause !== null && "message" in cause
        ? String(cause.message)
        : (error.description ?? error.reason)
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String(cause.code) : ""
  return `request failed: ${code !== "" && !detail.includes(code) ? `${detail} (${code})` : detail}`
}

/**
 * The GitHub REST API, as the connector's steps need it: one resource, or every page of a list. Errors
 * are typed: `AuthFailed` (401), `RateLimited` (403/429 with rate-limit headers, already retried after
 * the time the server asked), `ApiError` with status and URL (`retryable` for 5xx and network failures).
 * The token goes into the `Authorization` header only, as a `Redacted` value, and only to the API's
 * origin (scheme, host and port of `baseUrl`): a request anywhere else, such as a `Link: rel="next"`
 * on another host, is refused as an `ApiError` naming that origin, and a redirect elsewhere is followed
 * without the header (the platform's `fetch` drops it on a cross-origin redirect).
 */
export class GitHubClient extends Context.Tag("parallax/github/GitHubClient")<
  GitHubClient,
  {
    /** `GET path` decoded with `schema`. */
    readonly get: <A, I>(path: string, schema: Schema.Schema<A, I>) => Effect.Effect<A, ConnectorError>
    /** Every page of the list at `path` (following `Link: rel="next"`), each item decoded with `schema`. */
    readonly list: <A, I>(path: string, schema: Schema.Schema<A, I>) => Effect.Effect<ReadonlyArray<A>, ConnectorError>
  }
>() {
  /** The client over the platform's `HttpClient`. */
  static readonly make = (options: GitHubClientOptions) =>
    Effect.gen(function* () {
      const api = new URL(options.baseUrl)
      const apiOrigin = originOf(api)
      const onApi = (url: URL | undefined) => url !== undefined && url.origin === api.origin
      const http = (yield* HttpClient.HttpClient).pipe(
        HttpClient.mapRequest((request) =>
          request.pipe(
            // Checked again here, so that no request built another way can carry the token elsewhere.
            onApi(parseUrl(request.url)) ? HttpClientRequest.bearerToken(options.token) : (same) => same,
            HttpClientRequest.setHeaders({
              accept: "application/vnd.github+json",
              "x-github-api-version": "2022-11-28",
              "user-agent": "parallax-connect"
            })
          )
        )
      )

      const fetch = <A, I>(url: string, schema: Schema.Schema<A, I>): Effect.Effect<Fetched<A>, ConnectorError> =>
        onApi(parseUrl(url)) ? request(url, schema) : Effect.fail(notTheApi("the request", parseUrl(url), apiOrigin))

      const request = <A, I>(url: string, schema: Schema.Schema<A, I>) =>
        http.get(url).pipe(
          Effect.mapError(
            (error) => new ApiError({ service: SERVICE, reason: transportFailure(error), url, retryable: true })
          ),
          Effect.flatMap((response) =>
            response.status >= 200 && response.status < 300
              ? response.json.pipe(
                  Effect.flatMap(Schema.decodeUnknown(schema)),
                  Effect.map((body) => ({ body, link: response.headers.link })),
                  Effect.mapError(
                    (error) =>
                      new ApiError({
                        service: SERVICE,
                        reason: `unexpected response body: ${ParseResult.isParseError(error) ? ParseResult.TreeFormatter.formatErrorSync(error) : error.message}`,
                        status: response.status,
                        url,
                        retryable: false
                      })
                  )
                )
              : failure(url, response)
          ),
          Effect.timeoutFail({
            duration: REQUEST_TIMEOUT,
            onTimeout: () =>
              new ApiError({
                service: SERVICE,
                reason: `no response within ${Duration.format(REQUEST_TIMEOUT)}`,
                url,
                retryable: true
              })
          }),
          Effect.retry({ schedule: rateLimitSchedule, while: (error) => error._tag === "RateLimited" })
        )

      const page = <A, I>(url: string, schema: Schema.Schema<A, I>): Effect.Effect<Page<A>, ConnectorError> =>
        fetch(url, Schema.Array(schema)).pipe(Effect.map(({ body, link }) => ({ items: body, next: nextLink(link) })))

      const get = <A, I>(path: string, schema: Schema.Schema<A, I>) =>
        fetch(`${options.baseUrl}${path}`, schema).pipe(
          Effect.map(({ body }) => body),
          Effect.withSpan("GitHubClient.get", { attributes: { path } })
        )

      const list = <A, I>(path: string, schema: Schema.Schema<A, I>) =>
        Effect.gen(function* () {
          const items: Array<A> = []
          const seen = new Set<string>()
          let url: string | undefined = `${options.baseUrl}${path}${path.includes("?") ? "&" : "?"}per_page=100`
          while (url !== undefined && !seen.has(url)) {
            seen.add(url)
            const result: Page<A> = yield* page(url, schema)
            items.push(...result.items)
            if (result.next === undefined) break
            // A next link may be relative to its page; on another origin it is not followed (the token).
            const next = parseUrl(result.next, url)
            if (next === undefined || !onApi(next)) {
              return yield* notTheApi('the next page (Link: rel="next")', next, apiOrigin, url)
            }
            url = next.href
          }
          return items as ReadonlyArray<A>
        }).pipe(Effect.withSpan("GitHubClient.list", { attributes: { path } }))

      return GitHubClient.of({ get, list })
    })

  /** The client over whichever `HttpClient` is provided (a recorded fixture in tests). */
  static readonly layerOver = (options: GitHubClientOptions): Layer.Layer<GitHubClient, never, HttpClient.HttpClient> =>
    Layer.effect(GitHubClient, GitHubClient.make(options))

  /** The client over `fetch` (`FetchHttpClient`). */
  static readonly layer = (options: GitHubClientOptions): Layer.Layer<GitHubClient> =>
    GitHubClient.layerOver(options).pipe(Layer.provide(FetchHttpClient.layer))
}
