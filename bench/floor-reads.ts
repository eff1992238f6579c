/**
 * The floors of the read commands: the least work a bare `bun:sqlite` script does on the same store file
 * (opened read-only, SQLite's default page cache) to produce what `parallax stats` and `parallax export`
 * produce, with no SDK, no merging of scopes and no check that an edge's endpoints exist.
 *
 * - `stats`: `SELECT scope_id, type, count(*) FROM entities GROUP BY scope_id, type` and the same for
 *   `relationships` by `verb`; prints the counts as one JSON object on stdout.
 * - `export`: scans both tables in their key order (`SELECT * FROM entities`, then `relationships`) and
 *   writes every row as one JSON line (every column; BLOBs as lowercase hex, `properties` left as the
 *   stored JSON text) to stdout in 1 MiB chunks; the bench sends stdout to /dev/null. Prints the row counts
 *   as one JSON object on stderr.
 *
 *   bun bench/floor-reads.ts stats --db store.db
 *   bun bench/floor-reads.ts export --db store.db > /dev/null
 */
import { Database } from "bun:sqlite"
import { writeSync } from "node:fs"

const args = process.argv.slice(2)
const option = (name: string) => {
  const index = args.indexOf(`--${name}`)
  return index >= 0 ? args[index + 1] : undefined
}
const mode = args[0]
const file = option("db")
if ((mode !== "stats" && mode !== "export") || file === undefined) {
  console.error("usage: bun bench/floor-reads.ts stats|export --db <store.db>")
  process.exit(2)
}

const db = new Database(file, { readonly: true })

/** Counts by scope and type (entities) or verb (relationships). */
const stats = () => {
  const count = (table: string, column: string) =>
    db.query(`SELECT scope_id, ${column} AS type, count(*) AS count FROM ${table} GROUP BY scope_id, ${column}`).all()
  return { entities: count("entities", "type"), relationships: count("relationships", "verb") }
}

const CHUNK = 1024 * 1024

/** Every row of both tables as one JSON line on stdout; returns how many rows of each table it wrote. */
const exportRows = () => {
  let pending: Array<string> = []
  let size = 0
  const flush = () => {
    const text = pending.join("")
    for (let buffer = Buffer.from(text), at = 0; at < buffer.length; ) at += writeSync(1, buffer, at)
    pending = []
    size = 0
  }
  const counts: Record<string, number> = {}
  for (const table of ["entities", "relationships"]) {
    let rows = 0
    for (const row of db.query(`SELECT * FROM ${table}`).iterate() as IterableIterator<Record<string, unknown>>) {
      for (const column in row) {
        const value = row[column]
        if (value instanceof Uint8Array) row[column] = Buffer.from(value).toString("hex")
      }
      const line = `${JSON.stringify(row)}\n`
      pending.push(line)
      size += line.length
      if (size >= CHUNK) flush()
      rows++
    }
    counts[table] = rows
  }
  flush()
  return counts
}

if (mode === "stats") console.log(JSON.stringify(stats()))
else console.error(JSON.stringify(exportRows()))
db.close()
