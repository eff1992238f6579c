import { Context, Effect, Layer, Redacted, Schema } from "effect"
import fc from "fast-check"
import { AuthFailed, Connector, entity, relationship, type Step, step } from "parallax-connect"

/** One host of the fake inventory API. */
export interface Host {
  readonly name: string
  readonly running: boolean
  readonly owner: string
  readonly services: ReadonlyArray<string>
}

/** The fake inventory API: the source state a test connector reads. */
export class Inventory extends Context.Tag("test/Inventory")<Inventory, { readonly hosts: ReadonlyArray<Host> }>() {
  static layer = (hosts: ReadonlyArray<Host>) => Layer.succeed(Inventory, { hosts })
}

const name = fc.constantFrom("web", "db", "cache", "queue", "a", "b")

/** Source states: hosts with unique names, small on purpose so cases stay fast and shrink well. */
export const inventories: fc.Arbitrary<ReadonlyArray<Host>> = fc.uniqueArray(
  fc.record({
    name,
    running: fc.boolean(),
    owner: fc.constantFrom("alice", "bob", "carol"),
    services: fc.uniqueArray(fc.constantFrom("nginx", "postgres", "redis"), { maxLength: 2 })
  }),
  { selector: (host) => host.name, maxLength: 4 }
)

const Config = Schema.Struct({ token: Schema.Redacted(Schema.String), region: Schema.optional(Schema.String) })
type Config = typeof Config.Type

/** A config with a secret, as an operator would write it. */
export const config = { token: "tok-0123456789abcdef", region: "eu" }

type InventoryStep = Step<Config, Inventory>

const hosts: InventoryStep = step("hosts", "Collect hosts").run((ctx) =>
  Effect.gen(function* () {
    const api = yield* Inventory
    yield* ctx.log.info("listing hosts with", ctx.config.token)
    for (const host of api.hosts) {
      yield* ctx.emitEntity(entity("host", host.name).class("Host").property("running", host.running))
    }
  })
)

const services: InventoryStep = step("services", "Collect services")
  .dependsOn("hosts")
  .run((ctx) =>
    Effect.gen(function* () {
      const api = yield* Inventory
      for (const host of api.hosts) {
        for (const service of host.services) {
          yield* ctx.emitEntity(entity("service", `${host.name}/${service}`).class("Service").displayName(service))
          yield* ctx.emitRelationship(relationship("host", host.name, "RUNS", "service", `${host.name}/${service}`))
        }
      }
    })
  )

const owners: InventoryStep = step("owners", "Collect owners").run((ctx) =>
  Effect.gen(function* () {
    const api = yield* Inventory
    const names = [...new Set(api.hosts.map((host) => host.owner))].sort()
    for (const owner of names) yield* ctx.emitEntity(entity("user", owner).class("User"))
  })
)

const make = (steps: ReadonlyArray<InventoryStep>, connectorName = "inventory") =>
  Connector.make({ name: connectorName, config: Config, steps, layer: () => Inventory.layer([]) })

/** A correct connector: stable keys and values, declared dependencies, the token kept redacted. */
export const inventory = make([hosts, services, owners])

/** Idempotency (C08) breaker: owners' keys carry a random suffix. */
export const randomKeys = make([
  hosts,
  services,
  step("owners", "Collect owners").run((ctx) =>
    Effect.gen(function* () {
      const api = yield* Inventory
      for (const owner of new Set(api.hosts.map((host) => host.owner))) {
        yield* ctx.emitEntity(entity("user", `${owner}-${Math.random().toString(36).slice(2, 8)}`).class("User"))
      }
    })
  )
])

let collected = 0
/** Idempotency (C08) breaker: a property that changes on every sync (a counter, like a timestamp). */
export const unstableValues = make([
  step("hosts", "Collect hosts").run((ctx) =>
    Effect.gen(function* () {
      const api = yield* Inventory
      collected++
      for (const host of api.hosts) {
        yield* ctx.emitEntity(entity("host", host.name).class("Host").property("collectedAt", collected))
      }
    })
  ),
  services,
  owners
])

const hostsBySync = new Map<string, Array<string>>()
/**
 * Order (C10) and fault isolation (C06) breaker: `owners` reads what `hosts` left in shared state
 * without declaring the dependency, so its output depends on which step ran first.
 */
export const hiddenDependency = make([
  step("hosts", "Collect hosts").run((ctx) =>
    Effect.gen(function* () {
      const api = yield* Inventory
      const seen: Array<string> = []
      hostsBySync.set(ctx.syncId, seen)
      for (const host of api.hosts) {
        yield* ctx.emitEntity(entity("host", host.name).class("Host"))
        seen.push(host.name)
      }
    })
  ),
  services,
  step("owners", "Collect owners").run((ctx) =>
    Effect.gen(function* () {
      const api = yield* Inventory
      const seen = [...(hostsBySync.get(ctx.syncId) ?? [])].sort()
      for (const owner of new Set(api.hosts.map((host) => host.owner))) {
        yield* ctx.emitEntity(entity("user", owner).class("User").property("hosts", seen))
      }
    })
  )
])

/** Secrets (C12) breaker: the token is stored as a property. */
export const tokenInRows = make([
  step("hosts", "Collect hosts").run((ctx) =>
    Effect.gen(function* () {
      const api = yield* Inventory
      for (const host of api.hosts) {
        yield* ctx.emitEntity(
          entity("host", host.name).class("Host").property("auth", Redacted.value(ctx.config.token))
        )
      }
    })
  ),
  services,
  owners
])

/** The token logged in plain text by a step (the SDK masks it before the line is written). */
export const tokenInLogs = make([
  step("hosts", "Collect hosts").run((ctx) =>
    Effect.gen(function* () {
      const api = yield* Inventory
      yield* ctx.log.debug(`calling the API with token ${Redacted.value(ctx.config.token)}`)
      for (const host of api.hosts) yield* ctx.emitEntity(entity("host", host.name).class("Host"))
    })
  ),
  services,
  owners
])

/** The token quoted in a step's error (the SDK masks it before the error leaves the step). */
export const tokenInErrors = make([
  step("hosts", "Collect hosts").run((ctx) =>
    Effect.gen(function* () {
      const api = yield* Inventory
      if (api.hosts.length > 1) {
        return yield* new AuthFailed({
          service: "inventory",
          reason: `token ${Redacted.value(ctx.config.token)} refused`
        })
      }
      for (const host of api.hosts) yield* ctx.emitEntity(entity("host", host.name).class("Host"))
    })
  ),
  services,
  owners
])

/**
 * Fault isolation (C06) breaker: `owners` links users to hosts that the `hosts` step emits, without
 * depending on it; when `hosts` fails the links dangle and the whole sync is rejected.
 */
export const undeclaredEndpoints = make([
  hosts,
  services,
  step("owners", "Collect owners and what they own").run((ctx) =>
    Effect.gen(function* () {
      const api = yield* Inventory
      for (const owner of new Set(api.hosts.map((host) => host.owner))) {
        yield* ctx.emitEntity(entity("user", owner).class("User"))
      }
      for (const host of api.hosts) {
        yield* ctx.emitRelationship(relationship("user", host.owner, "OWNS", "host", host.name))
      }
    })
  )
])

/** How the harness drives these connectors: generated inventories served by the fake API. */
export const sourceOptions = { sources: inventories, layerFor: Inventory.layer, config }

/**
 * A correct connector whose token is validated (at least 8 characters, no surrounding spaces): a rejected
 * token must not appear in the configuration error.
 */
export const validatedToken = Connector.make({
  name: "inventory",
  config: Schema.Struct({
    token: Schema.Redacted(Schema.String.pipe(Schema.minLength(8), Schema.trimmed())),
    region: Schema.optional(Schema.String)
  }),
  steps: [hosts as unknown as Step<unknown, Inventory>, owners as unknown as Step<unknown, Inventory>],
  layer: () => Inventory.layer([])
})
