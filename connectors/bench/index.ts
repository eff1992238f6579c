import { Effect, Schema } from "effect"
import { Connector, ConnectorFailed } from "parallax-connect"
import {
  CHANGES,
  exists,
  type Generations,
  HOST,
  host,
  hostKey,
  indexOf,
  newCount,
  RUNS,
  runs,
  SERVICE,
  service,
  serviceKey,
  USER,
  USES,
  user,
  userKey,
  uses
} from "./Workload.ts"

/**
 * A whole number given as a number or as its decimal text (`--set n=1000000`). A value that is neither
 * gets one message for the union, not one per alternative.
 */
const Integer = Schema.Union(Schema.Number, Schema.NumberFromString)
  .annotations({
    message: (issue) => ({
      message: `expected an integer (a number, or its decimal text), got ${JSON.stringify(issue.actual)}`,
      override: true
    })
  })
  .pipe(Schema.filter((value) => Number.isSafeInteger(value) || `expected an integer, got ${value}`))

/** The size of the workload: an even integer ≥ 2. */
const Size = Integer.pipe(
  Schema.filter((n) => (n >= 2 && n % 2 === 0) || `n must be an even integer ≥ 2, got ${n}`, {
    identifier: "BenchSize"
  })
)

/** The generation: 0 is the base, g > 0 applies the churn rules to it. */
const Generation = Integer.pipe(
  Schema.filter((g) => g >= 0 || `generation must be an integer ≥ 0, got ${g}`, { identifier: "BenchGeneration" })
)

/** Whose objects a generation changes: every kind's, or one kind's (the others stay as in generation 0). */
const Changes = Schema.Literal(...CHANGES)

/** The `bench` connector's configuration. */
export const BenchConfig = Schema.Struct({
  n: Schema.optionalWith(Size, { default: () => 10000 }).annotations({
    description: "The size: n hosts, n users, n/2 services and n relationships (an even integer ≥ 2)."
  }),
  generation: Schema.optionalWith(Generation, { default: () => 0 }).annotations({
    description: "0 is the base workload; each later generation applies the churn rules to it."
  }),
  changes: Schema.optionalWith(Changes, { default: () => "all" as const }).annotations({
    description:
      "Whose objects the generation changes: all (the default), or only hosts, users or services (the other kinds stay as in generation 0; the relationships follow their endpoints)."
  })
})

/** The decoded configuration of `bench`. */
export type BenchConfig = typeof BenchConfig.Type

/** The generation each kind of object is emitted in: `generation`, or 0 for a kind that `changes` leaves alone. */
export const generationsOf = (config: Pick<BenchConfig, "generation" | "changes">): Generations => {
  const of = (kind: Exclude<BenchConfig["changes"], "all">) =>
    config.changes === "all" || config.changes === kind ? config.generation : 0
  return { hosts: of("hosts"), users: of("users"), services: of("services") }
}

/**
 * The benchmark workload of `WORKLOAD.md` as a connector: 2.5·n entities and n relationships, a pure
 * function of the indexes, with churn rules for generations g > 0. Every object is emitted by its own
 * emit call, and the services and relationships are built from what the earlier steps emitted.
 *
 * @example
 * parallax sync bench --set n=1000000 --set generation=1
 */
export const bench = Connector.make({
  name: "bench",
  description:
    "The benchmark workload: n hosts, n users, n/2 services, n relationships (config n, generation, changes)",
  config: BenchConfig,
  steps: (step) => [
    step("fetch-hosts", "Emit the hosts, one emit call per host")
      .entities({ type: HOST, class: "Host" })
      .run((ctx) =>
        Effect.gen(function* () {
          const { n } = ctx.config
          const generation = generationsOf(ctx.config).hosts
          const end = n + newCount(n, generation)
          for (let i = 0; i < end; i++) {
            if (exists(n, generation, i)) yield* ctx.emitEntity(host(n, generation, i))
          }
        })
      ),
    step("fetch-users", "Emit the users, one emit call per user")
      .entities({ type: USER, class: "User" })
      .run((ctx) =>
        Effect.gen(function* () {
          const { n } = ctx.config
          const generation = generationsOf(ctx.config).users
          const end = n + newCount(n, generation)
          for (let i = 0; i < end; i++) {
            if (exists(n, generation, i)) yield* ctx.emitEntity(user(n, generation, i))
          }
        })
      ),
    step("fetch-services", "Emit service j for each even host 2j emitted before, with that host's hostname")
      .dependsOn("fetch-hosts")
      .entities({ type: SERVICE, class: "Service" })
      .run((ctx) =>
        Effect.gen(function* () {
          const { n } = ctx.config
          const generation = generationsOf(ctx.config).services
          for (const emitted of ctx.prior.entities(HOST)) {
            const index = indexOf(emitted.key)
            if (index % 2 !== 0) continue
            const name = emitted.properties.hostname
            if (typeof name !== "string") {
              return yield* new ConnectorFailed({ reason: `host ${emitted.key} was emitted without a hostname` })
            }
            yield* ctx.emitEntity(service(n, generation, index / 2, name))
          }
        })
      ),
    step("build-relationships", "Emit RUNS and USES between endpoints emitted before")
      .dependsOn("fetch-hosts", "fetch-users", "fetch-services")
      .relationships({ from: HOST, verb: RUNS, to: SERVICE }, { from: USER, verb: USES, to: HOST })
      .run((ctx) =>
        Effect.gen(function* () {
          const { n } = ctx.config
          // A service for each even host index, new hosts included: as many as the hosts' generation makes.
          const services = Math.ceil((n + newCount(n, generationsOf(ctx.config).hosts)) / 2)
          for (let j = 0; j < services; j++) {
            const from = hostKey(2 * j)
            const to = serviceKey(j)
            if (ctx.prior.hasEntity(HOST, from) && ctx.prior.hasEntity(SERVICE, to)) {
              yield* ctx.emitRelationship(runs(j, from, to))
            }
          }
          for (let j = 0; j < n / 2; j++) {
            const from = userKey(j)
            const to = hostKey(2 * j + 1)
            if (ctx.prior.hasEntity(USER, from) && ctx.prior.hasEntity(HOST, to)) {
              yield* ctx.emitRelationship(uses(j, from, to))
            }
          }
        })
      )
  ]
})

export default bench
export { harness } from "./Harness.ts"
