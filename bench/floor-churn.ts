/**
 * The floor of `churn`'s store work: generation 1 of account `a` written over generation 0 (the store `same`
 * left) by a bare `bun:sqlite` script that knows the changes beforehand, with no SDK, no staging and no
 * diff. The script finds the changes by generating both generations' ids and content hashes (not timed),
 * sorts them by id (the b-trees' key order), then, timed, in one transaction with the store's own schema
 * and indexes: reads the scope's committed ids and hashes in key order (the least any diff reads), applies
 * every change with a prepared statement (deletes, updates, inserts), and commits. That is less than a sync
 * can do, which must find the changes by reading the store; what it costs bounds `churn` from below.
 *
 * Works on `--db` in place (give it a copy). Prints one JSON object: counts and the time spent reading,
 * writing and committing.
 *
 *   bun bench/floor-churn.ts --n 100000 --db bench/out/churn-floor.db
 */
import { Database } from "bun:sqlite"
import {
  blob,
  type EntityRow,
  entityRows,
  entityValues,
  type RelationshipRow,
  relationshipRows,
  relationshipValues
} from "./lib/rows.ts"

const args = process.argv.slice(2)
const option = (name: string) => {
  const index = args.indexOf(`--${name}`)
  return index >= 0 ? args[index + 1] : undefined
}
const n = Number(option("n") ?? 10000)
const file = option("db")
if (file === undefined) throw new Error("--db: a copy of a store holding generation 0 of account a")
const account = "a"
const generation = 1

const byId = (a: { readonly id: string }, b: { readonly id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/** The rows of `next` that are new or changed against `before`, and the ids of `before` that `next` lacks. */
const changes = <A extends { readonly id: string; readonly hash: string }>(before: Iterable<A>, next: Iterable<A>) => {
  const committed = new Map<string, string>()
  for (const row of before) committed.set(row.id, row.hash)
  const inserts: Array<A> = []
  const updates: Array<A> = []
  for (const row of next) {
    const hash = committed.get(row.id)
    if (hash === undefined) inserts.push(row)
    else if (hash !== row.hash) updates.push(row)
    committed.delete(row.id)
  }
  return { inserts: inserts.sort(byId), updates: updates.sort(byId), deletes: [...committed.keys()].sort() }
}

const entities = changes<EntityRow>(entityRows(account, n, 0), entityRows(account, n, generation))
const relationships = changes<RelationshipRow>(
  relationshipRows(account, n, 0),
  relationshipRows(account, n, generation)
)

const db = new Database(file)
// The pragmas of bench/floor.ts (its page cache four times the store's: the floor may use more than a sync).
db.exec("PRAGMA journal_mode = WAL")
db.exec("PRAGMA synchronous = NORMAL")
db.exec(`PRAGMA cache_size = ${-1024 * 64}`)
const scope = db
  .query("SELECT scope_id, generation FROM scopes WHERE connector = 'bench' AND account = ?")
  .get(account) as { scope_id: number; generation: number } | null
if (scope === null) throw new Error(`${file}: no scope bench/${account}`)
const scopeId = scope.scope_id
// The sync generation the changed rows are written in (a sync numbers its scope's syncs so).
const next = scope.generation + 1
const now = Date.now()

const start = performance.now()
db.exec("BEGIN IMMEDIATE")
let read = 0
for (const table of ["entities", "relationships"]) {
  for (const _ of db.query(`SELECT id, hash FROM ${table} WHERE scope_id = ? ORDER BY id`).iterate(scopeId)) read++
}
const readDone = performance.now()

const deleteEntity = db.prepare("DELETE FROM entities WHERE scope_id = ? AND id = ?")
for (const id of entities.deletes) deleteEntity.run(scopeId, blob(id))
const deleteRelationship = db.prepare("DELETE FROM relationships WHERE scope_id = ? AND id = ?")
for (const id of relationships.deletes) deleteRelationship.run(scopeId, blob(id))
const updateEntity = db.prepare(
  `UPDATE entities SET class = ?, display_name = ?, properties = ?, hash = ?, step = ?, generation = ?
   WHERE scope_id = ? AND id = ?`
)
for (const row of entities.updates) {
  const json = JSON.stringify(row.properties)
  updateEntity.run(row.class, row.displayName, json, blob(row.hash), row.step, next, scopeId, blob(row.id))
}
const updateRelationship = db.prepare(
  "UPDATE relationships SET properties = ?, hash = ?, step = ?, generation = ? WHERE scope_id = ? AND id = ?"
)
for (const row of relationships.updates) {
  const json = JSON.stringify(row.properties)
  updateRelationship.run(json, blob(row.hash), row.step, next, scopeId, blob(row.id))
}
const insertEntity = db.prepare(
  `INSERT INTO entities (scope_id, id, type, key, class, display_name, properties, hash, step, generation, first_seen_at)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
)
for (const row of entities.inserts) insertEntity.run(scopeId, ...entityValues(row), next, now)
// Every endpoint of the bench's relationships is in the scope: `local` = 1.
const insertRelationship = db.prepare(
  `INSERT INTO relationships (scope_id, id, verb, from_id, from_type, from_key, to_id, to_type, to_key, properties,
     hash, step, generation, first_seen_at, to_account, rel_key, local)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 1)`
)
for (const row of relationships.inserts) insertRelationship.run(scopeId, ...relationshipValues(row), next, now)
db.query("UPDATE scopes SET generation = ? WHERE scope_id = ?").run(next, scopeId)
const writeDone = performance.now()
db.exec("COMMIT")
const commitDone = performance.now()
db.close()

console.log(
  JSON.stringify({
    n,
    changes:
      entities.inserts.length +
      entities.updates.length +
      entities.deletes.length +
      relationships.inserts.length +
      relationships.updates.length +
      relationships.deletes.length,
    entitiesCreated: entities.inserts.length,
    entitiesUpdated: entities.updates.length,
    entitiesDeleted: entities.deletes.length,
    relationshipsCreated: relationships.inserts.length,
    relationshipsUpdated: relationships.updates.length,
    relationshipsDeleted: relationships.deletes.length,
    read,
    readMs: readDone - start,
    writeMs: writeDone - readDone,
    commitMs: commitDone - writeDone,
    totalMs: commitDone - start
  })
)
