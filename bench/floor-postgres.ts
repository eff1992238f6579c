/**
 * The PostgreSQL floor: the rows of generation 0 of account `a`, generated and hashed by the SDK's own
 * functions (bench/lib/rows.ts, as the SQLite floor), bulk-loaded by `COPY ... FROM STDIN` into the store's
 * own tables (a database `parallax migrate` prepared) in one transaction, with no SDK, no staging and no
 * diff: the least a sync of this workload can cost on this server. Prints one JSON object: counts and the
 * time spent generating, sending (COPY) and committing.
 *
 *   bun bench/floor-postgres.ts --n 100000 --url postgres://user:password@host/db
 */
import { SQL } from "bun"
import { columnsOf, copyLine, type RowValues, storeSchema } from "./lib/pg-copy.ts"
import { entityRows, relationshipRows } from "./lib/rows.ts"

const args = process.argv.slice(2)
const option = (name: string) => {
  const index = args.indexOf(`--${name}`)
  return index >= 0 ? args[index + 1] : undefined
}
const n = Number(option("n") ?? 10000)
const url = option("url")
if (url === undefined) throw new Error("--url postgres://... is required")
const account = "a"
/** Rows per chunk written to the COPY stream. */
const CHUNK = 2000

const sql = new SQL(url, { max: 1 })
const schema = await storeSchema(sql)
const now = new Date()

let generateMs = 0
let copyMs = 0
const start = performance.now()

/**
 * Sends `rows` by COPY into `table` (the columns that `values` names), timing the generating apart from
 * the sending; returns how many.
 */
const copy = async <A>(tx: SQL, table: string, rows: Iterator<A>, values: (row: A) => RowValues): Promise<number> => {
  const first = rows.next()
  if (first.done) return 0
  const columns = await columnsOf(tx, schema, table, Object.keys(values(first.value)))
  const names = columns.map((column) => `"${column.name}"`).join(", ")
  const writer = tx.unsafe(`COPY "${schema}"."${table}" (${names}) FROM STDIN`).writable().getWriter()
  let count = 0
  let chunk = ""
  let mark = performance.now()
  for (let next: IteratorResult<A> = first; !next.done; next = rows.next()) {
    chunk += copyLine(columns, values(next.value))
    count++
    if (count % CHUNK === 0) {
      const generated = performance.now()
      generateMs += generated - mark
      await writer.write(chunk)
      chunk = ""
      mark = performance.now()
      copyMs += mark - generated
    }
  }
  const generated = performance.now()
  generateMs += generated - mark
  if (chunk !== "") await writer.write(chunk)
  await writer.close()
  copyMs += performance.now() - generated
  return count
}

let entities = 0
let relationships = 0
let commitMs = 0
await sql.begin(async (tx) => {
  const [scope] = (await tx.unsafe(
    `INSERT INTO "${schema}".scopes (connector, account, generation) VALUES ('bench', $1, 1) RETURNING scope_id`,
    [account]
  )) as ReadonlyArray<{ readonly scope_id: number }>
  const scopeId = scope?.scope_id ?? 1
  const common = { scope_id: scopeId, generation: 1, first_seen_at: now, last_seen_at: now, updated_at: now }
  entities = await copy(tx, "entities", entityRows(account, n, 0), (row) => ({
    ...common,
    id: row.id,
    type: row.type,
    key: row.key,
    class: row.class,
    display_name: row.displayName,
    properties: JSON.stringify(row.properties),
    hash: row.hash,
    step: row.step
  }))
  relationships = await copy(tx, "relationships", relationshipRows(account, n, 0), (row) => ({
    ...common,
    id: row.id,
    verb: row.verb,
    from_id: row.fromId,
    from_type: row.fromType,
    from_key: row.fromKey,
    to_id: row.toId,
    to_type: row.toType,
    to_key: row.toKey,
    to_account: null,
    rel_key: null,
    local: true,
    properties: JSON.stringify(row.properties),
    hash: row.hash,
    step: row.step
  }))
  commitMs = performance.now()
})
commitMs = performance.now() - commitMs
await sql.close()
console.log(
  JSON.stringify({ n, entities, relationships, generateMs, copyMs, commitMs, totalMs: performance.now() - start })
)
