import { hash128 } from "./Hash.ts"

/**
 * Identity and content hashing (DESIGN §3).
 *
 * Ids are 128-bit hashes of a canonical, length-prefixed encoding: every field is written as its UTF-8
 * byte length (4 bytes, big-endian) followed by its bytes, after a domain tag, so that no two different
 * tuples share an encoding whatever separators, empty strings or unicode they hold. The golden ids in
 * `test/model/Ids.test.ts` pin the encoding: changing it would orphan every stored row.
 */

const encoder = new TextEncoder()

/**
 * UTF-8 for well-formed strings; WTF-8 (lone surrogates as their own 3-byte sequences) otherwise, since
 * `TextEncoder` would turn every lone surrogate into U+FFFD and make `"\uD800"` and `"\uFFFD"` collide.
 * Well-formed strings (all real data) encode exactly as before.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const isWellFormed = (field: string): boolean => !LONE_SURROGATE.test(field)

const encodeField = (field: string): Uint8Array => {
  if (isWellFormed(field)) return encoder.encode(field)
  const bytes: Array<number> = []
  for (let index = 0; index < field.length; index++) {
    const unit = field.charCodeAt(index)
    const next = field.charCodeAt(index + 1)
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      bytes.push(...encoder.encode(field.slice(index, index + 2)))
      index++
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      bytes.push(0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f))
    } else {
      bytes.push(...encoder.encode(field[index] as string))
    }
  }
  return Uint8Array.from(bytes)
}

const nativeWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed
const isWellFormedString = (field: string): boolean =>
  nativeWellFormed !== undefined ? nativeWellFormed.call(field) : isWellFormed(field)

/** A scratch buffer reused by `encodeInto`; callers hash the view it returns before encoding again. */
let scratch = new Uint8Array(4096)

/**
 * Views of the scratch buffer's first bytes, by length, made once each: a view made per id cost about a
 * twentieth of the SDK's time at n = 1M (by hand: 8M hashes took 0.54 s over cached views, 0.78 s over
 * new ones).
 */
let views: Array<Uint8Array | undefined> = []

/**
 * The fields whose encoding the scratch buffer starts with, up to `prefixEnd` (0: none): `encode3` of the
 * same domain and first two fields (an entity's id: domain, account, type; the same for a step's every
 * object) writes only its last field.
 */
let prefixDomain = ""
let prefixA = ""
let prefixB = ""
let prefixEnd = 0

/** The scratch buffer's first `length` bytes (valid until the next encoding). */
const scratchView = (length: number): Uint8Array => {
  const view = views[length]
  if (view !== undefined) return view
  const made = scratch.subarray(0, length)
  views[length] = made
  return made
}

/** A larger scratch buffer, for an encoding of up to `size` bytes: the encoded prefix and views are gone. */
const grow = (size: number): void => {
  scratch = new Uint8Array(Math.max(size, 2 * scratch.length))
  views = []
  prefixEnd = 0
}

/** Writes one length-prefixed field at `offset` of the scratch buffer; returns the offset after it. */
const writeField = (field: string, offset: number): number => {
  const out = scratch
  const units = field.length
  let length = units
  let index = 0
  // ASCII (nearly all real ids) is copied unit by unit; anything else goes through the encoder.
  for (; index < units; index++) {
    const unit = field.charCodeAt(index)
    if (unit > 0x7f) break
    out[offset + 4 + index] = unit
  }
  if (index < units) {
    if (isWellFormedString(field)) {
      length = encoder.encodeInto(field, out.subarray(offset + 4)).written
    } else {
      const bytes = encodeField(field)
      out.set(bytes, offset + 4)
      length = bytes.length
    }
  }
  out[offset] = length >>> 24
  out[offset + 1] = (length >>> 16) & 0xff
  out[offset + 2] = (length >>> 8) & 0xff
  out[offset + 3] = length & 0xff
  return offset + 4 + length
}

/**
 * Writes the canonical encoding into the scratch buffer and returns a view of it (valid until the next
 * call), without intermediate arrays.
 */
const encodeInto = (domain: string, fields: ReadonlyArray<string>): Uint8Array => {
  let size = 4 + 3 * domain.length
  for (const field of fields) size += 4 + 3 * field.length
  if (size > scratch.length) grow(size)
  prefixEnd = 0
  let offset = writeField(domain, 0)
  for (const field of fields) offset = writeField(field, offset)
  return scratchView(offset)
}

/** `encodeInto(domain, [a, b, c])` without the array: every entity id, and most relationship ids. */
const encode3 = (domain: string, a: string, b: string, c: string): Uint8Array => {
  const size = 16 + 3 * (domain.length + a.length + b.length + c.length)
  if (size > scratch.length) grow(size)
  if (prefixEnd === 0 || b !== prefixB || a !== prefixA || domain !== prefixDomain) {
    prefixEnd = writeField(b, writeField(a, writeField(domain, 0)))
    prefixDomain = domain
    prefixA = a
    prefixB = b
  }
  return scratchView(writeField(c, prefixEnd))
}

/** The canonical encoding of a tuple of strings (exported for the injectivity tests). */
export const canonicalEncoding = (domain: string, fields: ReadonlyArray<string>): Uint8Array =>
  encodeInto(domain, fields).slice()

/**
 * The last few entity ids computed: a connector that checks `prior.hasEntity(type, key)` and then emits a
 * relationship to that entity asks for the same id twice in a row, and SHA-256 is the costly part.
 */
const RECENT = 8 // a power of two
const recentAccounts: Array<string | undefined> = new Array(RECENT)
const recentTypes: Array<string | undefined> = new Array(RECENT)
const recentKeys: Array<string | undefined> = new Array(RECENT)
const recentIds: Array<string> = new Array(RECENT)
let recentNext = 0

/** The id of an entity: `(account, type, key)`. */
export const entityId = (account: string, type: string, key: string): string => {
  // Newest first: the id asked for again is nearly always one of the last two.
  for (let step = 1; step <= RECENT; step++) {
    const index = (recentNext - step) & (RECENT - 1)
    if (recentKeys[index] === key && recentTypes[index] === type && recentAccounts[index] === account) {
      return recentIds[index] as string
    }
  }
  return emittedEntityId(account, type, key)
}

/**
 * `entityId` without looking among the recent ids, for the id of an entity being emitted: it is rarely
 * one of them, and at n = 1M the look cost a twentieth of the SDK's time. It is remembered, as the
 * endpoint of a relationship that follows.
 */
export const emittedEntityId = (account: string, type: string, key: string): string => {
  const id = hash128(encode3("parallax/entity/v1", account, type, key))
  recentAccounts[recentNext] = account
  recentTypes[recentNext] = type
  recentKeys[recentNext] = key
  recentIds[recentNext] = id
  recentNext = (recentNext + 1) % RECENT
  return id
}

/** The id of a relationship: `(from id, verb, to id[, key])`. */
export const relationshipId = (fromId: string, verb: string, toId: string, key?: string): string =>
  hash128(
    key === undefined
      ? encode3("parallax/relationship/v1", fromId, verb, toId)
      : encodeInto("parallax/relationship/v1", [fromId, verb, toId, key])
  )

/** A flat property value (DESIGN §3). */
export type PropertyValue = string | number | boolean | null | ReadonlyArray<string>

/** Flat properties of an entity or relationship. */
export type Properties = Readonly<Record<string, PropertyValue>>

/**
 * The canonical JSON of flat properties: keys in sorted order, so that equal properties give equal text
 * whatever order they were set in. This is also the form that is stored.
 */
export const canonicalProperties = (properties: Properties): string => {
  const keys = Object.keys(properties)
  if (keys.length === 0) return "{}"
  keys.sort()
  const sorted: Record<string, PropertyValue> = {}
  for (const key of keys) {
    const value = properties[key] as PropertyValue
    if (key === "__proto__")
      Object.defineProperty(sorted, key, { value, enumerable: true, writable: true, configurable: true })
    else sorted[key] = value
  }
  return JSON.stringify(sorted)
}

/**
 * The content hash from the canonical properties JSON: `class` and `displayName` as JSON string literals
 * (each ends at its first unescaped quote, so the concatenation is unambiguous), then the properties.
 */
export const hashContent = (klass: string, displayName: string, propertiesJson: string): string =>
  hash128(classJson(klass) + jsonString(displayName) + propertiesJson)

/** `jsonString` of a class or verb: the last one's is kept, as objects mostly come a class at a time. */
let lastClass = ""
let lastClassJson = '""'
const classJson = (klass: string): string => {
  if (klass !== lastClass) {
    lastClassJson = jsonString(klass)
    lastClass = klass
  }
  return lastClassJson
}

/**
 * `JSON.stringify(text)`, without the call for the common text that needs no escaping: none of the
 * characters it escapes (`"`, `\\`, controls, surrogates). A loop over the text's code units: a regular
 * expression took 1.2 to 2.4 times as long on display names (by hand, 3 million of them).
 */
const jsonString = (text: string): string => {
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index)
    if (unit < 0x20 || unit === 0x22 || unit === 0x5c || (unit >= 0xd800 && unit <= 0xdfff)) return JSON.stringify(text)
  }
  return `"${text}"`
}

/**
 * The content hash of an entity or relationship: `(class, displayName, properties)` with keys sorted,
 * so that equal content gives an equal hash whatever order the properties were set in.
 */
export const contentHash = (klass: string, displayName: string, properties: Properties): string =>
  hashContent(klass, displayName, canonicalProperties(properties))

const HEX = "0123456789abcdef"

/** An id or content hash (hex) as the bytes stores keep: 32 hex digits, 16 bytes. */
export const toBytes = (hex: string): Uint8Array => {
  const bytes = new Uint8Array(hex.length >>> 1)
  for (let at = 0; at < bytes.length; at++) bytes[at] = Number.parseInt(hex.slice(2 * at, 2 * at + 2), 16)
  return bytes
}

/** Bytes as lowercase hex: an id or content hash as the model writes it. */
export const toHex = (bytes: Uint8Array): string => {
  let hex = ""
  for (const byte of bytes) hex += (HEX[byte >>> 4] as string) + (HEX[byte & 15] as string)
  return hex
}
