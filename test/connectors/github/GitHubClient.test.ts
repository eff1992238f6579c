import { describe, expect } from "bun:test"
import { Effect, Redacted, Schema } from "effect"
import { type RunOutput, runConnector } from "parallax-connect"
import { GitHubClient } from "../../../connectors/github/GitHubClient.ts"
import github from "../../../connectors/github/index.ts"
import { type Fault, serveOrg } from "../../../connectors/github/testing/FixtureServer.ts"
import { sampleOrg } from "../../../connectors/github/testing/OrgModel.ts"
import { serveRecorder } from "../../../connectors/github/testing/RecordingServer.ts"
import { liveTest } from "../../support/effectTest.ts"

// The token goes only to the API's origin (scheme, host and port of baseUrl). Two real loopback servers:
// the fixture (the API) and a recorder on another port, which must never see an Authorization header.

const TOKEN = "ghp_0rigin-fixture-token"

/** Syncs `sampleOrg` from a fixture server with `faults`, beside a recorder; `faults` may name the recorder. */
const syncWith = (faults: (recorder: string) => ReadonlyArray<Fault>) =>
  Effect.gen(function* () {
    const recorder = yield* serveRecorder
    const server = yield* serveOrg(sampleOrg, { token: TOKEN, faults: faults(recorder.url) })
    const output = yield* runConnector(github, { config: { org: "acme", token: TOKEN, baseUrl: server.url } })
    return { recorder, server, output }
  })

const status = (output: RunOutput) => Object.fromEntries(output.steps.map((step) => [step.id, step.status]))
const firstPage = (link: string): Fault => ({
  path: "/orgs/acme/repos",
  status: 200,
  times: 1,
  body: [],
  headers: { link: `<${link}>; rel="next"` }
})

describe("github: the token goes only to the API's origin", () => {
  liveTest("a Link: rel=next on another origin fails that step naming the origin; that server gets nothing", () =>
    Effect.gen(function* () {
      const { recorder, server, output } = yield* syncWith((other) => [firstPage(`${other}/orgs/acme/repos?page=2`)])
      expect(recorder.requests).toEqual([])
      expect(status(output)).toEqual({
        organization: "succeeded",
        repositories: "failed",
        members: "succeeded",
        teams: "succeeded",
        "team-members": "succeeded",
        "team-repositories": "skipped"
      })
      const failed = output.steps.find((s) => s.id === "repositories")
      expect(failed?.error).toMatchObject({ _tag: "ApiError", retryable: false })
      expect(failed?.attempts).toBe(1)
      expect(failed?.error?.message).toBe(
        `GitHub API error (${server.url}/orgs/acme/repos?type=all&per_page=100): the next page (Link: rel="next") is on ${recorder.url}, not on the API's origin ${server.url} (baseUrl); it is not requested, so that the token goes nowhere else`
      )
      expect(failed?.error?.message).not.toContain(TOKEN)
      expect(server.requests.filter((r) => r.authorization !== null).length).toBeGreaterThan(5)
    })
  )

  liveTest("user info, a scheme-relative link and another scheme on the same host:port are other origins too", () =>
    Effect.gen(function* () {
      const recorder = yield* serveRecorder
      const port = new URL(recorder.url).port
      for (const [link, origin] of [
        [`http://127.0.0.1:1@127.0.0.1:${port}/orgs/acme/repos?page=2`, recorder.url],
        [`//127.0.0.1:${port}/orgs/acme/repos?page=2`, recorder.url],
        [`https://127.0.0.1:${port}/orgs/acme/repos?page=2`, `https://127.0.0.1:${port}`]
      ] as const) {
        const server = yield* serveOrg(sampleOrg, { token: TOKEN, faults: [firstPage(link)] })
        const output = yield* runConnector(github, { config: { org: "acme", token: TOKEN, baseUrl: server.url } })
        expect(output.steps.find((s) => s.id === "repositories")?.error?.message).toContain(
          `the next page (Link: rel="next") is on ${origin}, not on the API's origin ${server.url} (baseUrl)`
        )
      }
      expect(recorder.requests).toEqual([])
    })
  )

  liveTest("a relative next link is followed on the API's origin, with the token", () =>
    Effect.gen(function* () {
      const { recorder, server, output } = yield* syncWith(() => [
        firstPage("/orgs/acme/repos?type=all&per_page=100&page=2")
      ])
      expect(status(output).repositories).toBe("succeeded")
      expect(server.requests.filter((r) => r.path.startsWith("/orgs/acme/repos?"))).toEqual([
        { path: "/orgs/acme/repos?type=all&per_page=100", authorization: `Bearer ${TOKEN}`, status: 200 },
        { path: "/orgs/acme/repos?type=all&per_page=100&page=2", authorization: `Bearer ${TOKEN}`, status: 200 }
      ])
      expect(recorder.requests).toEqual([])
    })
  )

  liveTest("a redirect to another origin is followed without the Authorization header", () =>
    Effect.gen(function* () {
      const { recorder, output } = yield* syncWith((other) => [
        { path: "/orgs/acme/teams", status: 302, times: 1, headers: { location: `${other}/elsewhere/teams` } }
      ])
      expect(status(output).teams).toBe("succeeded")
      expect(recorder.requests).toEqual([{ path: "/elsewhere/teams", authorization: null }])
    })
  )

  liveTest("a request whose path would move it to another origin is not made", () =>
    Effect.gen(function* () {
      const recorder = yield* serveRecorder
      const server = yield* serveOrg(sampleOrg, { token: TOKEN })
      const error = yield* Effect.flip(
        Effect.flatMap(GitHubClient, (client) => client.get(`@${new URL(recorder.url).host}/x`, Schema.Unknown)).pipe(
          Effect.provide(GitHubClient.layer({ baseUrl: server.url, token: Redacted.make(TOKEN) }))
        )
      )
      expect(error.message).toBe(
        `GitHub API error: the request is on ${recorder.url}, not on the API's origin ${server.url} (baseUrl); it is not requested, so that the token goes nowhere else`
      )
      expect(recorder.requests).toEqual([])
    })
  )

  liveTest("a baseUrl with a user or password is refused at Configure", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        runConnector(github, {
          config: { org: "acme", token: TOKEN, baseUrl: "https://me:hunter2@ghe.example/api/v3" }
        })
      )
      expect(error._tag).toBe("ConfigInvalid")
      expect(error.message).toContain("baseUrl: expected a URL without user or password")
    })
  )
})
