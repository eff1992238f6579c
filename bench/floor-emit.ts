/**
 * The emit floor: what building generation 0's objects costs with no SDK at all. A bare loop builds the
 * same strings and properties as the `bench` connector (keys, display names, the six properties of each
 * entity, each relationship's endpoints), serialises the properties to their canonical JSON and computes
 * the same two hashes the SDK computes for each object: the id (SHA-256 of the length-prefixed
 * `(account, type, key)`, and for a relationship of `(from id, verb, to id)` after both endpoint ids) and
 * the content hash (SHA-256 of class, display name and properties JSON), both truncated to 128 bits as
 * hex. No builders, no validation, no staging, no effects. `bench/collect.ts` (the connector and the SDK
 * alone) is compared with it; a sample of its values is checked against the SDK's first. Not a test.
 *
 *   bun bench/floor-emit.ts --n 1000000
 */
import { host, runs, service, user } from "../connectors/bench/Workload.ts"
import { startTiming } from "./lib/timing.ts"

const args = process.argv.slice(2)
const n = Number(args[args.indexOf("--n") + 1] ?? 10000)
const account = "a"

// The platform's SHA-256 as cheaply as the SDK calls it: into one digest buffer, over views of one scratch
// buffer made once per length, rendered by `hexSlice`.
const digest = Buffer.alloc(32) as Buffer & { hexSlice(start: number, end: number): string }
const sha128 = (bytes: Uint8Array | string): string => {
  Bun.SHA256.hash(bytes, digest)
  return digest.hexSlice(0, 16)
}

// The id encoding: a domain tag, then each field as its 4-byte big-endian length and its bytes. The
// workload's fields are ASCII, so each character is one byte.
const scratch = new Uint8Array(1024)
const views: Array<Uint8Array> = []
const view = (length: number): Uint8Array => {
  views[length] ??= scratch.subarray(0, length)
  return views[length]
}
const put = (text: string, at: number): number => {
  const length = text.length
  scratch[at] = length >>> 24
  scratch[at + 1] = (length >>> 16) & 255
  scratch[at + 2] = (length >>> 8) & 255
  scratch[at + 3] = length & 255
  for (let i = 0; i < length; i++) scratch[at + 4 + i] = text.charCodeAt(i)
  return at + 4 + length
}
// An entity's domain, account and type are written once for a run of the same type; only its key after them.
let prefixType = ""
let prefixEnd = 0
const entityId = (type: string, key: string): string => {
  if (type !== prefixType) {
    prefixEnd = put(type, put(account, put("parallax/entity/v1", 0)))
    prefixType = type
  }
  return sha128(view(put(key, prefixEnd)))
}
const relationshipId = (fromId: string, verb: string, toId: string): string => {
  prefixType = ""
  return sha128(view(put(toId, put(verb, put(fromId, put("parallax/relationship/v1", 0))))))
}
const contentHash = (klass: string, displayName: string, json: string): string =>
  sha128(`"${klass}""${displayName}"${json}`)

const OS_NAMES = ["linux", "windows", "macos"]
const DEPARTMENTS = ["eng", "sales", "ops", "finance"]
const CATEGORY = ["software"]
const FUNCTION = ["other"]

/** What each object's values end up in: kept alive so that no work is optimised away, and checked. */
interface Built {
  readonly id: string
  readonly hash: string
  readonly json: string
}
let sink = 0
const keep = (built: Built) => {
  sink += built.id.length + built.hash.length + built.json.length
  return built
}

// Properties are built with their keys in sorted order, so JSON.stringify gives the canonical JSON.
const buildHost = (i: number): Built => {
  const key = `bench-host:${i}`
  const properties = {
    active: i % 7 !== 0,
    cpuCount: 2 ** (i % 5),
    hostname: `host-${i}.bench.local`,
    ipAddress: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    memoryMb: 1024 * (1 + (i % 64)),
    osName: OS_NAMES[i % 3]
  }
  const json = JSON.stringify(properties)
  return { id: entityId("bench_host", key), hash: contentHash("Host", `host-${i}`, json), json }
}
const buildUser = (i: number): Built => {
  const key = `bench-user:${i}`
  const properties = {
    active: i % 11 !== 0,
    department: DEPARTMENTS[i % 4],
    email: `user${i}@bench.example`,
    loginCount: (i * 7919) % 1000,
    mfaEnabled: i % 3 !== 0,
    username: `user${i}`
  }
  const json = JSON.stringify(properties)
  return { id: entityId("bench_user", key), hash: contentHash("User", `user-${i}`, json), json }
}
const buildService = (j: number): Built => {
  const key = `bench-service:${j}`
  const properties = {
    category: CATEGORY,
    function: FUNCTION,
    hostname: `host-${2 * j}.bench.local`,
    internal: j % 5 !== 0,
    port: 1024 + (j % 50000),
    protocol: j % 2 === 0 ? "tcp" : "udp"
  }
  const json = JSON.stringify(properties)
  return { id: entityId("bench_service", key), hash: contentHash("Service", `svc-${j}`, json), json }
}
const EMPTY = { RUNS: contentHash("RUNS", "", "{}"), USES: contentHash("USES", "", "{}") }
const buildEdge = (fromType: string, fromKey: string, verb: "RUNS" | "USES", toType: string, toKey: string): Built => {
  const fromId = entityId(fromType, fromKey)
  const toId = entityId(toType, toKey)
  return { id: relationshipId(fromId, verb, toId), hash: EMPTY[verb], json: "{}" }
}
const buildRuns = (j: number) =>
  buildEdge("bench_host", `bench-host:${2 * j}`, "RUNS", "bench_service", `bench-service:${j}`)
const buildUses = (j: number) =>
  buildEdge("bench_user", `bench-user:${j}`, "USES", "bench_host", `bench-host:${2 * j + 1}`)

// The floor must produce exactly the SDK's ids, hashes and JSON, or it measures other work.
for (const [built, builder] of [
  [buildHost(5), host(10, 0, 5)],
  [buildUser(6), user(10, 0, 6)],
  [buildService(3), service(10, 0, 3, "host-6.bench.local")]
] as const) {
  const staged = builder.toStaged(account)
  if (staged instanceof Error || staged.record.id !== built.id || staged.record.hash !== built.hash) {
    throw new Error(`bench/floor-emit.ts disagrees with the SDK on ${builder.subject}`)
  }
  if (staged.json !== built.json) throw new Error(`bench/floor-emit.ts serialises ${builder.subject} differently`)
}
const sdkRuns = runs(2).toStaged(account)
const floorRuns = buildRuns(2)
if (sdkRuns instanceof Error || sdkRuns.record.id !== floorRuns.id || sdkRuns.record.hash !== floorRuns.hash) {
  throw new Error("bench/floor-emit.ts disagrees with the SDK on relationships")
}

const stop = startTiming()
let entities = 0
let relationships = 0
for (let i = 0; i < n; i++, entities++) keep(buildHost(i))
for (let i = 0; i < n; i++, entities++) keep(buildUser(i))
for (let j = 0; j < n / 2; j++, entities++) keep(buildService(j))
for (let j = 0; j < n / 2; j++, relationships++) keep(buildRuns(j))
for (let j = 0; j < n / 2; j++, relationships++) keep(buildUses(j))
stop({ n, entities, relationships }, { sink })
