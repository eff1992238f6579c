import type { Database } from "bun:sqlite"
import type { SyncStats, SyncStatus } from "../../model/Outcome.ts"
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
  StoreStats,
  TypeCount
} from "../../sync/Store.ts"
import { entityOf, merged, type Row, relationshipOf, take } from "../Merged.ts"
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

const entitySql = (filter: EntityFilter) => {
  const { sql, params } = where([
    ["e.type = ?", filter.type],
    ["s.connector = ?", filter.connector],
    ["s.account = ?", filter.account]
  ])
  return {
    sql: `SELECT lower(hex(e.id)) AS id, e.type, e.key, e.class, e.display_name, e.properties, e.step, e.generation,
          s.connector, s.account FROM entities e INDEXED BY entities_by_id
          CROSS JOIN scopes s ON s.scope_id = e.scope_id ${sql} ORDER BY e.id`,
    params
  }
}

const relationshipSql = (filter: RelationshipFilter) => {
  const { sql, params } = where(
    [
      ["r.verb = ?", filter.verb],
      ["s.connector = ?", filter.connector],
      ["s.account = ?", filter.account]
    ],
    [LIVE_EDGE]
  )
  return {
    sql: `SELECT lower(hex(r.id)) AS id, r.verb, lower(hex(r.from_id)) AS from_id, r.from_type, r.from_key,
          lower(hex(r.to_id)) AS to_id, r.to_type, r.to_key, r.to_account, r.rel_key, r.properties, r.step,
          r.generation, s.connector, s.account FROM relationships r INDEXED BY relationships_by_id
          CROSS JOIN scopes s ON s.scope_id = r.scope_id ${sql} ORDER BY r.id`,
    params
  }
}

/** Iterates a fresh statement, finalizing it when the iteration ends (also when stopped early). */
function* iterate(db: Database, sql: string, params: Array<string | number>): Generator<Row> {
  const statement = db.prepare(sql)
  try {
    yield* statement.iterate(...params) as IterableIterator<Row>
  } finally {
    statement.finalize()
  }
}

/** A row limit that keeps the first `limit` merged items whole: an id has at most one row per scope. */
const rowLimit = (db: Database, limit: number | undefined): string => {
  if (limit === undefined) return ""
  const { n } = db.query("SELECT count(*) AS n FROM scopes").get() as { n: number }
  return ` LIMIT ${Math.max(0, Math.floor(limit)) * Math.max(1, n)}`
}

export const entities = (db: Database, filter: EntityFilter = {}): ReadonlyArray<GraphEntity> => {
  const { sql, params } = entitySql(filter)
  return [...take(merged(iterate(db, sql + rowLimit(db, filter.limit), params), entityOf), filter.limit)]
}

export const relationships = (db: Database, filter: RelationshipFilter = {}): ReadonlyArray<GraphRelationship> => {
  const { sql, params } = relationshipSql(filter)
  return [...take(merged(iterate(db, sql + rowLimit(db, filter.limit), params), relationshipOf), filter.limit)]
}

/** The merged graph, lazily: every entity, then every relationship whose endpoints exist. */
export function* graph(db: Database): Generator<GraphItem> {
  const e = entitySql({})
  for (const entity of merged(iterate(db, e.sql, e.params), entityOf)) yield { _tag: "Entity", ...entity }
  const r = relationshipSql({})
  for (const relationship of merged(iterate(db, r.sql, r.params), relationshipOf)) {
    yield { _tag: "Relationship", ...relationship }
  }
}

/**
 * Counts by scope and type, of what the reads return: an edge whose endpoint is gone is not counted. One
 * grouped pass over each table (each edge's endpoints found by a probe of `entities_by_id`); a scope's
 * totals are the sums of its types.
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
  const types = (
    db
      .query(
        `SELECT s.connector, s.account, t.kind, t.type, t.count FROM (
           SELECT scope_id, 'entity' AS kind, type, count(*) AS count FROM entities GROUP BY scope_id, type
           UNION ALL
           SELECT scope_id, 'relationship', verb, count(*) FROM relationships r WHERE ${LIVE_EDGE} GROUP BY scope_id, verb
         ) t JOIN scopes s ON s.scope_id = t.scope_id ORDER BY s.connector, s.account, t.kind, t.type`
      )
      .all() as Array<Row>
  ).map(
    (row): TypeCount => ({
      connector: row.connector as string,
      account: row.account as string,
      kind: row.kind as TypeCount["kind"],
      type: row.type as string,
      count: row.count as number
    })
  )
  const total = (scope: Row, kind: TypeCount["kind"]) =>
    types
      .filter((type) => type.kind === kind && type.connector === scope.connector && type.account === scope.account)
      .reduce((sum, type) => sum + type.count, 0)
  return {
    scopes: scopes.map((row) => ({
      connector: row.connector as string,
      account: row.account as string,
      generation: row.generation as number,
      entities: total(row, "entity"),
      relationships: total(row, "relationship"),
      ...(row.last_at === null ? {} : { lastSyncAt: new Date(row.last_at as number) }),
      ...(row.last_status === null ? {} : { lastStatus: row.last_status as SyncStatus })
    })),
    types
  }
}

const runSteps = (db: Database, runId: number): ReadonlyArray<RunStep> =>
  (db.query("SELECT * FROM run_steps WHERE run_id = ? ORDER BY ordinal").all(runId) as Array<Row>).map((row) => ({
    id: row.step as string,
    status: row.status as RunStep["status"],
    entities: row.entities as number,
    relationships: row.relationships as number,
    duplicates: row.duplicates as number,
    attempts: row.attempts as number,
    durationMs: row.duration_ms as number,
    ...(row.error === null ? {} : { error: row.error as string }),
    ...(row.skipped_because === null ? {} : { skippedBecause: row.skipped_because as string })
  }))

const runOf = (db: Database, row: Row): RunRecord => ({
  connector: row.connector as string,
  account: row.account as string,
  syncId: row.sync_id as string,
  generation: row.generation as number,
  status: row.status as SyncStatus,
  stats: JSON.parse(row.stats as string) as SyncStats,
  steps: runSteps(db, row.run_id as number),
  startedAt: new Date(row.started_at as number),
  finishedAt: new Date(row.finished_at as number),
  ...(row.error === null ? {} : { error: row.error as string })
})

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
  return rows.map((row) => runOf(db, row))
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
  ).map((row) => runOf(db, row))
  return { scopes, rows, runs }
}
