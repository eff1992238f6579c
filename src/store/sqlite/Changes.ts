import { edenGC } from "bun:jsc"
import type { Database } from "bun:sqlite"
import type { Mutant } from "./Commit.ts"
import type { StagedRows } from "./StagedKind.ts"

/** One kind of committed rows and the staging table that holds its staged rows. */
export interface KindSpec {
  readonly kind: 0 | 1
  readonly table: "entities" | "relationships"
  readonly stage: "stage_e" | "stage_r"
  /** The content columns (all but scope, id, generation and first-seen time). */
  readonly columns: string
}

export const KINDS: readonly [KindSpec, KindSpec] = [
  { kind: 0, table: "entities", stage: "stage_e", columns: "type, key, class, display_name, properties, hash, step" },
  {
    kind: 1,
    table: "relationships",
    stage: "stage_r",
    columns: "verb, from_id, from_type, from_key, to_id, to_type, to_key, to_account, rel_key, properties, hash, step"
  }
]

export interface Counts {
  readonly created: number
  readonly updated: number
  readonly unchanged: number
  readonly deleted: number
}

/** What a commit does to one kind: the counts, and the statements (one write each) that do it. */
export interface KindChanges {
  readonly counts: Counts
  readonly statements: ReadonlyArray<string>
}

/** A comma-separated column list with each column rewritten (`s.type`, `type = s.type`, ...). */
export const eachColumn = (columns: string, rewrite: (column: string) => string): string =>
  columns
    .split(", ")
    .map((column) => rewrite(column))
    .join(", ")

const prefixed = (columns: string, prefix: string) => eachColumn(columns, (column) => `${prefix}${column}`)

/** Every staged row inserted in id order: the commit of a scope that holds nothing yet. */
export const insertAll = (spec: KindSpec, staged: StagedRows): KindChanges => ({
  counts: { created: staged.rows, updated: 0, unchanged: 0, deleted: 0 },
  statements:
    staged.rows === 0
      ? []
      : [
          `INSERT INTO ${spec.table} (scope_id, id, ${spec.columns}, generation, first_seen_at)
           SELECT $scope, id, ${spec.columns}, $generation, $now FROM ${spec.stage} ORDER BY id`
        ]
})

/** Nothing changes: every staged row is already committed as it is. */
export const unchangedAll = (staged: StagedRows): KindChanges => ({
  counts: { created: 0, updated: 0, unchanged: staged.rows, deleted: 0 },
  statements: []
})

/** The TEMP tables in which `merge` lists the rows of a kind to delete (ids), update (id, row) and create (row). */
export const mergeTables = (spec: KindSpec) => {
  const suffix = spec.kind === 0 ? "e" : "r"
  return { del: `temp.merge_del_${suffix}`, upd: `temp.merge_upd_${suffix}`, add: `temp.merge_new_${suffix}` }
}

/**
 * The diff by content hash, without sorting the staged rows: one pass over the scope's committed rows
 * of this kind looks each id up in the staged index. A committed row nobody staged is deleted unless its
 * step is kept (C07); a staged row with another hash or owner is updated; staged rows no committed row
 * matched are created. The rows to delete, update and create are listed in TEMP tables, which the write
 * statements join with the staged rows. `kept` steps that lose rows to this sync are added to `lost`.
 */
export const merge = (
  db: Database,
  spec: KindSpec,
  staged: StagedRows,
  $scope: number,
  kept: ReadonlySet<string>,
  lost: Set<string>,
  mutant: Mutant | undefined
): KindChanges => {
  const suffix = spec.kind === 0 ? "e" : "r"
  const { del, upd, add } = mergeTables(spec)
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS merge_del_${suffix} (id BLOB NOT NULL)`)
  db.exec(
    `CREATE TEMP TABLE IF NOT EXISTS merge_upd_${suffix} (id BLOB PRIMARY KEY, row INTEGER NOT NULL) WITHOUT ROWID`
  )
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS merge_new_${suffix} (row INTEGER PRIMARY KEY)`)
  for (const table of [del, upd, add]) db.exec(`DELETE FROM ${table}`)
  const deleting = db.query(`INSERT INTO ${del} (id) VALUES (?)`)
  const updating = db.query(`INSERT INTO ${upd} (id, row) VALUES (?, ?)`)
  const creating = db.query(`INSERT INTO ${add} (row) VALUES (?)`)
  const matched = new Uint8Array(staged.size)
  let updated = 0
  let unchanged = 0
  let deleted = 0
  type Committed = { id: Uint8Array; hash: Uint8Array; step: string }
  const committed = db.query(`SELECT id, hash, step FROM ${spec.table} WHERE scope_id = ?`)
  let visited = 0
  for (const row of committed.iterate($scope) as Iterable<Committed>) {
    // Each row read is garbage at once; collect the young generation now and then (see SqliteStaging).
    if ((++visited & 0x3fff) === 0) edenGC()
    const seq = staged.lookup(row.id)
    if (seq < 0) {
      if (!kept.has(row.step)) {
        deleted++
        deleting.run(row.id)
      }
      continue
    }
    matched[seq] = 1
    const step = staged.step(seq)
    if (step === row.step && staged.sameHash(seq, row.hash)) {
      unchanged++
      if (mutant === "rewrite-unchanged") updating.run(row.id, staged.row(seq))
      continue
    }
    updated++
    updating.run(row.id, staged.row(seq))
    if (step !== row.step && kept.has(row.step)) lost.add(`${spec.kind}:${row.step}`)
  }
  let created = 0
  for (let seq = 0; seq < staged.size; seq++) {
    if (matched[seq] === 0 && staged.staged(seq)) {
      created++
      creating.run(staged.row(seq))
    }
  }
  const { table, stage, columns } = spec
  const statements: Array<string> = []
  if (deleted > 0 && mutant !== "no-deletes") {
    const where = mutant === "cross-scope-delete" ? "" : "scope_id = $scope AND "
    statements.push(`DELETE FROM ${table} WHERE ${where}id IN (SELECT id FROM ${del})`)
  }
  if (updated > 0 || (mutant === "rewrite-unchanged" && unchanged > 0)) {
    // Driven by the (id-ordered) list of rows to update, so that only those rows are read and written.
    const where = mutant === "cross-scope-update" ? "" : "scope_id = $scope AND "
    statements.push(
      `UPDATE ${table} SET (${columns}, generation) = (
         SELECT ${prefixed(columns, "s.")}, $generation FROM ${upd} u JOIN ${stage} s ON s.row = u.row
         WHERE u.id = ${table}.id)
       WHERE ${where}id IN (SELECT id FROM ${upd})`
    )
  }
  if (created > 0) {
    statements.push(
      `INSERT INTO ${table} (scope_id, id, ${columns}, generation, first_seen_at)
       SELECT $scope, s.id, ${prefixed(columns, "s.")}, $generation, $now
       FROM ${add} n JOIN ${stage} s ON s.row = n.row ORDER BY s.id`
    )
  }
  return { counts: { created, updated, unchanged, deleted }, statements }
}
