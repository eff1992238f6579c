import { describe, expect, test } from "bun:test"
import { Effect, HashMap, Logger, Option } from "effect"
import fc from "fast-check"
import { type RunOutput, runConnector, type SyncEvent } from "parallax-connect"
import { nextLink } from "../../../connectors/github/GitHubClient.ts"
import github from "../../../connectors/github/index.ts"
import { type FixtureOptions, fixtureLayer, serveOrg } from "../../../connectors/github/testing/FixtureServer.ts"
import { type OrgModel, orgModelArbitrary, sampleOrg } from "../../../connectors/github/testing/OrgModel.ts"
import { liveTest } from "../../support/effectTest.ts"

const TOKEN = "ghp_s3cr3t-fixture-token"

/** Serves `org` and syncs it through the connector's own layer (real HTTP on loopback). */
const syncAgainst = (org: OrgModel, options: FixtureOptions = {}, config: Record<string, unknown> = {}) =>
  Effect.gen(function* () {
    const server = yield* serveOrg(org, { token: TOKEN, ...options })
    const events: Array<SyncEvent> = []
    const output = yield* Effect.either(
      runConnector(github, {
        config: { org: org.login, token: TOKEN, baseUrl: server.url, ...config },
        strict: true,
        onEvent: (event) => events.push(event)
      })
    )
    return { server, output, events }
  })

const status = (output: RunOutput) => Object.fromEntries(output.steps.map((step) => [step.id, step.status]))
const edges = (output: RunOutput, verb: string) =>
  output.relationships
    .filter((r) => r.verb === verb)
    .map(
      (r) =>
        `${r.fromKey} -> ${r.toKey}${Object.keys(r.properties).length > 0 ? ` ${JSON.stringify(r.properties)}` : ""}`
    )
    .sort()
const fingerprint = (output: RunOutput) =>
  [...output.entities.map((e) => `${e.id}:${e.hash}`), ...output.relationships.map((r) => `${r.id}:${r.hash}`)].sort()

describe("github against a fixture server", () => {
  liveTest("collects the organisation, repositories, members, teams, memberships and permissions, page by page", () =>
    Effect.gen(function* () {
      const { server, output } = yield* syncAgainst(sampleOrg, { pageSize: 2 })
      if (output._tag === "Left") throw output.left
      const run = output.right
      expect(Object.values(status(run)).every((s) => s === "succeeded")).toBe(true)
      expect(run.warnings).toEqual([])
      const keys = (type: string) =>
        run.entities
          .filter((e) => e.type === type)
          .map((e) => e.key)
          .sort()
      expect(keys("github_organization")).toEqual(["acme"])
      expect(keys("github_repository")).toEqual(["acme/api", "acme/effect", "acme/infra", "acme/old-site", "acme/web"])
      expect(keys("github_user")).toEqual(["alice", "bob", "carol", "dave"])
      expect(keys("github_team")).toEqual(["acme/engineering", "acme/platform", "acme/security"])
      const api = run.entities.find((e) => e.key === "acme/api")
      expect(api?.properties).toMatchObject({
        private: true,
        visibility: "private",
        language: "TypeScript",
        defaultBranch: "main"
      })
      expect(edges(run, "MEMBER_OF")).toEqual([
        'alice -> acme {"role":"admin"}',
        'alice -> acme/engineering {"role":"maintainer"}',
        'bob -> acme {"role":"member"}',
        'bob -> acme/engineering {"role":"member"}',
        'carol -> acme {"role":"member"}',
        'carol -> acme/platform {"role":"maintainer"}',
        'dave -> acme {"role":"member"}'
      ])
      expect(edges(run, "ALLOWS")).toEqual([
        'acme/engineering -> acme/api {"permission":"write"}',
        'acme/engineering -> acme/web {"permission":"write"}',
        'acme/platform -> acme/api {"permission":"read"}',
        'acme/platform -> acme/infra {"permission":"admin"}'
      ])
      expect(edges(run, "CONTAINS")).toEqual(["acme/engineering -> acme/platform"])
      expect(edges(run, "OWNS")).toHaveLength(5)
      expect(edges(run, "HAS")).toHaveLength(3)
      const pages = server.requests.filter((r) => r.path.startsWith("/orgs/acme/repos")).map((r) => r.path)
      expect(pages).toEqual([
        "/orgs/acme/repos?type=all&per_page=100",
        "/orgs/acme/repos?type=all&per_page=100&page=2",
        "/orgs/acme/repos?type=all&per_page=100&page=3"
      ])
      expect(server.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true)
    })
  )

  liveTest(
    "rate limits (429 retry-after, 403 with x-ratelimit-reset) are waited out per request, not failed",
    () =>
      Effect.gen(function* () {
        const started = Date.now()
        const reset = String(Math.ceil(Date.now() / 1000) + 1)
        const { server, output, events } = yield* syncAgainst(sampleOrg, {
          faults: [
            { path: "/orgs/acme/repos", status: 429, times: 1, headers: { "retry-after": "1" } },
            {
              path: "/orgs/acme/teams",
              status: 403,
              times: 1,
              headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": reset },
              body: { message: "API rate limit exceeded" }
            }
          ]
        })
        if (output._tag === "Left") throw output.left
        expect(Object.values(status(output.right)).every((s) => s === "succeeded")).toBe(true)
        expect(output.right.steps.every((s) => s.attempts === 1)).toBe(true)
        expect(events.some((e) => e._tag === "StepRetrying")).toBe(false)
        expect(Date.now() - started).toBeGreaterThanOrEqual(900)
        const repos = server.requests.filter((r) => r.path.startsWith("/orgs/acme/repos?")).map((r) => r.status)
        expect(repos).toEqual([429, 200])
        const teams = server.requests.filter((r) => r.path.startsWith("/orgs/acme/teams?")).map((r) => r.status)
        expect(teams).toEqual([403, 200])
      }),
    15_000
  )

  liveTest(
    "a rate-limit wait is logged as a warning of the step that waits, with how long",
    () =>
      Effect.gen(function* () {
        const logs: Array<{ level: string; message: string; step: string | undefined }> = []
        const collect = Logger.make(({ logLevel, message, annotations }) => {
          logs.push({
            level: logLevel.label,
            message: Array.isArray(message) ? message.join(" ") : String(message),
            step: Option.getOrUndefined(HashMap.get(annotations, "step")) as string | undefined
          })
        })
        const { output } = yield* syncAgainst(sampleOrg, {
          faults: [{ path: "/orgs/acme/repos", status: 429, times: 1, headers: { "retry-after": "1" } }]
        }).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, collect)))
        if (output._tag === "Left") throw output.left
        const waits = logs.filter((log) => log.message.startsWith("waiting for rate limit"))
        expect(waits).toHaveLength(1)
        expect(waits[0]).toMatchObject({ level: "WARN", step: "repositories" })
        expect(waits[0]?.message).toMatch(/^waiting for rate limit: 1 s \(http:\/\/127\.0\.0\.1:\d+\/orgs\/acme\/repos/)
      }),
    15_000
  )

  liveTest(
    "discovery retries a 500 as a step would, then the sync succeeds",
    () =>
      Effect.gen(function* () {
        const { server, output } = yield* syncAgainst(sampleOrg, {
          faults: [{ path: "/orgs/acme", status: 500, times: 2 }]
        })
        if (output._tag === "Left") throw output.left
        expect(Object.values(status(output.right)).every((s) => s === "succeeded")).toBe(true)
        expect(server.requests.filter((r) => r.path === "/orgs/acme").map((r) => r.status)).toEqual([
          500, 500, 200, 200
        ])
      }),
    15_000
  )

  liveTest(
    "an unreachable host fails with the connection's own reason, not just 'Transport'",
    () =>
      Effect.gen(function* () {
        const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") })
        const url = `http://127.0.0.1:${closed.port}`
        yield* Effect.promise(() => closed.stop(true))
        const error = yield* Effect.flip(runConnector(github, { config: { org: "acme", token: TOKEN, baseUrl: url } }))
        expect(error._tag).toBe("ApiError")
        expect(error.message).toContain(`${url}/orgs/acme`)
        expect(error.message).not.toMatch(/request failed: Transport$/)
        expect(error.message).toMatch(/request failed: .*(connect|refused|ECONNREFUSED)/i)
      }),
    15_000
  )

  liveTest("a refused token fails discovery with AuthFailed, and nothing is fetched", () =>
    Effect.gen(function* () {
      const { server, output } = yield* syncAgainst(sampleOrg, {}, { token: "wrong-token" })
      expect(output._tag).toBe("Left")
      if (output._tag !== "Left") return
      expect(output.left._tag).toBe("AuthFailed")
      expect(output.left.message).toContain("token was refused (HTTP 401: Bad credentials)")
      expect(output.left.message).not.toContain("wrong-token")
      expect(server.requests.map((r) => r.path)).toEqual(["/orgs/acme"])
    })
  )

  liveTest("an unknown organisation fails discovery with ConfigInvalid naming the org", () =>
    Effect.gen(function* () {
      const { output } = yield* syncAgainst(sampleOrg, {}, { org: "nope" })
      expect(output._tag).toBe("Left")
      if (output._tag !== "Left") return
      expect(output.left._tag).toBe("ConfigInvalid")
      expect(output.left.message).toContain('org: organisation "nope" was not found at http://127.0.0.1')
    })
  )

  liveTest(
    "a persistent 500 fails only the step that met it (after retries); the others succeed",
    () =>
      Effect.gen(function* () {
        const { output, events } = yield* syncAgainst(sampleOrg, {
          faults: [{ path: "/orgs/acme/teams/platform/repos", status: 500 }]
        })
        if (output._tag === "Left") throw output.left
        expect(status(output.right)).toEqual({
          organization: "succeeded",
          repositories: "succeeded",
          members: "succeeded",
          teams: "succeeded",
          "team-members": "succeeded",
          "team-repositories": "failed"
        })
        const failed = output.right.steps.find((s) => s.id === "team-repositories")
        expect(failed?.error?._tag).toBe("ApiError")
        expect(failed?.error).toMatchObject({ status: 500, retryable: true })
        expect(failed?.error?.message).toContain("/orgs/acme/teams/platform/repos")
        expect(failed?.attempts).toBeGreaterThan(1)
        expect(output.right.relationships.some((r) => r.verb === "ALLOWS")).toBe(false)
        expect(JSON.stringify(events)).not.toContain(TOKEN)
      }),
    15_000
  )

  liveTest("a plain 403 (missing scope) is a non-retryable ApiError of that step alone", () =>
    Effect.gen(function* () {
      const { output } = yield* syncAgainst(sampleOrg, {
        faults: [{ path: "/orgs/acme/teams", status: 403, body: { message: "Resource not accessible by integration" } }]
      })
      if (output._tag === "Left") throw output.left
      const teams = output.right.steps.find((s) => s.id === "teams")
      expect(teams?.status).toBe("failed")
      expect(teams?.attempts).toBe(1)
      expect(teams?.error).toMatchObject({ _tag: "ApiError", status: 403, retryable: false })
      expect(teams?.error?.message).toContain("Resource not accessible by integration")
      expect(status(output.right).repositories).toBe("succeeded")
    })
  )

  liveTest("the token never shows in the decoded config, errors or events", () =>
    Effect.gen(function* () {
      const { output, events } = yield* syncAgainst(sampleOrg, {
        faults: [{ path: "/orgs/acme/members", status: 404 }]
      })
      if (output._tag === "Left") throw output.left
      const text = JSON.stringify({
        steps: output.right.steps,
        events,
        errors: output.right.steps.map((s) => s.error?.message)
      })
      expect(text).not.toContain(TOKEN)
      expect(status(output.right).members).toBe("failed")
      expect(status(output.right)["team-members"]).toBe("skipped")
    })
  )

  liveTest(
    "generated organisations, served through the fixture layer, sync completely and identically twice",
    () =>
      Effect.forEach(
        fc.sample(orgModelArbitrary(), { numRuns: 10, seed: 7 }),
        (org) =>
          Effect.gen(function* () {
            const options = {
              config: { org: org.login, token: "test-token" },
              layer: fixtureLayer(org, { pageSize: 3 })
            }
            const first = yield* runConnector(github, options)
            const second = yield* runConnector(github, options)
            expect(first.steps.every((s) => s.status === "succeeded")).toBe(true)
            expect(first.entities.filter((e) => e.type === "github_repository")).toHaveLength(org.repos.length)
            expect(first.entities.filter((e) => e.type === "github_user")).toHaveLength(org.members.length)
            const grants = org.teams.reduce((n, team) => n + team.repos.length, 0)
            expect(first.relationships.filter((r) => r.verb === "ALLOWS")).toHaveLength(grants)
            expect(fingerprint(second)).toEqual(fingerprint(first))
          }),
        { discard: true }
      ),
    30_000
  )
})

describe("github client pieces", () => {
  test("Link headers: the next page, whatever the order of rels", () => {
    expect(nextLink('<https://x/a?page=3>; rel="last", <https://x/a?page=2>; rel="next"')).toBe("https://x/a?page=2")
    expect(nextLink('<https://x/a?page=1>; rel="prev"')).toBeUndefined()
    expect(nextLink(undefined)).toBeUndefined()
  })

  liveTest("config: the token is Redacted and the base URL checked", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(runConnector(github, { config: { org: "acme", token: "", baseUrl: "ftp://x" } }))
      expect(error._tag).toBe("ConfigInvalid")
      expect(error.message).toContain("token")
      expect(error.message).toContain("baseUrl")
    })
  )
})
