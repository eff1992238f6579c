import { describe, expect } from "bun:test"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Cause, Effect, Exit, Layer, Redacted } from "effect"
import { HttpFixtures, UnrecordedRequest } from "parallax-connect/harness"
import { liveTest } from "../support/effectTest.ts"
import { tempDir } from "../support/TempDirs.ts"

const TOKEN = "s3cr3t/tok+en=="
const BINARY = new Uint8Array([0, 255, 1, 254, 128])

/** A small API on loopback: JSON that echoes the token back, a POST, binary, 204, and a counter. */
const serve = () =>
  Effect.acquireRelease(
    Effect.sync(() => {
      let count = 0
      return Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        fetch: async (request) => {
          const url = new URL(request.url)
          if (request.headers.get("authorization") !== `Bearer ${TOKEN}`) return new Response("no", { status: 401 })
          if (url.pathname === "/items") {
            return Response.json([{ id: 1, owner: `token ${TOKEN}`, next: `${url.origin}/items?page=2` }], {
              headers: { link: `<${url.origin}/items?page=2>; rel="next"`, "set-cookie": "session=abc", date: "now" }
            })
          }
          if (url.pathname === "/search" && request.method === "POST") {
            return Response.json({ query: await request.text() })
          }
          if (url.pathname === "/binary") return new Response(BINARY, { headers: { "content-type": "image/png" } })
          if (url.pathname === "/empty") return new Response(null, { status: 204 })
          if (url.pathname === "/count") return Response.json({ count: ++count })
          return new Response("not found", { status: 404 })
        }
      })
    }),
    (server) => Effect.promise(() => server.stop(true))
  )

/** What a connector's client does: requests with a bearer token, through whichever HttpClient is provided. */
const program = (base: string) =>
  Effect.gen(function* () {
    const http = (yield* HttpClient.HttpClient).pipe(
      HttpClient.mapRequest(HttpClientRequest.bearerToken(Redacted.make(TOKEN)))
    )
    const items = yield* http.get(`${base}/items?per_page=${encodeURIComponent(TOKEN)}`)
    const search = yield* http.execute(
      HttpClientRequest.post(`${base}/search`).pipe(HttpClientRequest.bodyText(`q=x&key=${TOKEN}`))
    )
    const binary = yield* http.get(`${base}/binary`)
    const empty = yield* http.get(`${base}/empty`)
    const counts = [
      yield* (yield* http.get(`${base}/count`)).json,
      yield* (yield* http.get(`${base}/count`)).json,
      yield* (yield* http.get(`${base}/count`)).json
    ]
    return {
      items: { status: items.status, json: yield* items.json, link: items.headers.link ?? "" },
      search: yield* search.json,
      binary: new Uint8Array(yield* binary.arrayBuffer),
      empty: empty.status,
      counts
    }
  }).pipe(Effect.scoped)

describe("HttpFixtures: recorded HTTP exchanges", () => {
  liveTest("record keeps secrets out of the file; replay serves the same answers with no server", () =>
    Effect.gen(function* () {
      const file = join(tempDir("parallax-http-"), "api.json")
      const live = yield* Effect.scoped(
        Effect.gen(function* () {
          const server = yield* serve()
          const origin = `http://127.0.0.1:${server.port}`
          const recording = HttpFixtures.record(file, {
            secrets: [Redacted.make(TOKEN)],
            replace: [[origin, "https://api.test"]]
          })
          return yield* program(origin).pipe(Effect.provide(recording))
        })
      )
      expect(live.counts).toEqual([{ count: 1 }, { count: 2 }, { count: 3 }])
      expect(live.binary).toEqual(BINARY)
      const text = readFileSync(file, "utf8")
      for (const form of [TOKEN, encodeURIComponent(TOKEN), Buffer.from(TOKEN).toString("base64"), "s3cr3t"]) {
        expect(text).not.toContain(form)
      }
      expect(text).not.toContain("127.0.0.1")
      expect(text).not.toContain("session=abc")
      for (const volatile of ['"date"', '"traceparent"', '"b3"']) expect(text).not.toContain(volatile)
      const fixture = JSON.parse(text)
      const items = fixture.exchanges.find((e: { request: { url: string } }) => e.request.url.includes("/items"))
      expect(items.request.url).toBe("https://api.test/items?per_page=<redacted>")
      expect(items.request.headers.authorization).toBe("<redacted>")
      expect(items.response.json).toEqual([{ id: 1, owner: "token <redacted>", next: "https://api.test/items?page=2" }])

      // The server is gone: replay answers alone, under another base URL.
      const replayed = yield* program("https://elsewhere.test").pipe(
        Effect.provide(HttpFixtures.replay(file, { secrets: [TOKEN] }))
      )
      expect(replayed.items).toEqual({
        status: 200,
        json: [{ id: 1, owner: "token <redacted>", next: "https://api.test/items?page=2" }],
        link: '<https://api.test/items?page=2>; rel="next"'
      })
      expect(replayed.search).toEqual({ query: "q=x&key=<redacted>" })
      expect(replayed.binary).toEqual(BINARY)
      expect(replayed.empty).toBe(204)
      expect(replayed.counts).toEqual([{ count: 1 }, { count: 2 }, { count: 3 }])
      // Repeated more often than recorded: the last response again.
      const again = yield* Effect.gen(function* () {
        const http = yield* HttpClient.HttpClient
        const answers = []
        for (let i = 0; i < 5; i++) answers.push(yield* (yield* http.get("https://api.test/count")).json)
        return answers
      }).pipe(Effect.scoped, Effect.provide(HttpFixtures.replay(file)))
      expect(again).toEqual([{ count: 1 }, { count: 2 }, { count: 3 }, { count: 3 }, { count: 3 }])
    })
  )

  liveTest("a request the fixture does not hold is a defect naming it, never a retryable error", () =>
    Effect.gen(function* () {
      const dir = tempDir("parallax-http-")
      const file = join(dir, "api.json")
      yield* Effect.scoped(
        Effect.gen(function* () {
          const server = yield* serve()
          yield* program(`http://127.0.0.1:${server.port}`).pipe(
            Effect.provide(HttpFixtures.record(file, { secrets: [TOKEN] }))
          )
        })
      )
      const exit = yield* Effect.exit(
        Effect.gen(function* () {
          const http = yield* HttpClient.HttpClient
          return yield* http.get("https://api.test/missing?x=1")
        }).pipe(Effect.scoped, Effect.provide(HttpFixtures.replay(file)))
      )
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      const defect = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      expect(defect).toBeInstanceOf(UnrecordedRequest)
      expect((defect as UnrecordedRequest).message).toStartWith(
        `no recorded exchange for GET https://api.test/missing?x=1 in ${file}`
      )
      expect((defect as UnrecordedRequest).message).toContain("GET /items?per_page=%3Credacted%3E")
      const missing = yield* Effect.exit(Effect.scoped(Layer.build(HttpFixtures.replay(join(dir, "none.json")))))
      expect(Exit.isFailure(missing) && Cause.pretty(missing.cause)).toContain(
        `cannot replay HTTP fixture ${join(dir, "none.json")}`
      )
      expect(existsSync(join(dir, "none.json"))).toBe(false)
    })
  )
})
