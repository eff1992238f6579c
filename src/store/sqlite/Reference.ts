import type { Database } from "bun:sqlite"
import { type Counts, eachColumn, type KindChanges, type KindSpec } from "./Changes.ts"
import type { Mutant } from "./Commit.ts"

/**
 * The plain set-wise diff in SQL, through the staged ids sorted into narrow `*_ids` tables: slower than
 * `merge` (it sorts every staged row), kept as the reference that the commit's plans are tested against
 * (`SqliteStoreOptions.alwaysDiff`).
 */
export const reference = (
  db: Database,
  spec: KindSpec,
  $scope: number,
  lost: Set<string>,
  mutant: Mutant | undefined
): KindChanges => {
  const { table, stage, columns } = spec
  const ids = `temp.${stage}_ids`
  db.exec(
    `CREATE TEMP TABLE IF NOT EXISTS ${stage}_ids (id BLOB PRIMARY KEY, hash BLOB NOT NULL, step TEXT NOT NULL,
     row INTEGER NOT NULL) WITHOUT ROWID`
  )
  db.exec(`DELETE FROM ${ids}`)
  db.exec(`INSERT INTO ${ids} (id, hash, step, row) SELECT id, hash, step, row FROM ${stage} ORDER BY id`)
  const counted = db
    .query(
      `SELECT count(*) AS staged, coalesce(sum(e.id IS NULL), 0) AS created,
              coalesce(sum(e.id IS NOT NULL AND (e.hash <> s.hash OR e.step <> s.step)), 0) AS updated
       FROM ${ids} s LEFT JOIN ${table} e ON e.scope_id = $scope AND e.id = s.id`
    )
    .get({ $scope }) as { staged: number; created: number; updated: number }
  const { deleted } = db
    .query(
      `SELECT count(*) AS deleted FROM ${table} e WHERE e.scope_id = $scope
       AND e.step NOT IN (SELECT step FROM temp.kept_steps) AND NOT EXISTS (SELECT 1 FROM ${ids} s WHERE s.id = e.id)`
    )
    .get({ $scope }) as { deleted: number }
  const losing = db
    .query(
      `SELECT DISTINCT e.step FROM ${ids} i JOIN ${table} e ON e.scope_id = $scope AND e.id = i.id
       WHERE e.step <> i.step AND e.step IN (SELECT step FROM temp.kept_steps)`
    )
    .all({ $scope }) as Array<{ step: string }>
  for (const { step } of losing) lost.add(`${spec.kind}:${step}`)
  const counts: Counts = {
    created: counted.created,
    updated: counted.updated,
    unchanged: counted.staged - counted.created - counted.updated,
    deleted
  }
  const set = eachColumn(columns, (column) => `${column} = s.${column}`)
  const statements: Array<string> = []
  if (counts.deleted > 0 && mutant !== "no-deletes") {
    statements.push(
      `DELETE FROM ${table} WHERE ${mutant === "cross-scope-delete" ? "1" : "scope_id = $scope"}
       AND step NOT IN (SELECT step FROM temp.kept_steps) AND NOT EXISTS (SELECT 1 FROM ${ids} i WHERE i.id = ${table}.id)`
    )
  }
  if (counts.updated > 0 || mutant === "rewrite-unchanged") {
    statements.push(
      `UPDATE ${table} SET ${set}, generation = $generation FROM ${ids} i JOIN ${stage} s ON s.row = i.row
       WHERE ${mutant === "cross-scope-update" ? "" : `${table}.scope_id = $scope AND `}${table}.id = i.id
       ${mutant === "rewrite-unchanged" ? "" : `AND (${table}.hash <> i.hash OR ${table}.step <> i.step)`}`
    )
  }
  if (counts.created > 0) {
    statements.push(
      `INSERT INTO ${table} (scope_id, id, ${columns}, generation, first_seen_at)
       SELECT $scope, i.id, ${eachColumn(columns, (column) => `s.${column}`)}, $generation, $now FROM ${ids} i JOIN ${stage} s ON s.row = i.row
       WHERE NOT EXISTS (SELECT 1 FROM ${table} e WHERE e.scope_id = $scope AND e.id = i.id) ORDER BY i.id`
    )
  }
  return { counts, statements }
}
