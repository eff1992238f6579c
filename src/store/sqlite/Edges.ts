import type { Database } from "bun:sqlite"
import type { ScopeRef } from "../Store.ts"
import { DanglingEndpoint, ReferentialIntegrity } from "../StoreErrors.ts"
import type { UnresolvedEdge } from "./SqliteStaging.ts"

/** How many offending relationships a `ReferentialIntegrity` error names. */
const OFFENDERS = 10

/** Whether an endpoint outside the batch is in the committed graph after this sync's own deletions. */
const COMMITTED = (column: string) => `(
  EXISTS (SELECT 1 FROM entities x WHERE x.scope_id = $scope AND x.id = s.${column}
          AND x.step IN (SELECT step FROM temp.kept_steps))
  OR EXISTS (SELECT 1 FROM entities x WHERE x.id = s.${column} AND x.scope_id <> $scope))`

const FROM_OK = `(c.from_staged OR ${COMMITTED("from_id")})`
const TO_OK = `(c.to_staged OR ${COMMITTED("to_id")})`
const UNRESOLVED = `FROM temp.edge_check c JOIN stage_r s ON s.row = c.row WHERE NOT ${FROM_OK} OR NOT ${TO_OK}`
const OFFENDER_COLUMNS = "s.step, s.verb, s.from_type, s.from_key, s.to_type, s.to_key, s.to_account"

type Offender = Record<string, string | number | null>

/**
 * C04: every staged edge's endpoints are in the batch or in the committed graph after this sync's own
 * deletions (rows of this scope survive only under the steps it keeps; other scopes' rows all do).
 * Staging has already found the edges with an endpoint outside the batch; only those are looked up.
 * Throws `ReferentialIntegrity` naming the first offenders; `kept_steps` must be filled.
 */
export const checkEdges = (
  db: Database,
  scope: ScopeRef,
  $scope: number,
  edges: ReadonlyArray<UnresolvedEdge>
): void => {
  if (edges.length === 0) return
  db.exec(
    "CREATE TEMP TABLE IF NOT EXISTS edge_check (row INTEGER PRIMARY KEY, from_staged INTEGER NOT NULL, to_staged INTEGER NOT NULL)"
  )
  db.exec("DELETE FROM temp.edge_check")
  const insert = db.query("INSERT INTO temp.edge_check (row, from_staged, to_staged) VALUES (?, ?, ?)")
  for (const edge of edges) insert.run(edge.row, edge.fromStaged ? 1 : 0, edge.toStaged ? 1 : 0)
  const dangling = db.query(`SELECT count(*) AS n ${UNRESOLVED}`).get({ $scope }) as { n: number }
  if (dangling.n === 0) return
  const rows = db
    .query(`SELECT ${OFFENDER_COLUMNS}, ${FROM_OK} AS from_ok ${UNRESOLVED} ORDER BY s.row LIMIT ${OFFENDERS}`)
    .all({ $scope }) as Array<Offender>
  throw new ReferentialIntegrity({
    connector: scope.connector,
    account: scope.account,
    total: dangling.n,
    offenders: rows.map(
      (row) =>
        new DanglingEndpoint({
          subject: `relationship ${row.from_type}/${row.from_key} -${row.verb}-> ${row.to_type}/${row.to_key}${row.to_account === null ? "" : ` (account ${row.to_account})`}`,
          step: String(row.step),
          missing: row.from_ok ? "to" : "from"
        })
    )
  })
}
