import { type EntityBuilder, entity, type RelationshipBuilder, relationship } from "parallax-connect"

/**
 * The benchmark workload of `WORKLOAD.md` as pure functions of the indexes, shared by the `bench`
 * connector's steps. Integers are written in decimal without padding.
 */

/** The entity types and relationship verbs of the workload. */
export const HOST = "bench_host"
export const USER = "bench_user"
export const SERVICE = "bench_service"
export const RUNS = "RUNS"
export const USES = "USES"

/** What happens to a base object in a generation. */
export type Fate = "unchanged" | "updated" | "removed"

/**
 * `h(i) = (i * 2654435761 + g * 40503) mod 100`, exactly. Reduction mod 100 commutes with `+` and `*`,
 * so `((i mod 100) * 61 + (g mod 100) * 3) mod 100` is the same integer and never leaves the safe range
 * (where the direct product exceeds 2^53 for large i).
 *
 * @example
 * churnHash(7, 1) // (7 * 2654435761 + 40503) mod 100 = 30
 */
export const churnHash = (index: number, generation: number): number =>
  ((index % 100) * 61 + (generation % 100) * 3) % 100

/** The fate of base object `index` in `generation`: generation 0 is the base, unchanged. */
export const fate = (index: number, generation: number): Fate => {
  if (generation === 0) return "unchanged"
  const h = churnHash(index, generation)
  return h < 10 ? "updated" : h < 15 ? "removed" : "unchanged"
}

/** Whose objects a generation changes (the `bench` connector's `changes`): every kind's, or one kind's. */
export const CHANGES = ["all", "hosts", "users", "services"] as const

/**
 * The generation each kind of object is emitted in: all three the same, unless the connector's `changes`
 * leaves some kinds as generation 0 has them. Relationships follow their endpoints.
 */
export interface Generations {
  readonly hosts: number
  readonly users: number
  readonly services: number
}

/** How many new hosts and users generation g > 0 adds: indexes n .. n + n/20 - 1, i.e. ⌊n/20⌋ of them. */
export const newCount = (n: number, generation: number): number => (generation === 0 ? 0 : Math.floor(n / 20))

/** Whether host or user `index` exists in `generation` (base and not removed, or new). */
export const exists = (n: number, generation: number, index: number): boolean =>
  index < n ? fate(index, generation) !== "removed" : index < n + newCount(n, generation)

/** The display name of object `index`: the base name, with `-g<g>` when the generation updates it. */
const named = (base: string, index: number, isBase: boolean, generation: number): string =>
  isBase && fate(index, generation) === "updated" ? `${base}-g${generation}` : base

const OS_NAMES = ["linux", "windows", "macos"] as const
const DEPARTMENTS = ["eng", "sales", "ops", "finance"] as const
const CATEGORY: ReadonlyArray<string> = ["software"]
const FUNCTION: ReadonlyArray<string> = ["other"]

/** The hostname of host `index`, as the hosts step writes it. */
export const hostname = (index: number): string => `host-${index}.bench.local`

/** Host `index` (class `Host`) as generation `generation` of a workload of size `n` has it. */
export const host = (n: number, generation: number, index: number): EntityBuilder =>
  entity(HOST, `bench-host:${index}`)
    .class("Host")
    .displayName(named(`host-${index}`, index, index < n, generation))
    .properties({
      hostname: hostname(index),
      ipAddress: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`,
      osName: OS_NAMES[index % 3] as string,
      cpuCount: 2 ** (index % 5),
      memoryMb: 1024 * (1 + (index % 64)),
      active: index % 7 !== 0
    })

/** User `index` (class `User`). */
export const user = (n: number, generation: number, index: number): EntityBuilder =>
  entity(USER, `bench-user:${index}`)
    .class("User")
    .displayName(named(`user-${index}`, index, index < n, generation))
    .properties({
      username: `user${index}`,
      email: `user${index}@bench.example`,
      department: DEPARTMENTS[index % 4] as string,
      loginCount: (index * 7919) % 1000,
      mfaEnabled: index % 3 !== 0,
      active: index % 11 !== 0
    })

/**
 * Service `index` (class `Service`), made from host `2 * index`, whose `hostname` the caller reads
 * back from what the hosts step emitted. Only base services (`index < n/2`) are ever updated.
 */
export const service = (n: number, generation: number, index: number, hostHostname: string): EntityBuilder =>
  entity(SERVICE, `bench-service:${index}`)
    .class("Service")
    .displayName(named(`svc-${index}`, index, index < n / 2, generation))
    .properties({
      category: CATEGORY,
      function: FUNCTION,
      port: 1024 + (index % 50000),
      protocol: index % 2 === 0 ? "tcp" : "udp",
      hostname: hostHostname,
      internal: index % 5 !== 0
    })

/** The key of host, user or service `index`. */
export const hostKey = (index: number): string => `bench-host:${index}`
export const userKey = (index: number): string => `bench-user:${index}`
export const serviceKey = (index: number): string => `bench-service:${index}`

/**
 * The index in a key `bench-<kind>:<index>`: the decimal digits after the colon, read in place (no slice,
 * no number parsing: the services step reads every host's). `NaN` when they are missing or not digits.
 */
export const indexOf = (key: string): number => {
  let at = key.indexOf(":") + 1
  if (at === 0 || at === key.length) return Number.NaN
  let index = 0
  for (; at < key.length; at++) {
    const digit = key.charCodeAt(at) - 48
    if (digit < 0 || digit > 9) return Number.NaN
    index = index * 10 + digit
  }
  return index
}

/** `bench-host:<2j>` RUNS `bench-service:<j>` (the keys given when the caller has them already). */
export const runs = (index: number, from = hostKey(2 * index), to = serviceKey(index)): RelationshipBuilder =>
  relationship(HOST, from, RUNS, SERVICE, to)

/** `bench-user:<j>` USES `bench-host:<2j+1>`. */
export const uses = (index: number, from = userKey(index), to = hostKey(2 * index + 1)): RelationshipBuilder =>
  relationship(USER, from, USES, HOST, to)
