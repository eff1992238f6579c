import type { SQL } from "bun"
import type { SpilledEntity, SpilledRelationship } from "../../sync/staging/Spill.ts"

/**
 * Staged rows reach PostgreSQL by `COPY ... FROM STDIN` (text format), in chunks of about a megabyte: never
 * a statement per row. Ids and hashes are hex in the spill and `bytea` on the server.
 */

const SPECIAL = /[\\\t\n\r]/

/** A text field of COPY's text format. */
const text = (value: string): string =>
  SPECIAL.test(value)
    ? value.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"))
    : value

const NULL = "\\N"
/** A `bytea` field from hex (the backslash of `\x` escaped for COPY). */
const bytes = (hex: string): string => `\\\\x${hex}`

/** The columns a COPY of each kind writes, in order (`scope_id`, `generation`, `first_seen_at` are constants). */
export const ENTITY_COLUMNS =
  "scope_id, id, type, key, class, display_name, properties, hash, step, generation, first_seen_at"
export const RELATIONSHIP_COLUMNS =
  "scope_id, id, verb, from_id, from_type, from_key, to_id, to_type, to_key, to_account, rel_key, properties, hash, step, generation, first_seen_at, local"

export const entityLine = (prefix: string, suffix: string, row: SpilledEntity): string => {
  const r = row.record
  return `${prefix}${bytes(r.id)}\t${text(r.type)}\t${text(r.key)}\t${text(r.class)}\t${text(r.displayName)}\t${text(row.json)}\t${bytes(r.hash)}\t${text(row.step)}\t${suffix}\n`
}

export const relationshipLine = (prefix: string, suffix: string, row: SpilledRelationship, local: boolean): string => {
  const r = row.record
  const toAccount = r.toAccount === undefined ? NULL : text(r.toAccount)
  const key = r.key === undefined ? NULL : text(r.key)
  return (
    `${prefix}${bytes(r.id)}\t${text(r.verb)}\t${bytes(r.fromId)}\t${text(r.fromType)}\t${text(r.fromKey)}\t` +
    `${bytes(r.toId)}\t${text(r.toType)}\t${text(r.toKey)}\t${toAccount}\t${key}\t${text(row.json)}\t` +
    `${bytes(r.hash)}\t${text(row.step)}\t${suffix}\t${local ? "t" : "f"}\n`
  )
}

const CHUNK_CHARS = 1 << 20

/** Copies `lines` into `table (columns)` on the connection `sql`; returns how many rows. */
export const copyLines = async (sql: SQL, table: string, columns: string, lines: Iterable<string>): Promise<number> => {
  const writer = sql.unsafe(`COPY ${table} (${columns}) FROM STDIN`).writable().getWriter()
  let chunk = ""
  let count = 0
  try {
    for (const line of lines) {
      chunk += line
      count++
      if (chunk.length >= CHUNK_CHARS) {
        await writer.write(chunk)
        chunk = ""
        // A turn of the event loop, as the scheduler gives fibers (src/scheduler/Responsive.ts): this loop is
        // plain promise code, which it does not reach, and the collector's timers and signal handlers run there.
        await new Promise((resolve) => setImmediate(resolve))
      }
    }
    if (chunk !== "") await writer.write(chunk)
  } finally {
    await writer.close()
  }
  return count
}
