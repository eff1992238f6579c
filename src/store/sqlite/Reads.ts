import type { Database } from "bun:sqlite"
import type {
  DumpRow,
  EntityFilter,
  GraphEntity,
  GraphItem,
  GraphRelationship,
  HistoryFilter,
  RelationshipFilter,
  RunRecord,
  RunStep,
  StoreDump,
  StoreStats
} from "../../sync/Store.ts"
import { entityOf, mergeById, merged, type Row, relationshipOf, take } from "../Merged.ts"
import { runOf, runStepOf, storeStats } from "../RunRows.ts"
import { toHex } from "./Codec.ts"

/** The store's read queries, synchronous on the reader connection; the adapter wraps them in effects. */

/** `WHERE` from the clauses whose parameter is given, plus `always` clauses without parameters. */
const where = (clauses: ReadonlyArray<[string, string | number | undefined]>, always: ReadonlyArray<string> = []) => {
  const present = clauses.filter(([, value]) => value !== undefined)
  const sql = [...present.map(([clause]) => clause), ...always]
  return {
    sql: sql.length === 0 ? "" : `WHERE ${sql.join(" AND ")}`,
    params: present.map(([, value]) => value) as Array<string | number>
  }
}

/** Whether an entity with the edge's `column` id exists in some scope: one probe of `entities_by_id`. */
const EXISTS = (column: string) => `EXISTS (SELECT 1 FROM entities x WHERE x.id = r.${column})`

/**
 * An edge whose endpoints both exist in some scope: the only edges reads return and stats count. A local
 * edge's endpoints are rows of its own scope (each commit keeps that true), so only the others are looked up.
 */
export const LIVE_EDGE = `(r.local = 1 OR (${EXISTS("from_id")} AND ${EXISTS("to_id")}))`

/** The scopes a read covers (all, or those its filter names), in `scope_id` order. */
const scopesOf = (db: Database, filter: { readonly connector?: string; readonly account?: string }) => {
  const { sql, params } = where([
    ["connector = ?", filter.connector],
    ["account = ?", filter.account]
  ])
  return db.query(`SELECT scope_id, connector, account FROM scopes ${sql} ORDER BY scope_id`).all(...params) as Array<{
    scope_id: number
    connector: string
    account: string
  }>
}

// Ids are read as BLOBs and made hex by `toHex`.
const ENTITY_COLUMNS = "e.id, e.type, e.key, e.class, e.display_name, e.properties, e.step, e.generation"
const RELATIONSHIP_COLUMNS = `r.id, r.verb, r.from_id, r.from_type, r.from_key, r.to_id, r.to_type, r.to_key, r.to_account,
  r.rel_key, r.properties, r.step, r.generation`

/** Iterates a fresh statement, finalizing it when the iteration ends (also when stopped early). */
function* iterate(db: Database, sql: string, params: Array<string | number>): Generator<Row> {
  const statement = db.prepare(sql)
  try {
    yield* statement.iterate(...params) as IterableIterator<Row>
  } finally {
    statement.finalize()
  }
}

/**
 * The rows of `table` (as `alias`) of the scopes `filter` covers, ordered by id, each with its scope's
 * `connector` and `account`: one scan of each scope's primary-key range (`scope_id, id`: pages in order,
 * no lookup per row), merged by id. A read of one type (or verb) instead reads the scope's range of
 * `byKind`, `(scope_id, type, id)`, also in id order: only the rows it returns, however rare the type. With
 * `limit`, each scope gives at most that many rows: an id has one row per scope at most, so the first
 * `limit` merged items are whole.
 */
const rowsById = (
  db: Database,
  table: "entities" | "relationships",
  columns: string,
  filter: { readonly connector?: string; readonly account?: string; readonly limit?: number },
  kind: readonly [clause: string, value: string | undefined, byKind: string],
  always: ReadonlyArray<string> = []
): Iterable<Row> => {
  const alias = table === "entities" ? "e" : "r"
  const [clause, value, byKind] = kind
  const { sql, params } = where([[clause, value]], always)
  const filtered = sql === "" ? "" : ` AND ${sql.slice("WHERE ".length)}`
  const limit = filter.limit === undefined ? "" : ` LIMIT ${Math.max(0, Math.floor(filter.limit))}`
  const index = value === undefined ? "NOT INDEXED" : `INDEXED BY ${byKind}`
  const query = `SELECT ${columns} FROM ${table} ${alias} ${index} WHERE ${alias}.scope_id = ?${filtered}
    ORDER BY ${alias}.id${limit}`
  const hexColumns = table === "entities" ? ["id"] : ["id", "from_id", "to_id"]
  const sources = scopesOf(db, filter).map(({ scope_id, connector, account }) => {
    const rows = iterate(db, query, [scope_id, ...params])
    return (function* () {
      for (const row of rows) {
        for (const column of hexColumns) row[column] = toHex(row[column] as Uint8Array)
        row.connector = connector
        row.account = account
        yield row
      }
    })()
  })
  return mergeById(sources)
}

const entityRows = (db: Database, filter: EntityFilter) =>
  rowsById(db, "entities", ENTITY_COLUMNS, filter, ["e.type = ?", filter.type, "entities_by_type"])

const relationshipRows = (db: Database, filter: RelationshipFilter) =>
  rowsById(
    db,
    "relationships",
    RELATIONSHIP_COLUMNS,
    filter,
    ["r.verb = ?", filter.verb, "relationships_by_verb"],
    [LIVE_EDGE]
  )

export const entities = (db: Database, filter: EntityFilter = {}): ReadonlyArray<GraphEntity> => [
  ...take(merged(entityRows(db, filter), entityOf), filter.limit)
]

export const relationships = (db: Database, filter: RelationshipFilter = {}): ReadonlyArray<GraphRelationship> => [
  ...take(merged(relationshipRows(db, filter), relationshipOf), filter.limit)
]

/** The merged graph, lazily: every entity, then every relationship whose endpoints exist. */
export function* graph(db: Database): Generator<GraphItem> {
  for (const entity of merged(entityRows(db, {}), entityOf)) yield { _tag: "Entity", ...entity }
  for (const relationship of merged(relationshipRows(db, {}), relationshipOf)) {
    yield { _tag: "Relationship", ...relationship }
  }
}

/**
 * Counts by scope and type, of what the reads return: an edge whose endpoint is gone is not counted. Entities
 * are counted from `entities_by_type`; the live edges as all edges (counted from `relationships_by_verb`) less
 * the dead ones. A local edge is live (every commit keeps it so), so only the non-local edges are checked, from
 * `relationships_by_verb`'s partial sibling `relationships_nonlocal` (each endpoint found by a probe of
 * `entities_by_id`): no table row is read. A scope's totals are the sums of its types.
 */
export const stats = (db: Database): StoreStats => {
  const scopes = db
    .query(
      `SELECT s.connector, s.account, s.generation,
         (SELECT finished_at FROM runs WHERE scope_id = s.scope_id ORDER BY generation DESC LIMIT 1) AS last_at,
         (SELECT status FROM runs WHERE scope_id = s.scope_id ORDER BY generation DESC LIMIT 1) AS last_status
       FROM scopes s ORDER BY s.connector, s.account`
    )
    .all() as Array<Row>
  const types = db
    .query(
      `SELECT s.connector, s.account, t.kind, t.type, t.count FROM (
           SELECT scope_id, 'entity' AS kind, type, count(*) AS count FROM entities GROUP BY scope_id, type
           UNION ALL
           SELECT a.scope_id, 'relationship', a.verb, a.count - coalesce(d.count, 0) FROM (
               SELECT scope_id, verb, count(*) AS count FROM relationships GROUP BY scope_id, verb
             ) a LEFT JOIN (
               SELECT scope_id, verb, count(*) AS count FROM relationships r INDEXED BY relationships_nonlocal
               WHERE r.local = 0 AND NOT ${LIVE_EDGE} GROUP BY scope_id, verb
             ) d ON d.scope_id = a.scope_id AND d.verb = a.verb
           WHERE a.count > coalesce(d.count, 0)
         ) t JOIN scopes s ON s.scope_id = t.scope_id ORDER BY s.connector, s.account, t.kind, t.type`
    )
    .all() as Array<Row>
  return storeStats(scopes, types)
}

const runSteps = (db: Database, runId: number): ReadonlyArray<RunStep> =>
  (db.query("SELECT * FROM run_steps WHERE run_id = ? ORDER BY ordinal").all(runId) as Array<Row>).map(runStepOf)

export const history = (db: Database, filter: HistoryFilter = {}): ReadonlyArray<RunRecord> => {
  const { sql, params } = where([
    ["s.connector = ?", filter.connector],
    ["s.account = ?", filter.account]
  ])
  const limit = filter.limit === undefined ? "" : `LIMIT ${Math.max(0, Math.floor(filter.limit))}`
  const rows = db
    .query(
      `SELECT r.*, s.connector, s.account FROM runs r JOIN scopes s ON s.scope_id = r.scope_id ${sql}
       ORDER BY r.run_id DESC ${limit}`
    )
    .all(...params) as Array<Row>
  return rows.map((row) => runOf(row, runSteps(db, row.run_id as number)))
}

const dumpRow = (kind: DumpRow["kind"], row: Row): DumpRow => {
  // `local` is bookkeeping for the reads (see `LIVE_EDGE`), not content: the logical dump leaves it out.
  const { scope_id, id, hash, step, generation, first_seen_at, connector, account, local, ...rest } = row
  const content: Record<string, unknown> = {}
  for (const [column, value] of Object.entries(rest))
    content[column] = value instanceof Uint8Array ? toHex(value) : value
  return {
    kind,
    connector: connector as string,
    account: account as string,
    id: toHex(id as Uint8Array),
    step: step as string,
    hash: toHex(hash as Uint8Array),
    generation: generation as number,
    firstSeenAt: first_seen_at as number,
    content
  }
}

export const dump = (db: Database): StoreDump => {
  const scopes = db
    .query("SELECT connector, account, generation FROM scopes ORDER BY connector, account")
    .all() as Array<{
    connector: string
    account: string
    generation: number
  }>
  const rows: Array<DumpRow> = []
  for (const [kind, table] of [
    ["entity", "entities"],
    ["relationship", "relationships"]
  ] as const) {
    const sql = `SELECT t.*, s.connector, s.account FROM ${table} t JOIN scopes s ON s.scope_id = t.scope_id
                 ORDER BY s.connector, s.account, t.id`
    for (const row of iterate(db, sql, [])) rows.push(dumpRow(kind, row))
  }
  const runs = (
    db
      .query(
        "SELECT r.*, s.connector, s.account FROM runs r JOIN scopes s ON s.scope_id = r.scope_id ORDER BY s.connector, s.account, r.generation"
      )
      .all() as Array<Row>
  ).map((row) => runOf(row, runSteps(db, row.run_id as number)))
  return { scopes, rows, runs }
}
