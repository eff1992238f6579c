import { describe, expect, test } from "bun:test"
import { Effect, Redacted, Schema } from "effect"
import { ApiError, Connector, entity } from "parallax-connect"
import { type HarnessReport, verifyConnector } from "parallax-connect/harness"
import { leakSites, secretForms } from "../../harness/internal/Secrets.ts"
import BasicAuthLog, { harness as basicAuthSetup } from "./fixtures/BasicAuthLog.ts"
import * as Inventory from "./support/Inventory.ts"
import { modelBackend } from "./support/ModelBackend.ts"

// A secret leaks just as well encoded: base64 in a Basic auth header, URL-encoded in a query string,
// hex in a digest-like field. The secrets property looks for every such form.

const SEED = 20261123

const statuses = (report: HarnessReport) => report.properties.map((property) => property.status)

describe("the forms of a secret", () => {
  const token = "s3cr3t-token-value"
  test("base64 is found at each of the three alignments, inside a longer encoded text", () => {
    for (const prefix of ["", "u:", "us:", "usr:", "user:"]) {
      const header = `Authorization: Basic ${btoa(`${prefix}${token}`)}`
      expect(leakSites(header, token).length).toBeGreaterThan(0)
    }
  })
  test("URL-safe base64, URL-encoded (either case, + for spaces) and hex are found", () => {
    const awkward = "ab/cd+ef=gh&ij k"
    const b64url = btoa(`x${awkward}`).replace(/\+/g, "-").replace(/\//g, "_")
    expect(leakSites(`token=${b64url}`, awkward)).not.toEqual([])
    expect(leakSites(`?key=${encodeURIComponent(awkward)}`, awkward)).not.toEqual([])
    expect(leakSites(`?key=${encodeURIComponent(awkward).toLowerCase()}`, awkward)).not.toEqual([])
    expect(leakSites(`?${new URLSearchParams({ key: awkward })}`, awkward)).not.toEqual([])
    expect(leakSites(Buffer.from(token).toString("hex"), token)).not.toEqual([])
    expect(leakSites(Buffer.from(token).toString("hex").toUpperCase(), token)).not.toEqual([])
  })
  test("a site names the encoding and masks the secret", () => {
    const [site] = leakSites(`GET /hosts authorization=Basic ${btoa(`svc:${token}`)}`, token)
    expect(site).toStartWith("(base64) ")
    expect(site).toContain("«secret»")
    expect(site).not.toContain(btoa(`svc:${token}`).slice(4, 12))
  })
  test("text without the secret has no leak site", () => {
    expect(leakSites(`Basic ${btoa("svc:another-token-value")} ${encodeURIComponent("s3cr3t")}`, token)).toEqual([])
    expect(secretForms(token).map((form) => form.text)).not.toContain("")
  })
})

const Config = Schema.Struct({ user: Schema.String, token: Schema.Redacted(Schema.String) })
type Config = typeof Config.Type

/** A connector that stores what it computed from the token in a property of each host. */
const storing = (name: string, leak: (config: Config) => string) =>
  Connector.make({
    name,
    config: Config,
    steps: (step) => [
      step("hosts", "Collect hosts").run((ctx) =>
        ctx.emitEntity(entity("host", "web").class("Host").property("request", leak(ctx.config)))
      )
    ]
  })

/** A connector that puts the token, URL-encoded in a query string, into a step's error. */
const urlInError = Connector.make({
  name: "url-in-error",
  config: Config,
  steps: (step) => [
    step("hosts", "Collect hosts").run((ctx) =>
      Effect.gen(function* () {
        yield* ctx.emitEntity(entity("host", "web").class("Host"))
        const query = new URLSearchParams({ key: Redacted.value(ctx.config.token) })
        return yield* new ApiError({ service: "api", reason: `GET /hosts?${query} refused`, retryable: false })
      })
    )
  ]
})

const verify = (connector: Connector<Config>, runs: number) =>
  verifyConnector(connector, {
    config: { user: "svc", token: "tok" },
    backend: modelBackend(),
    properties: ["secrets"],
    runs,
    seed: SEED
  })

describe("secrets (C12) catches", () => {
  test("a Basic auth header (base64 of user:token) in a stored row", async () => {
    const report = await verify(
      storing("basic-auth-row", (config) => `Basic ${btoa(`${config.user}:${Redacted.value(config.token)}`)}`),
      10
    )
    expect(statuses(report)).toEqual(["failed"])
    expect(report.properties[0]?.failure?.message).toContain("in stored rows: (base64)")
    expect(report.properties[0]?.failure?.message).toContain("an encoded secret")
  }, 60_000)

  test("a token URL-encoded in the query string of a stored URL", async () => {
    const report = await verify(
      storing("url-in-row", (config) => `/hosts?${new URLSearchParams({ key: Redacted.value(config.token) })}`),
      30
    )
    expect(statuses(report)).toEqual(["failed"])
    expect(report.properties[0]?.failure?.message).toContain("in stored rows: (URL-encoded) ")
  }, 60_000)
})

// What leaves a step, its error and its log lines, is masked by the SDK: the same leaks there hold.
describe("secrets (C12) holds, masked by the SDK, for", () => {
  test("a Basic auth header (base64 of user:token) in a log line", async () => {
    const report = await verifyConnector(BasicAuthLog, {
      ...basicAuthSetup,
      backend: modelBackend(),
      properties: ["secrets"],
      runs: 10,
      seed: SEED
    })
    expect(statuses(report)).toEqual(["passed"])
  }, 60_000)

  test("a token URL-encoded in the query string of an error", async () => {
    expect(statuses(await verify(urlInError, 30))).toEqual(["passed"])
  }, 60_000)

  test("and still holds on a connector that keeps its token redacted", async () => {
    const report = await verifyConnector(Inventory.inventory, {
      ...Inventory.sourceOptions,
      backend: modelBackend(),
      properties: ["secrets"],
      runs: 30,
      seed: SEED
    })
    expect(statuses(report)).toEqual(["passed"])
  }, 60_000)
})
