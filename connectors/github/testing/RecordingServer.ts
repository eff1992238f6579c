import { Effect, type Scope } from "effect"

/** A request a recording server received: where, and which `Authorization` header it carried, if any. */
export interface Recorded {
  readonly path: string
  readonly authorization: string | null
}

/** A running recording server. */
export interface RecordingServer {
  readonly url: string
  readonly requests: ReadonlyArray<Recorded>
}

/**
 * A loopback server on another origin than the fixture server, that records every request it gets
 * (with its `Authorization` header) and answers an empty JSON list: the place a token must never reach.
 * Stopped when the scope closes.
 */
export const serveRecorder: Effect.Effect<RecordingServer, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => {
    const requests: Array<Recorded> = []
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request) => {
        const url = new URL(request.url)
        requests.push({ path: `${url.pathname}${url.search}`, authorization: request.headers.get("authorization") })
        return new Response("[]", { headers: { "content-type": "application/json" } })
      }
    })
    return { server, recorder: { url: `http://127.0.0.1:${server.port}`, requests } }
  }),
  ({ server }) => Effect.promise(() => server.stop(true))
).pipe(Effect.map(({ recorder }) => recorder))
