import { exists, host, newCount, runs, service, user, uses } from "../../connectors/bench/Workload.ts"
import { contentHash, entityId, type Properties, relationshipId } from "../../src/model/Ids.ts"

/**
 * The rows of the bench workload computed directly, without the SDK's emit path (no validation, no
 * staging, no effects): only the ids and content hashes, by the SDK's own functions (bench/floor.ts
 * checks a sample against emitted records). This is the floor's data source: the least work that
 * produces the right rows.
 */

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
    id: entityId(account, builder.type, builder.key),
    type: builder.type,
    key: builder.key,
    class: builder._class,
    displayName,
    properties: builder._properties,
    hash: contentHash(builder._class, displayName, builder._properties as Properties),
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

const EMPTY_RELATIONSHIP_HASH = (verb: string) => contentHash(verb, "", {})

/** Every relationship of generation `g`, in emission order (RUNS then USES). */
export function* relationshipRows(account: string, n: number, g: number): Generator<RelationshipRow> {
  const hashes = { RUNS: EMPTY_RELATIONSHIP_HASH("RUNS"), USES: EMPTY_RELATIONSHIP_HASH("USES") }
  const end = n + newCount(n, g)
  const row = (builder: ReturnType<typeof runs>): RelationshipRow => {
    const fromId = entityId(account, builder.fromType, builder.fromKey)
    const toId = entityId(account, builder.toType, builder.toKey)
    return {
      id: relationshipId(fromId, builder.verb, toId),
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

/** A 32-digit hex id or hash as the 16 bytes the SQLite store keeps. */
export const blob = (hex: string): Buffer => Buffer.from(hex, "hex")

/**
 * An entity row's values as the SQLite store's columns hold them, in the order of
 * `(id, type, key, class, display_name, properties, hash, step)`: what the floors insert.
 */
export const entityValues = (row: EntityRow) =>
  [
    blob(row.id),
    row.type,
    row.key,
    row.class,
    row.displayName,
    JSON.stringify(row.properties),
    blob(row.hash),
    row.step
  ] as const

/**
 * A relationship row's values as the SQLite store's columns hold them, in the order of
 * `(id, verb, from_id, from_type, from_key, to_id, to_type, to_key, properties, hash, step)`.
 */
export const relationshipValues = (row: RelationshipRow) =>
  [
    blob(row.id),
    row.verb,
    blob(row.fromId),
    row.fromType,
    row.fromKey,
    blob(row.toId),
    row.toType,
    row.toKey,
    JSON.stringify(row.properties),
    blob(row.hash),
    row.step
  ] as const
