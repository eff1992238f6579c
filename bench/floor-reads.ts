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
 * - `open`: opens the store (for PostgreSQL, connects and authenticates), runs `SELECT 1` and closes it;
 *   `none` does nothing (the same script, no store). Their difference is what opening a store costs any
 *   program before it reads: the bound below every `--limit` read.
 *
 * On a PostgreSQL store (`--db postgres://...`), with Bun's `SQL` client as the driver uses it: the same
 * grouped counts, and the export read in pages of 10,000 rows by key (`(scope_id, id) > last`), since the
 * client buffers a result set whole; `bytea` as hex, `properties` as stored.
 *
 *   bun bench/floor-reads.ts stats --db store.db
 *   bun bench/floor-reads.ts export --db store.db > /dev/null
 *   bun bench/floor-reads.ts export --db postgres://... > /dev/null
 */
import { Database } from "bun:sqlite"
import { writeSync } from "node:fs"
import { SQL } from "bun"

const args = process.argv.slice(2)
const option = (name: string) => {
  const index = args.indexOf(`--${name}`)
  return index >= 0 ? args[index + 1] : undefined
}
const mode = args[0]
const file = option("db")
if ((mode !== "stats" && mode !== "export" && mode !== "open" && mode !== "none") || file === undefined) {
  console.error("usage: bun bench/floor-reads.ts stats|export|open|none --db <store.db>")
  process.exit(2)
}

const CHUNK = 1024 * 1024

/** JSON lines written to stdout in chunks of about 1 MiB. */
const lines = () => {
  let pending: Array<string> = []
  let size = 0
  const flush = () => {
    const text = pending.join("")
    for (let buffer = Buffer.from(text), at = 0; at < buffer.length; ) at += writeSync(1, buffer, at)
    pending = []
    size = 0
  }
  const write = (row: Record<string, unknown>) => {
    for (const column in row) {
      const value = row[column]
      if (value instanceof Uint8Array) row[column] = Buffer.from(value).toString("hex")
    }
    const line = `${JSON.stringify(row)}\n`
    pending.push(line)
    size += line.length
    if (size >= CHUNK) flush()
  }
  return { write, flush }
}

const TABLES = [
  ["entities", "type"],
  ["relationships", "verb"]
] as const

if (mode === "none") {
  // Nothing: the script's own start-up, the baseline of `open`.
} else if (/^postgres(ql)?:\/\//i.test(file)) {
  const sql = new SQL({ url: file, max: 1 })
  if (mode === "open") {
    await sql.unsafe("SELECT 1")
  } else if (mode === "stats") {
    const counts: Record<string, unknown> = {}
    for (const [table, column] of TABLES) {
      counts[table] = await sql.unsafe(
        `SELECT scope_id, ${column} AS type, count(*)::float8 AS count FROM ${table} GROUP BY scope_id, ${column}`
      )
    }
    console.log(JSON.stringify(counts))
  } else {
    const out = lines()
    const counts: Record<string, number> = {}
    for (const [table] of TABLES) {
      let rows = 0
      let last: [number, Uint8Array] | undefined
      for (;;) {
        const page = (await (last === undefined
          ? sql.unsafe(`SELECT * FROM ${table} ORDER BY scope_id, id LIMIT 10000`)
          : sql.unsafe(`SELECT * FROM ${table} WHERE (scope_id, id) > ($1, $2) ORDER BY scope_id, id LIMIT 10000`, [
              last[0],
              last[1]
            ]))) as Array<Record<string, unknown>>
        if (page.length === 0) break
        const end = page[page.length - 1] as Record<string, unknown>
        last = [Number(end.scope_id), end.id as Uint8Array]
        for (const row of page) out.write(row)
        rows += page.length
      }
      counts[table] = rows
    }
    out.flush()
    console.error(JSON.stringify(counts))
  }
  await sql.close()
} else {
  const db = new Database(file, { readonly: true })
  if (mode === "open") {
    db.query("SELECT 1").get()
  } else if (mode === "stats") {
    const count = (table: string, column: string) =>
      db.query(`SELECT scope_id, ${column} AS type, count(*) AS count FROM ${table} GROUP BY scope_id, ${column}`).all()
    console.log(JSON.stringify({ entities: count("entities", "type"), relationships: count("relationships", "verb") }))
  } else {
    const out = lines()
    const counts: Record<string, number> = {}
    for (const [table] of TABLES) {
      let rows = 0
      for (const row of db.query(`SELECT * FROM ${table}`).iterate() as IterableIterator<Record<string, unknown>>) {
        out.write(row)
        rows++
      }
      counts[table] = rows
    }
    out.flush()
    console.error(JSON.stringify(counts))
  }
  db.close()
}
