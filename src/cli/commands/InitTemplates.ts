/**
 * The files `parallax init` writes: a connector for a small HTTP inventory API (hosts, and the services
 * each runs), a module that records the API's answers, the recorded answers themselves, a README and
 * the test (`parallax check`, replaying the recording: no network, nothing but the binary).
 */

/** The base URL the scaffold's recording and its harness config name (replay matches on paths, not hosts). */
export const EXAMPLE_BASE_URL = "https://inventory.example"

/** The example inventory the recording holds: what a server of the example API answers. */
export const EXAMPLE_INVENTORY = {
  hosts: [
    { id: "db-01", name: "Database 01", os: "debian-12" },
    { id: "web-01", name: "Web 01", os: "debian-12" }
  ],
  services: {
    "db-01": [
      { name: "postgres", port: 5432 },
      { name: "ssh", port: 22 }
    ],
    "web-01": [
      { name: "nginx", port: 443 },
      { name: "ssh", port: 22 }
    ]
  } as Readonly<Record<string, ReadonlyArray<{ readonly name: string; readonly port: number }>>>
}

const exchange = (path: string, json: unknown) => ({
  request: { method: "GET", url: `${EXAMPLE_BASE_URL}${path}`, headers: { authorization: "<redacted>" } },
  response: { status: 200, headers: { "content-type": "application/json;charset=utf-8" }, json }
})

/** `fixtures/inventory.json`: what `record.ts` writes against a server of the example inventory. */
export const fixtureFile = (): string =>
  `${JSON.stringify(
    {
      parallaxHttpFixture: 1,
      exchanges: [
        exchange("/hosts", EXAMPLE_INVENTORY.hosts),
        ...Object.entries(EXAMPLE_INVENTORY.services).map(([host, services]) =>
          exchange(`/hosts/${host}/services`, services)
        )
      ]
    },
    null,
    2
  )}\n`

/** The entity type prefix of a project: its name in snake case. */
const prefix = (name: string) => name.replace(/-/g, "_")

export const connectorModule = (
  name: string
): string => `import { FetchHttpClient, HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { Context, Effect, Layer, Redacted, Schema } from "effect"
import { ApiError, Connector, entity, relationship } from "parallax-connect"
import { type HarnessSetup, HttpFixtures } from "parallax-connect/harness"

const Config = Schema.Struct({
  baseUrl: Schema.propertySignature(Schema.String).annotations({ description: "The inventory API's base URL" }),
  token: Schema.propertySignature(Schema.Redacted(Schema.String)).annotations({
    description: "An API token; never printed, logged or stored"
  })
})
type Config = typeof Config.Type

const Host = Schema.Struct({ id: Schema.String, name: Schema.String, os: Schema.String })
const Service = Schema.Struct({ name: Schema.String, port: Schema.Number })

/** The inventory API, as the steps use it. */
export class Api extends Context.Tag("${name}/Api")<
  Api,
  { readonly get: <A, I>(path: string, schema: Schema.Schema<A, I>) => Effect.Effect<A, ApiError> }
>() {}

/** The API over whichever HttpClient is provided: the network in a sync, a recorded fixture in the test. */
export const apiLayer = (config: Pick<Config, "baseUrl" | "token">): Layer.Layer<Api, never, HttpClient.HttpClient> =>
  Layer.effect(
    Api,
    Effect.gen(function* () {
      const http = (yield* HttpClient.HttpClient).pipe(
        HttpClient.mapRequest(HttpClientRequest.bearerToken(config.token)),
        HttpClient.filterStatusOk
      )
      return {
        get: <A, I>(path: string, schema: Schema.Schema<A, I>) =>
          http.get(\`\${config.baseUrl}\${path}\`).pipe(
            Effect.flatMap(HttpClientResponse.schemaBodyJson(schema)),
            Effect.scoped,
            Effect.mapError(
              (error) =>
                new ApiError({ service: "${name}", reason: error.message, url: \`\${config.baseUrl}\${path}\`, retryable: false })
            )
          )
      }
    })
  )

/**
 * What \`parallax check\` runs against: the API's answers recorded in fixtures/inventory.json (by
 * record.ts), replayed with no network and no credentials.
 */
export const harness: HarnessSetup<Api, string> = {
  sources: (fc) => fc.constant("./fixtures/inventory.json"),
  layerFor: (fixture) =>
    apiLayer({ baseUrl: "${EXAMPLE_BASE_URL}", token: Redacted.make("test-token") }).pipe(
      Layer.provide(HttpFixtures.replay(new URL(fixture, import.meta.url)))
    ),
  config: { baseUrl: "${EXAMPLE_BASE_URL}", token: "test-token" }
}

/**
 * ${name}: a parallax connector for an HTTP inventory API. Sync it with
 * \`parallax sync ./connector.ts --set baseUrl=https://... --set token=...\`; test it with \`./test.sh\`.
 */
export default Connector.make({
  name: "${name}",
  description: "Hosts and the services they run, from an inventory API (config baseUrl, token)",
  config: Config,
  layer: (config) => apiLayer(config).pipe(Layer.provide(FetchHttpClient.layer)),
  // A function of \`step\`: every step's ctx.config is typed from Config.
  steps: (step) => [
    step("hosts", "Hosts, from GET /hosts")
      .entities({ type: "${prefix(name)}_host", class: "Host" })
      .run((ctx) =>
        Effect.gen(function* () {
          for (const host of yield* (yield* Api).get("/hosts", Schema.Array(Host))) {
            yield* ctx.emitEntity(entity("${prefix(name)}_host", host.id).class("Host").displayName(host.name).property("os", host.os))
          }
        })
      ),
    step("services", "Each host's services, from GET /hosts/{id}/services; the host RUNS them")
      .dependsOn("hosts")
      .entities({ type: "${prefix(name)}_service", class: "Service" })
      .relationships({ from: "${prefix(name)}_host", verb: "RUNS", to: "${prefix(name)}_service" })
      .run((ctx) =>
        Effect.gen(function* () {
          const api = yield* Api
          for (const host of ctx.prior.entities("${prefix(name)}_host")) {
            const services = yield* api.get(\`/hosts/\${encodeURIComponent(host.key)}/services\`, Schema.Array(Service))
            for (const service of services) {
              const key = \`\${host.key}/\${service.name}\`
              yield* ctx.emitEntity(
                entity("${prefix(name)}_service", key).class("Service").displayName(service.name).property("port", service.port)
              )
              yield* ctx.emitRelationship(relationship("${prefix(name)}_host", host.key, "RUNS", "${prefix(name)}_service", key))
            }
          }
        })
      )
  ]
})
`

export const recordModule = (): string => `import { Layer } from "effect"
import { HttpFixtures } from "parallax-connect/harness"
import connector, { apiLayer } from "./connector.ts"

/**
 * The connector, recording every exchange with the API into fixtures/inventory.json for the test to
 * replay. The token, and the Authorization header, never reach the file:
 *
 *   parallax sync ./record.ts --dry-run --set baseUrl=https://inventory.example.com --set token=$TOKEN
 */
export default {
  ...connector,
  layer: (config: Parameters<typeof apiLayer>[0]) =>
    apiLayer(config).pipe(
      Layer.provide(
        HttpFixtures.record(new URL("./fixtures/inventory.json", import.meta.url), { secrets: [config.token] })
      )
    )
}
`

export const readme = (name: string): string => `# ${name}

A connector for parallax: it imports \`parallax-connect\`, \`effect\` and \`@effect/platform\`, which the
\`parallax\` binary provides, so the project needs no \`npm install\` and no \`node_modules\`.

It reads an inventory API: \`GET /hosts\` (\`[{ id, name, os }]\`) and \`GET /hosts/{id}/services\`
(\`[{ name, port }]\`), with a bearer token.

- \`parallax plan ./connector.ts\`: its steps and waves; \`parallax document ./connector.ts\`: its data model.
- \`parallax sync ./connector.ts --set baseUrl=https://... --set token=...\`: one sync into \`./parallax.db\`
  (or \`PARALLAX_${prefix(name).toUpperCase()}_TOKEN\` for the token).
- \`tsc\` (TypeScript 5.4 or later): type-checks the project under \`--strict\` (\`tsconfig.json\`). The types of
  \`parallax-connect\`, \`parallax-connect/harness\`, \`effect\` and \`@effect/platform\` come from
  \`parallax.d.ts\`, written by \`parallax init\` for this version of parallax: no \`npm install\` needed.
- \`./test.sh\` (\`parallax check ./connector.ts\`): the property-based harness (idempotency, source scoping,
  fault isolation, atomicity, ...) against the API's answers recorded in \`fixtures/inventory.json\`,
  replayed without a network. It needs only the \`parallax\` binary.
- \`parallax sync ./record.ts --dry-run --set baseUrl=https://... --set token=...\`: records the real API's
  answers into \`fixtures/inventory.json\` again (the token never reaches the file; a dry run writes no
  store). A request the recording does not hold fails the test, naming the request.
`

export const testScript = (): string =>
  '#!/bin/sh\n# The connector\'s test: the property-based harness on the recorded API answers; nothing but the parallax binary needed.\nexec parallax check ./connector.ts --seed 1 "$@"\n'

/**
 * `tsconfig.json`: `tsc --strict` with no node_modules; the declarations in `parallax.d.ts` are all the
 * project needs (`types: []` keeps any `@types` up the tree out).
 */
export const tsconfig = (): string =>
  `${JSON.stringify(
    {
      compilerOptions: {
        strict: true,
        target: "ES2022",
        module: "Preserve",
        moduleResolution: "bundler",
        lib: ["ES2022", "DOM", "DOM.Iterable"],
        types: [],
        noEmit: true,
        skipLibCheck: true,
        verbatimModuleSyntax: true,
        allowImportingTsExtensions: true
      },
      include: ["**/*.ts"]
    },
    null,
    2
  )}\n`
