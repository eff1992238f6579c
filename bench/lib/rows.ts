import { exists, host, newCount, runs, service, user, uses } from "../../connectors/bench/Workload.ts"

/**
 * The rows of the bench workload computed directly, without the SDK's emit path: the same ids and
 * content hashes (checked against the SDK in bench/floor.ts), from a reused buffer and one-shot SHA-256.
 * This is the floor's data source: the least work that produces the right rows.
 */

let buffer = new Uint8Array(4096)
let offset = 0
const encoder = new TextEncoder()

const field = (text: string) => {
  const length = text.length
  if (offset + 4 + 3 * length > buffer.length) {
    const grown = new Uint8Array(Math.max(2 * buffer.length, offset + 4 + 3 * length))
    grown.set(buffer)
    buffer = grown
  }
  let bytes = length
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i)
    if (code > 127) {
      bytes = encoder.encodeInto(text, buffer.subarray(offset + 4)).written
      break
    }
    buffer[offset + 4 + i] = code
  }
  buffer[offset] = bytes >>> 24
  buffer[offset + 1] = (bytes >>> 16) & 255
  buffer[offset + 2] = (bytes >>> 8) & 255
  buffer[offset + 3] = bytes & 255
  offset += 4 + bytes
}

const sha128 = (input: Uint8Array | string): string => Bun.SHA256.hash(input, "hex").slice(0, 32)

/** `entityId` of the SDK, computed without allocating an encoding per call. */
export const fastEntityId = (account: string, type: string, key: string): string => {
  offset = 0
  field("parallax/entity/v1")
  field(account)
  field(type)
  field(key)
  return sha128(buffer.subarray(0, offset))
}

/** `relationshipId` of the SDK (without a relationship key). */
export const fastRelationshipId = (fromId: string, verb: string, toId: string): string => {
  offset = 0
  field("parallax/relationship/v1")
  field(fromId)
  field(verb)
  field(toId)
  return sha128(buffer.subarray(0, offset))
}

/** `contentHash` of the SDK, from properties already in sorted key order (as the workload sets them). */
export const fastContentHash = (klass: string, displayName: string, properties: Record<string, unknown>): string => {
  const keys = Object.keys(properties).sort()
  const sorted: Record<string, unknown> = {}
  for (const key of keys) sorted[key] = properties[key]
  return sha128(JSON.stringify(klass) + JSON.stringify(displayName) + JSON.stringify(sorted))
}

/** One entity row as the SDK stages it, with its owning step. */
export interface EntityRow {
  readonly id: string
  readonly type: string
  readonly key: string
  readonly class: string
  readonly displayName: string
  readonly properties: Record<string, unknown>
  readonly hash: string
  readonly step: string
}

/** One relationship row as the SDK stages it. */
export interface RelationshipRow {
  readonly id: string
  readonly verb: string
  readonly fromId: string
  readonly fromType: string
  readonly fromKey: string
  readonly toId: string
  readonly toType: string
  readonly toKey: string
  readonly properties: Record<string, unknown>
  readonly hash: string
  readonly step: string
}

const toRow = (
  account: string,
  step: string,
  builder: {
    type: string
    key: string
    _class: string
    _displayName: string | undefined
    _properties: Record<string, unknown>
  }
): EntityRow => {
  const displayName = builder._displayName ?? builder.key
  return {
    id: fastEntityId(account, builder.type, builder.key),
    type: builder.type,
    key: builder.key,
    class: builder._class,
    displayName,
    properties: builder._properties,
    hash: fastContentHash(builder._class, displayName, builder._properties),
    step
  }
}

/** Every entity of generation `g`, in the order the connector emits them (hosts, users, services). */
export function* entityRows(account: string, n: number, g: number): Generator<EntityRow> {
  const end = n + newCount(n, g)
  for (let i = 0; i < end; i++) if (exists(n, g, i)) yield toRow(account, "fetch-hosts", host(n, g, i))
  for (let i = 0; i < end; i++) if (exists(n, g, i)) yield toRow(account, "fetch-users", user(n, g, i))
  for (let i = 0; i < end; i += 2) {
    if (exists(n, g, i)) yield toRow(account, "fetch-services", service(n, g, i / 2, `host-${i}.bench.local`))
  }
}

const EMPTY_RELATIONSHIP_HASH = (verb: string) => fastContentHash(verb, "", {})

/** Every relationship of generation `g`, in emission order (RUNS then USES). */
export function* relationshipRows(account: string, n: number, g: number): Generator<RelationshipRow> {
  const hashes = { RUNS: EMPTY_RELATIONSHIP_HASH("RUNS"), USES: EMPTY_RELATIONSHIP_HASH("USES") }
  const end = n + newCount(n, g)
  const row = (builder: ReturnType<typeof runs>): RelationshipRow => {
    const fromId = fastEntityId(account, builder.fromType, builder.fromKey)
    const toId = fastEntityId(account, builder.toType, builder.toKey)
    return {
      id: fastRelationshipId(fromId, builder.verb, toId),
      verb: builder.verb,
      fromId,
      fromType: builder.fromType,
      fromKey: builder.fromKey,
      toId,
      toType: builder.toType,
      toKey: builder.toKey,
      properties: {},
      hash: hashes[builder.verb as "RUNS" | "USES"],
      step: "build-relationships"
    }
  }
  for (let i = 0; i < end; i += 2) if (exists(n, g, i)) yield row(runs(i / 2))
  for (let j = 0; j < n / 2; j++) if (exists(n, g, j) && exists(n, g, 2 * j + 1)) yield row(uses(j))
}
