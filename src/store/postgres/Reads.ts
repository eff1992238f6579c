import type { SQL } from "bun"
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
import { compare, entityOf, merged, mergeGroup, type Row, relationshipOf, take } from "../Merged.ts"
import { runOf, runStepOf, storeStats } from "../RunRows.ts"

/** The store's read queries on PostgreSQL, each in one snapshot (the caller's transaction). */

/** `WHERE` from the clauses whose parameter is given (`$n` numbered from `first`), plus `always` clauses. */
const where = (
  clauses: ReadonlyArray<[string, string | number | undefined]>,
  always: ReadonlyArray<string> = [],
  first = 1
) => {
  const present = clauses.filter(([, value]) => value !== undefined)
  const sql = [...present.map(([clause], index) => clause.replace("?", `$${first + index}`)), ...always]
  return {
    sql: sql.length === 0 ? "" : `WHERE ${sql.join(" AND ")}`,
    params: present.map(([, value]) => value) as Array<string | number>
  }
}

const EXISTS = (column: string) => `EXISTS (SELECT 1 FROM entities x WHERE x.id = r.${column})`

/** An edge whose endpoints both exist in some scope (see the SQLite driver's `LIVE_EDGE`). */
export const LIVE_EDGE = `(r.local OR (${EXISTS("from_id")} AND ${EXISTS("to_id")}))`

const ENTITY_COLUMNS = `encode(e.id, 'hex') AS id, e.type, e.key, e.class, e.display_name, e.properties, e.step,
  e.generation`

const RELATIONSHIP_COLUMNS = `encode(r.id, 'hex') AS id, r.verb, encode(r.from_id, 'hex') AS from_id, r.from_type,
  r.from_key, encode(r.to_id, 'hex') AS to_id, r.to_type, r.to_key, r.to_account, r.rel_key, r.properties, r.step,
  r.generation`

const ENTITY_SELECT = `SELECT ${ENTITY_COLUMNS}, s.connector, s.account FROM entities e JOIN scopes s ON s.scope_id = e.scope_id`

const RELATIONSHIP_SELECT = `SELECT ${RELATIONSHIP_COLUMNS}, s.connector, s.account FROM relationships r
  JOIN scopes s ON s.scope_id = r.scope_id`

/** A read's statement: its text and parameters. */
export interface Statement {
  readonly text: string
  readonly params: ReadonlyArray<string | number>
}

interface Shape {
  readonly table: "entities" | "relationships"
  readonly alias: "e" | "r"
  readonly columns: string
  /** Every column a read returns, its scope's connector and account with them, over the whole table. */
  readonly select: string
  /** The filter on the kind of row (`type` or `verb`) and its value, if any. */
  readonly kind: [string, string | undefined]
  /** Conditions every row read must meet. */
  readonly always: ReadonlyArray<string>
}

/**
 * A read's statement. Without a limit: every row, in `(id, scope_id)` order, by `*_by_id`. With one: each
 * scope's first `limit` rows by id, each read from the scope's range of the primary key `(scope_id, id)`,
 * or of `entities_by_type` / `relationships_by_verb` `(scope_id, type, id)` for one type: only the rows it
 * returns, however large the other scopes and however rare the type. An id has at most one row per scope,
 * so those rows, sorted by id, hold the first `limit` merged items whole.
 */
const statement = (
  shape: Shape,
  filter: { readonly connector?: string; readonly account?: string; readonly limit?: number }
): Statement => {
  const { table, alias, columns, kind, always } = shape
  const scoped: Array<[string, string | undefined]> = [
    ["s.connector = ?", filter.connector],
    ["s.account = ?", filter.account]
  ]
  if (filter.limit === undefined) {
    const { sql, params } = where([[`${alias}.${kind[0]}`, kind[1]], ...scoped], always)
    return { text: `${shape.select} ${sql} ORDER BY ${alias}.id, ${alias}.scope_id`, params }
  }
  const inner = where([[`${alias}.${kind[0]}`, kind[1]]], [`${alias}.scope_id = s.scope_id`, ...always])
  const outer = where(scoped, [], 1 + inner.params.length)
  return {
    text: `SELECT ${alias}.*, s.connector, s.account FROM scopes s CROSS JOIN LATERAL (
      SELECT ${alias}.id AS raw_id, ${columns} FROM ${table} ${alias} ${inner.sql}
      ORDER BY ${alias}.id LIMIT ${Math.max(0, Math.floor(filter.limit))}
    ) ${alias} ${outer.sql} ORDER BY ${alias}.raw_id, s.scope_id`,
    params: [...inner.params, ...outer.params]
  }
}

/** The statement of an entities read (see `statement`). */
export const entitiesStatement = (filter: EntityFilter): Statement =>
  statement(
    {
      table: "entities",
      alias: "e",
      columns: ENTITY_COLUMNS,
      select: ENTITY_SELECT,
      kind: ["type = ?", filter.type],
      always: []
    },
    filter
  )

export const entities = async (sql: SQL, filter: EntityFilter = {}): Promise<ReadonlyArray<GraphEntity>> => {
  const { text, params } = entitiesStatement(filter)
  const rows = (await sql.unsafe(text, [...params])) as Array<Row>
  return [...take(merged(rows, entityOf), filter.limit)]
}

/** The statement of a relationships read (see `statement`): live edges only. */
export const relationshipsStatement = (filter: RelationshipFilter): Statement =>
  statement(
    {
      table: "relationships",
      alias: "r",
      columns: RELATIONSHIP_COLUMNS,
      select: RELATIONSHIP_SELECT,
      kind: ["verb = ?", filter.verb],
      always: [LIVE_EDGE]
    },
    filter
  )

export const relationships = async (
  sql: SQL,
  filter: RelationshipFilter = {}
): Promise<ReadonlyArray<GraphRelationship>> => {
  const { text, params } = relationshipsStatement(filter)
  const rows = (await sql.unsafe(text, [...params])) as Array<Row>
  return [...take(merged(rows, relationshipOf), filter.limit)]
}

/** Rows per page of the export (keyset paging by (id, scope): results are buffered whole). */
const PAGE = 10_000

/**
 * One page of the merged graph after `cursor` (entities, then relationships); `undefined` at the end.
 * A page ends at an id boundary: the rows of its last id wait for the next page, so no item is split.
 */
export interface ExportCursor {
  readonly kind: 0 | 1
  readonly after: readonly [Uint8Array, number] | undefined
  readonly carried: ReadonlyArray<Row>
}

export const exportPage = async (
  sql: SQL,
  cursor: ExportCursor
): Promise<readonly [ReadonlyArray<GraphItem>, ExportCursor | undefined]> => {
  const table = cursor.kind === 0 ? "e" : "r"
  const select = cursor.kind === 0 ? ENTITY_SELECT : RELATIONSHIP_SELECT
  const conditions = [
    ...(cursor.kind === 1 ? [LIVE_EDGE] : []),
    ...(cursor.after === undefined ? [] : [`(${table}.id, ${table}.scope_id) > ($1, $2)`])
  ]
  const rows = (await sql.unsafe(
    `${select.replace("SELECT ", `SELECT ${table}.id AS raw_id, ${table}.scope_id::float8 AS raw_scope, `)}
     ${conditions.length === 0 ? "" : `WHERE ${conditions.join(" AND ")}`}
     ORDER BY ${table}.id, ${table}.scope_id LIMIT ${PAGE}`,
    cursor.after === undefined ? [] : [cursor.after[0], cursor.after[1]]
  )) as Array<Row>
  const all = [...cursor.carried, ...rows]
  const make = (group: Array<Row>): GraphItem =>
    cursor.kind === 0
      ? { _tag: "Entity", ...mergeGroup(group, entityOf) }
      : { _tag: "Relationship", ...mergeGroup(group, relationshipOf) }
  const last = rows.at(-1)
  const full = rows.length === PAGE && last !== undefined
  // Keep the last id's rows for the next page unless this is the kind's last page.
  let end = all.length
  if (full) while (end > 0 && (all[end - 1] as Row).id === last.id) end--
  const items: Array<GraphItem> = []
  let group: Array<Row> = []
  for (const row of all.slice(0, end)) {
    if (group.length > 0 && (group[0] as Row).id !== row.id) {
      items.push(make(group))
      group = []
    }
    group.push(row)
  }
  if (group.length > 0) items.push(make(group))
  const next: ExportCursor | undefined = full
    ? { kind: cursor.kind, after: [last.raw_id as Uint8Array, last.raw_scope as number], carried: all.slice(end) }
    : cursor.kind === 0
      ? { kind: 1, after: undefined, carried: [] }
      : undefined
  return [items, next]
}

/**
 * Counts by scope and type, of what the reads return: an edge whose endpoint is gone is not counted. Three
 * statements, put together here: each count is a plain aggregate over one table, planned as the bare count
 * is, and types left with no live edge are dropped here (by hand at n = 100,000, one statement with both
 * counts, `UNION ALL` joined to the scopes, took 210 ms where the two counts took 130 ms). The live edges are
 * all edges less the dead ones: a local edge is live (every commit keeps it so), so only the non-local edges
 * are checked, read from the partial index `relationships_nonlocal`. Checking each edge instead (a `FILTER`
 * with the live-edge test) made the planner read every relationship row through `relationships_by_verb`: 1.5 s
 * at n = 1M where the bare count takes a fraction of it.
 */
export const stats = async (sql: SQL): Promise<StoreStats> => {
  const scopes = (await sql.unsafe(
    `SELECT s.scope_id::float8 AS scope_id, s.connector, s.account, s.generation,
       (SELECT finished_at::float8 FROM runs WHERE scope_id = s.scope_id ORDER BY generation DESC LIMIT 1) AS last_at,
       (SELECT status FROM runs WHERE scope_id = s.scope_id ORDER BY generation DESC LIMIT 1) AS last_status
     FROM scopes s ORDER BY s.connector, s.account`
  )) as Array<Row>
  const entityCounts = (await sql.unsafe(
    `SELECT scope_id::float8 AS scope_id, type, count(*)::float8 AS count FROM entities GROUP BY scope_id, type`
  )) as Array<Row>
  const edgeCounts = (await sql.unsafe(
    `SELECT a.scope_id::float8 AS scope_id, a.verb AS type, (a.count - coalesce(d.count, 0))::float8 AS count
     FROM (SELECT scope_id, verb, count(*) AS count FROM relationships GROUP BY scope_id, verb) a
     LEFT JOIN (
       SELECT scope_id, verb, count(*) AS count FROM relationships r WHERE NOT r.local AND NOT ${LIVE_EDGE}
       GROUP BY scope_id, verb
     ) d USING (scope_id, verb)`
  )) as Array<Row>
  const scopeOf = new Map(scopes.map((scope) => [Number(scope.scope_id), scope]))
  const types = [
    ...entityCounts.map((row) => ({ row, kind: "entity" })),
    ...edgeCounts.map((row) => ({ row, kind: "relationship" }))
  ]
    .flatMap(({ row, kind }) => {
      const scope = scopeOf.get(Number(row.scope_id))
      if (scope === undefined || Number(row.count) === 0) return []
      return [{ connector: scope.connector, account: scope.account, kind, type: row.type, count: row.count }]
    })
    .sort(
      (a, b) =>
        compare(a.connector as string, b.connector as string) ||
        compare(a.account as string, b.account as string) ||
        compare(a.kind, b.kind) ||
        compare(a.type as string, b.type as string)
    )
  return storeStats(scopes, types)
}

const RUN_SELECT = `SELECT r.run_id::float8 AS run_id, r.generation, r.sync_id, r.status, r.stats,
  r.started_at::float8 AS started_at, r.finished_at::float8 AS finished_at, r.error, s.connector, s.account
  FROM runs r JOIN scopes s ON s.scope_id = r.scope_id`

/** The runs of these rows, with their steps (one query for all of them). */
const runsOf = async (sql: SQL, rows: Array<Row>): Promise<Array<RunRecord>> => {
  const ids = rows.map((row) => row.run_id as number)
  const steps = (await sql.unsafe(
    `SELECT run_id::float8 AS run_id, step, status, entities, relationships, duplicates, attempts,
       duration_ms::float8 AS duration_ms, error, skipped_because
     FROM run_steps WHERE run_id = ANY($1::bigint[]) ORDER BY run_id, ordinal`,
    [ids]
  )) as Array<Row>
  const byRun = new Map<number, Array<RunStep>>()
  for (const row of steps) {
    const list = byRun.get(row.run_id as number) ?? []
    list.push(runStepOf(row))
    byRun.set(row.run_id as number, list)
  }
  return rows.map((row) => runOf(row, byRun.get(row.run_id as number) ?? []))
}

export const history = async (sql: SQL, filter: HistoryFilter = {}): Promise<ReadonlyArray<RunRecord>> => {
  const { sql: clause, params } = where([
    ["s.connector = ?", filter.connector],
    ["s.account = ?", filter.account]
  ])
  const limit = filter.limit === undefined ? "" : `LIMIT ${Math.max(0, Math.floor(filter.limit))}`
  const rows = (await sql.unsafe(`${RUN_SELECT} ${clause} ORDER BY r.run_id DESC ${limit}`, params)) as Array<Row>
  return runsOf(sql, rows)
}

const hex = (value: unknown): string => Buffer.from(value as Uint8Array).toString("hex")

const dumpRow = (kind: DumpRow["kind"], row: Row): DumpRow => {
  // `local` is bookkeeping for the reads, not content: the logical dump leaves it out (as on SQLite).
  const { scope_id, id, hash, step, generation, first_seen_at, connector, account, local, ...rest } = row
  const content: Record<string, unknown> = {}
  for (const [column, value] of Object.entries(rest)) content[column] = value instanceof Uint8Array ? hex(value) : value
  return {
    kind,
    connector: connector as string,
    account: account as string,
    id: hex(id),
    step: step as string,
    hash: hex(hash),
    generation: generation as number,
    firstSeenAt: Number(first_seen_at),
    content
  }
}

export const dump = async (sql: SQL): Promise<StoreDump> => {
  const scopes = (await sql.unsafe(
    `SELECT connector, account, generation FROM scopes ORDER BY connector, account`
  )) as Array<{ connector: string; account: string; generation: number }>
  const rows: Array<DumpRow> = []
  for (const [kind, table] of [
    ["entity", "entities"],
    ["relationship", "relationships"]
  ] as const) {
    const found = (await sql.unsafe(
      `SELECT t.*, s.connector, s.account FROM ${table} t JOIN scopes s ON s.scope_id = t.scope_id
       ORDER BY s.connector, s.account, t.id`
    )) as Array<Row>
    for (const row of found) rows.push(dumpRow(kind, row))
  }
  const runs = await runsOf(
    sql,
    (await sql.unsafe(`${RUN_SELECT} ORDER BY s.connector, s.account, r.generation`)) as Array<Row>
  )
  return { scopes: [...scopes], rows, runs }
}
