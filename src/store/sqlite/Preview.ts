import type { Database } from "bun:sqlite"
import type { EntityRef, KindPreview, PreviewList, RelationshipRef, SyncPreview } from "../../sync/SyncResult.ts"
import { PREVIEW_ITEMS } from "../../sync/SyncResult.ts"
import { type Counts, eachColumn, KINDS, type KindSpec, mergeTables } from "./Changes.ts"

/** How the commit computed its change set (see `Commit.ts`). */
export type Plan = "insert" | "unchanged" | "merge" | "reference"

type Row = Record<string, string | null>

/** The columns a preview shows of each kind, read from a staged (`s`) or committed (`c`) row. */
const COLUMNS: readonly [string, string] = [
  "type, key",
  "verb, from_type, from_key, to_type, to_key, to_account, rel_key"
]

const entityRef = (row: Row): EntityRef => ({ type: String(row.type), key: String(row.key) })

const relationshipRef = (row: Row): RelationshipRef => ({
  verb: String(row.verb),
  from: { type: String(row.from_type), key: String(row.from_key) },
  to: { type: String(row.to_type), key: String(row.to_key) },
  ...(row.to_account === null ? {} : { toAccount: String(row.to_account) }),
  ...(row.rel_key === null ? {} : { key: String(row.rel_key) })
})

const columns = (spec: KindSpec, alias: string) => eachColumn(COLUMNS[spec.kind], (column) => `${alias}.${column}`)

/**
 * The queries that list the first rows of each change, by plan: `merge` reads its TEMP lists of rows to
 * delete, update and create; `insert` creates every staged row; `reference` asks the plain SQL diff
 * (through the `*_ids` tables it sorted), the reference the plans' previews are tested against.
 * Created rows come in staging (emission) order, updated and deleted ones in id order.
 */
const queries = (plan: Plan, spec: KindSpec): Partial<Record<keyof Counts, string>> => {
  const { table, stage } = spec
  const staged = columns(spec, "s")
  const committed = columns(spec, "c")
  const limit = `LIMIT ${PREVIEW_ITEMS}`
  if (plan === "insert") return { created: `SELECT ${staged} FROM ${stage} s ORDER BY s.row ${limit}` }
  if (plan === "merge") {
    const { del, upd, add } = mergeTables(spec)
    return {
      created: `SELECT ${staged} FROM ${add} n JOIN ${stage} s ON s.row = n.row ORDER BY n.row ${limit}`,
      updated: `SELECT ${staged} FROM ${upd} u JOIN ${stage} s ON s.row = u.row ORDER BY u.id ${limit}`,
      deleted: `SELECT ${committed} FROM ${del} d JOIN ${table} c ON c.scope_id = $scope AND c.id = d.id
                ORDER BY d.rowid ${limit}`
    }
  }
  if (plan === "reference") {
    const ids = `temp.${stage}_ids`
    return {
      created: `SELECT ${staged} FROM ${ids} i JOIN ${stage} s ON s.row = i.row
                WHERE NOT EXISTS (SELECT 1 FROM ${table} c WHERE c.scope_id = $scope AND c.id = i.id)
                ORDER BY s.row ${limit}`,
      updated: `SELECT ${staged} FROM ${ids} i JOIN ${table} c ON c.scope_id = $scope AND c.id = i.id
                JOIN ${stage} s ON s.row = i.row WHERE c.hash <> i.hash OR c.step <> i.step ORDER BY i.id ${limit}`,
      deleted: `SELECT ${committed} FROM ${table} c WHERE c.scope_id = $scope
                AND c.step NOT IN (SELECT step FROM temp.kept_steps)
                AND NOT EXISTS (SELECT 1 FROM ${ids} i WHERE i.id = c.id) ORDER BY c.id ${limit}`
    }
  }
  return {}
}

const kindPreview = <A>(
  db: Database,
  plan: Plan,
  spec: KindSpec,
  counts: Counts,
  $scope: number,
  ref: (row: Row) => A
): KindPreview<A> => {
  const sql = queries(plan, spec)
  const list = (change: "created" | "updated" | "deleted"): PreviewList<A> => {
    const query = sql[change]
    const items =
      counts[change] === 0 || query === undefined
        ? []
        : (db.query(query).all(...(query.includes("$scope") ? [{ $scope }] : [])) as Array<Row>).map(ref)
    return { total: counts[change], items }
  }
  return { created: list("created"), updated: list("updated"), deleted: list("deleted") }
}

/**
 * A dry run's preview: for each kind, the counts and the first rows it would create, update and delete.
 * Reads only the few rows it shows (after the plan listed the changes), in the commit's transaction.
 */
export const preview = (db: Database, plan: Plan, $scope: number, counts: readonly [Counts, Counts]): SyncPreview => ({
  entities: kindPreview(db, plan, KINDS[0], counts[0], $scope, entityRef),
  relationships: kindPreview(db, plan, KINDS[1], counts[1], $scope, relationshipRef)
})
