/**
 * The floor of WORKLOAD.md: the rows of generation 0 of account `a` written by a bare `bun:sqlite` script
 * into the store's own schema (prepared statements, one transaction, the store's pragmas), with no SDK,
 * no staging and no diff. By default rows are inserted in emission order, as a plain script would;
 * `--order id` first holds every row in memory and sorts it by id (the b-trees' key order), the fastest
 * a bare script can write them, whatever memory it takes. Prints one JSON object: counts and the time
 * spent generating (and sorting), inserting and committing.
 *
 *   bun bench/floor.ts --n 100000 --db bench/out/floor.db [--order id]
 */
import { Database } from "bun:sqlite"
import { rmSync } from "node:fs"
import { host, runs, user } from "../connectors/bench/Workload.ts"
import { MIGRATIONS } from "../src/store/sqlite/Migrations.ts"
import { entityRows, entityValues, relationshipRows, relationshipValues } from "./lib/rows.ts"

const args = process.argv.slice(2)
const option = (name: string) => {
  const index = args.indexOf(`--${name}`)
  return index >= 0 ? args[index + 1] : undefined
}
const n = Number(option("n") ?? 10000)
const sorted = option("order") === "id"
const file = option("db") ?? "bench/out/floor.db"
const account = "a"

// The floor's row generator must produce exactly the SDK's ids and hashes, or it measures other rows.
for (const [index, row] of [...entityRows(account, 4, 0)].entries()) {
  const builder = index < 4 ? host(4, 0, index) : user(4, 0, index - 4)
  if (index >= 8) break
  const record = builder.toRecord(account)
  if (record instanceof Error || record.id !== row.id || record.hash !== row.hash) {
    throw new Error(`bench/lib/rows.ts disagrees with the SDK on ${builder.subject}`)
  }
}
const [firstRelationship] = relationshipRows(account, 4, 0)
const sdkRelationship = runs(0).toRecord(account)
if (sdkRelationship instanceof Error || sdkRelationship.id !== firstRelationship?.id) {
  throw new Error("bench/lib/rows.ts disagrees with the SDK on relationship ids")
}

for (const suffix of ["", "-wal", "-shm"]) rmSync(`${file}${suffix}`, { force: true })
const db = new Database(file, { create: true })
db.exec("PRAGMA journal_mode = WAL")
db.exec("PRAGMA synchronous = NORMAL")
db.exec(`PRAGMA cache_size = ${-1024 * 64}`)
db.exec(MIGRATIONS.join(";"))
db.exec("INSERT INTO scopes (scope_id, connector, account, generation) VALUES (1, 'bench', 'a', 1)")

const insertEntity = db.prepare(
  `INSERT INTO entities (scope_id, id, type, key, class, display_name, properties, hash, step, generation, first_seen_at)
   VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)`
)
const insertRelationship = db.prepare(
  `INSERT INTO relationships (scope_id, id, verb, from_id, from_type, from_key, to_id, to_type, to_key, to_account,
     rel_key, properties, hash, step, generation, first_seen_at)
   VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, 1, ?)`
)

const now = Date.now()
let generateMs = 0
let insertMs = 0
const start = performance.now()
let mark = performance.now()

/**
 * Inserts `rows` (as generated, or with `--order id` all generated first and sorted by id), timing the
 * generating apart from the inserting; returns how many there were.
 */
const write = <A extends { readonly id: string }>(rows: IterableIterator<A>, insert: (row: A) => void): number => {
  let list: Iterable<A> = rows
  if (sorted) {
    const all = [...rows]
    all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    list = all
  }
  let count = 0
  for (const row of list) {
    const generated = performance.now()
    generateMs += generated - mark
    insert(row)
    count++
    mark = performance.now()
    insertMs += mark - generated
  }
  return count
}

db.exec("BEGIN")
const entities = write(entityRows(account, n, 0), (row) => insertEntity.run(...entityValues(row), now))
const relationships = write(relationshipRows(account, n, 0), (row) =>
  insertRelationship.run(...relationshipValues(row), now)
)
const committing = performance.now()
db.exec("COMMIT")
const commitMs = performance.now() - committing
db.close()
console.log(
  JSON.stringify({
    n,
    order: sorted ? "id" : "emission",
    entities,
    relationships,
    generateMs,
    insertMs,
    commitMs,
    totalMs: performance.now() - start
  })
)
