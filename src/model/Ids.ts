import { hash128 } from "../internal/hash.ts"

/**
 * Identity and content hashing (DESIGN §3).
 *
 * Ids are 128-bit hashes of a canonical, length-prefixed encoding: every field is written as its UTF-8
 * byte length (4 bytes, big-endian) followed by its bytes, after a domain tag, so that no two different
 * tuples share an encoding whatever separators, empty strings or unicode they hold. The golden ids in
 * `test/model/Ids.test.ts` pin the encoding: changing it would orphan every stored row.
 */

const encoder = new TextEncoder()

/** The canonical encoding of a tuple of strings (exported for the injectivity tests). */
export const canonicalEncoding = (domain: string, fields: ReadonlyArray<string>): Uint8Array => {
  const parts = [domain, ...fields].map((field) => encoder.encode(field))
  const size = parts.reduce((total, part) => total + 4 + part.length, 0)
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  let offset = 0
  for (const part of parts) {
    view.setUint32(offset, part.length)
    out.set(part, offset + 4)
    offset += 4 + part.length
  }
  return out
}

/** The id of an entity: `(account, type, key)`. */
export const entityId = (account: string, type: string, key: string): string =>
  hash128(canonicalEncoding("parallax/entity/v1", [account, type, key]))

/** The id of a relationship: `(from id, verb, to id[, key])`. */
export const relationshipId = (fromId: string, verb: string, toId: string, key?: string): string =>
  hash128(
    canonicalEncoding("parallax/relationship/v1", key === undefined ? [fromId, verb, toId] : [fromId, verb, toId, key])
  )

/** A flat property value (DESIGN §3). */
export type PropertyValue = string | number | boolean | null | ReadonlyArray<string>

/** Flat properties of an entity or relationship. */
export type Properties = Readonly<Record<string, PropertyValue>>

/** Properties with their keys in code-point order: the form that is hashed and stored. */
export const sortProperties = (properties: Properties): Properties => {
  const keys = Object.keys(properties).sort()
  const sorted: Record<string, PropertyValue> = {}
  for (const key of keys) sorted[key] = properties[key] as PropertyValue
  return sorted
}

/**
 * The content hash of an entity or relationship: `(class, displayName, properties)` with keys sorted,
 * so that equal content gives an equal hash whatever order the properties were set in.
 */
export const contentHash = (klass: string, displayName: string, properties: Properties): string => {
  const entries = Object.keys(properties)
    .sort()
    .map((key) => [key, properties[key]])
  return hash128(JSON.stringify([klass, displayName, entries]))
}
