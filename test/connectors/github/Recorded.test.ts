import { describe, expect } from "bun:test"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Layer, Redacted } from "effect"
import { type RunOutput, runConnector } from "parallax-connect"
import { HttpFixtures } from "parallax-connect/harness"
import { GitHubClient } from "../../../connectors/github/GitHubClient.ts"
import github from "../../../connectors/github/index.ts"
import { serveOrg } from "../../../connectors/github/testing/FixtureServer.ts"
import { sampleOrg } from "../../../connectors/github/testing/OrgModel.ts"
import { liveTest } from "../../support/effectTest.ts"
import { tempDir } from "../../support/TempDirs.ts"

/** The committed recording of a sync of `sampleOrg`, made against the fixture server. */
const FIXTURE = join(import.meta.dir, "../../../connectors/github/testing/sample-org.http.json")
/** The base URL the recording names instead of the fixture server's random port. */
const BASE = "https://api.github.test"
const TOKEN = "ghp_recorded-fixture-token"

const fingerprint = (output: RunOutput) =>
  [...output.entities.map((e) => `${e.id}:${e.hash}`), ...output.relationships.map((r) => `${r.id}:${r.hash}`)].sort()

/** Syncs `sampleOrg` from the fixture server (pages of 2), recording every exchange to `file`. */
const recordSample = (file: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const server = yield* serveOrg(sampleOrg, { token: TOKEN, pageSize: 2 })
      const token = Redacted.make(TOKEN)
      const recording = GitHubClient.layerOver({ baseUrl: server.url, token }).pipe(
        Layer.provide(HttpFixtures.record(file, { secrets: [token], replace: [[server.url, BASE]] }))
      )
      return yield* runConnector(github, {
        config: { org: sampleOrg.login, token: TOKEN, baseUrl: server.url },
        layer: recording,
        strict: true
      })
    })
  )

/** Syncs `org` from the committed recording alone: no server, no network. */
const replayed = (org: string) =>
  runConnector(github, {
    config: { org, token: "not-the-recorded-token", baseUrl: BASE },
    layer: GitHubClient.layerOver({ baseUrl: BASE, token: Redacted.make("not-the-recorded-token") }).pipe(
      Layer.provide(HttpFixtures.replay(FIXTURE))
    ),
    strict: true
  })

describe("github against a recorded fixture", () => {
  liveTest("the committed recording is what recording a sync of the sample organisation produces", () =>
    Effect.gen(function* () {
      const file = join(tempDir("parallax-github-recording-"), "sample-org.http.json")
      const live = yield* recordSample(file)
      expect(live.steps.every((step) => step.status === "succeeded")).toBe(true)
      const recorded = readFileSync(file, "utf8")
      // PARALLAX_UPDATE_FIXTURES=1 writes a new recording (after a change to the connector's requests).
      if (process.env.PARALLAX_UPDATE_FIXTURES === "1") writeFileSync(FIXTURE, recorded)
      expect(readFileSync(FIXTURE, "utf8")).toBe(recorded)
      expect(recorded).not.toContain(TOKEN)
      expect(recorded).not.toContain("127.0.0.1")
      expect(recorded).toContain('"authorization": "<redacted>"')
    })
  )

  liveTest("replays the recording with no network and collects what the live sync collected", () =>
    Effect.gen(function* () {
      const live = yield* recordSample(join(tempDir("parallax-github-recording-"), "x.json"))
      const offline = yield* replayed(sampleOrg.login)
      expect(offline.steps.map((step) => [step.id, step.status])).toEqual(
        live.steps.map((step) => [step.id, "succeeded"])
      )
      expect(offline.warnings).toEqual([])
      expect(fingerprint(offline)).toEqual(fingerprint(live))
      expect(offline.entities.length).toBeGreaterThan(10)
    })
  )

  liveTest("a request the recording does not hold fails the sync, naming the request", () =>
    Effect.gen(function* () {
      const failed = yield* Effect.either(replayed("globex"))
      expect(failed._tag).toBe("Left")
      if (failed._tag === "Left") {
        expect(failed.left.message).toContain(`no recorded exchange for GET ${BASE}/orgs/globex in ${FIXTURE}`)
      }
    })
  )
})
