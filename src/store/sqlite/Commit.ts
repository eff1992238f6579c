import type { Database } from "bun:sqlite"
import type { SyncStats } from "../../sync/SyncResult.ts"
import type { CommitOutcome, CommitRequest, ScopeRef } from "../Store.ts"
import { DanglingEndpoint, MassDeletion, ReferentialIntegrity } from "../StoreErrors.ts"
import { nextGeneration, scopeRow, writeRun } from "./RunRecord.ts"

/** Injected faults: `beforeWrite(index)` runs before each write statement of a commit (see `Store.ts`). */
export interface Faults {
  readonly beforeWrite?: (index: number) => void
  /** Not a fault: receives how long each phase of a commit took (for benchmarks). */
  readonly onPhase?: (phase: string, ms: number) => void
}

/**
 * Deliberate bugs, for proving that the property tests and the harness catch them. Never set outside tests.
 * - `delete-failed-steps`: rows of failed/skipped steps are deleted as if the step emitted nothing (breaks C07).
 * - `rewrite-unchanged`: unchanged rows are rewritten with the new generation (breaks C08, C11).
 * - `cross-scope-delete`: deletion is not restricted to the sync's scope (breaks C02).
 * - `cross-scope-update`: updates are not restricted to the sync's scope (breaks C02).
 * - `no-deletes`: nothing is ever deleted (breaks C09).
 * - `non-atomic`: every write is committed on its own (breaks C01).
 */
export type Mutant =
  | "delete-failed-steps"
  | "rewrite-unchanged"
  | "cross-scope-delete"
  | "cross-scope-update"
  | "no-deletes"
  | "non-atomic"

/** How many offending relationships a `ReferentialIntegrity` error names. */
const OFFENDERS = 10

const ENDPOINT_EXISTS = (column: string) => `(
  EXISTS (SELECT 1 FROM stage_e_ids x WHERE x.id = s.${column})
  OR EXISTS (SELECT 1 FROM entities x WHERE x.scope_id = $scope AND x.id = s.${column}
             AND x.step IN (SELECT step FROM temp.kept_steps))
  OR EXISTS (SELECT 1 FROM scopes o JOIN entities x ON x.scope_id = o.scope_id AND x.id = s.${column}
             WHERE o.scope_id <> $scope))`

const DANGLING = `FROM stage_r s WHERE NOT ${ENDPOINT_EXISTS("from_id")} OR NOT ${ENDPOINT_EXISTS("to_id")}`

interface Diff {
  readonly created: number
  readonly updated: number
  readonly unchanged: number
  readonly deleted: number
}

const diff = (db: Database, table: "entities" | "relationships", stage: string, scope: number): Diff => {
  const counted = db
    .query(
      `SELECT count(*) AS staged, coalesce(sum(e.id IS NULL), 0) AS created,
              coalesce(sum(e.id IS NOT NULL AND (e.hash <> s.hash OR e.step <> s.step)), 0) AS updated
       FROM ${stage} s LEFT JOIN ${table} e ON e.scope_id = $scope AND e.id = s.id`
    )
    .get({ $scope: scope }) as { staged: number; created: number; updated: number }
  const { deleted } = db
    .query(
      `SELECT count(*) AS deleted FROM ${table} e WHERE e.scope_id = $scope
       AND e.step NOT IN (SELECT step FROM temp.kept_steps) AND NOT EXISTS (SELECT 1 FROM ${stage} s WHERE s.id = e.id)`
    )
    .get({ $scope: scope }) as { deleted: number }
  return {
    created: counted.created,
    updated: counted.updated,
    unchanged: counted.staged - counted.created - counted.updated,
    deleted
  }
}

const ENTITY_COLUMNS = "type, key, class, display_name, properties, hash, step"
const RELATIONSHIP_COLUMNS =
  "verb, from_id, from_type, from_key, to_id, to_type, to_key, to_account, rel_key, properties, hash, step"

const updateSet = (columns: string) =>
  columns
    .split(", ")
    .map((column) => `${column} = s.${column}`)
    .join(", ")

/**
 * The statements that apply one table's change set, each one write. They walk the narrow `*_ids` staging
 * table in id order (the committed rows' key order) and touch the wide staged rows only to write them.
 */
const writes = (
  table: "entities" | "relationships",
  stage: string,
  columns: string,
  counts: Diff,
  mutant: Mutant | undefined
) => [
  counts.deleted === 0 || mutant === "no-deletes"
    ? undefined
    : `DELETE FROM ${table} WHERE ${mutant === "cross-scope-delete" ? "1" : "scope_id = $scope"}
       AND step NOT IN (SELECT step FROM temp.kept_steps) AND NOT EXISTS (SELECT 1 FROM ${stage}_ids i WHERE i.id = ${table}.id)`,
  counts.updated === 0 && mutant !== "rewrite-unchanged"
    ? undefined
    : `UPDATE ${table} SET ${updateSet(columns)}, generation = $generation FROM ${stage}_ids i JOIN ${stage} s ON s.row = i.row
       WHERE ${mutant === "cross-scope-update" ? "" : `${table}.scope_id = $scope AND `}${table}.id = i.id
       ${mutant === "rewrite-unchanged" ? "" : `AND (${table}.hash <> i.hash OR ${table}.step <> i.step)`}`,
  counts.created === 0
    ? undefined
    : `INSERT INTO ${table} (scope_id, id, ${columns}, generation, first_seen_at)
       SELECT $scope, i.id, ${columns
         .split(", ")
         .map((column) => `s.${column}`)
         .join(", ")}, $generation, $now FROM ${stage}_ids i JOIN ${stage} s ON s.row = i.row
       WHERE NOT EXISTS (SELECT 1 FROM ${table} e WHERE e.scope_id = $scope AND e.id = i.id) ORDER BY i.id`
]

const stats = (entities: Diff, relationships: Diff): SyncStats => ({
  entitiesCreated: entities.created,
  entitiesUpdated: entities.updated,
  entitiesUnchanged: entities.unchanged,
  entitiesDeleted: entities.deleted,
  relationshipsCreated: relationships.created,
  relationshipsUpdated: relationships.updated,
  relationshipsUnchanged: relationships.unchanged,
  relationshipsDeleted: relationships.deleted
})

/**
 * Validates the staged batch, diffs it against the scope's committed rows and applies it with the run
 * record, all in one immediate transaction on the session's connection (whose TEMP database holds the
 * staged rows). Throws `ReferentialIntegrity`/`MassDeletion` (nothing written) or the database's error.
 */
export const commitStaged = (
  db: Database,
  scope: ScopeRef,
  request: CommitRequest,
  faults: Faults,
  mutant?: Mutant
): CommitOutcome =>
  db
    .transaction((): CommitOutcome => {
      // Rows of steps that failed, timed out or were skipped are kept (C07); rows of every other step
      // (succeeded, or no longer part of the connector) are replaced by what this sync staged.
      db.exec("CREATE TEMP TABLE IF NOT EXISTS kept_steps (step TEXT PRIMARY KEY) WITHOUT ROWID")
      db.exec("DELETE FROM temp.kept_steps")
      const keep = db.query("INSERT OR IGNORE INTO temp.kept_steps (step) VALUES (?)")
      for (const step of request.steps) {
        if (step.status !== "succeeded" && mutant !== "delete-failed-steps") keep.run(step.id)
      }

      let clock = performance.now()
      const phase = (name: string) => {
        if (faults.onPhase === undefined) return
        const now = performance.now()
        faults.onPhase(name, now - clock)
        clock = now
      }
      const existing = scopeRow(db, scope)
      const current = existing ?? { id: -1, generation: 0 }
      const $scope = current.id
      const dangling = db.query(`SELECT count(*) AS n ${DANGLING}`).get({ $scope }) as { n: number }
      if (dangling.n > 0) {
        const rows = db
          .query(
            `SELECT s.step, s.verb, s.from_type, s.from_key, s.to_type, s.to_key, s.to_account,
               ${ENDPOINT_EXISTS("from_id")} AS from_ok ${DANGLING} ORDER BY s.row LIMIT ${OFFENDERS}`
          )
          .all({ $scope }) as Array<Record<string, string | number | null>>
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

      phase("referential integrity")
      const entities = diff(db, "entities", "stage_e_ids", $scope)
      phase("diff entities")
      const relationships = diff(db, "relationships", "stage_r_ids", $scope)
      phase("diff relationships")
      const result = stats(entities, relationships)
      const deleting = entities.deleted + relationships.deleted
      if (deleting > 0 && !request.massDeletion.force) {
        const total = db
          .query(
            "SELECT (SELECT count(*) FROM entities WHERE scope_id = $scope) + (SELECT count(*) FROM relationships WHERE scope_id = $scope) AS n"
          )
          .get({ $scope }) as { n: number }
        if (total.n >= request.massDeletion.minRows && deleting > request.massDeletion.maxShare * total.n) {
          throw new MassDeletion({
            connector: scope.connector,
            account: scope.account,
            wouldDelete: deleting,
            existing: total.n,
            maxShare: request.massDeletion.maxShare
          })
        }
      }
      const finishedAt = new Date()
      if (request.dryRun) return { generation: current.generation + 1, stats: result, finishedAt }

      let index = 0
      const write = (apply: () => void) => {
        faults.beforeWrite?.(index++)
        apply()
        if (mutant === "non-atomic") db.exec("COMMIT; BEGIN IMMEDIATE")
      }
      let ids: readonly [number, number] = [0, 0]
      write(() => {
        ids = nextGeneration(db, scope)
      })
      const [scopeId, generation] = ids
      const params = { $scope: scopeId, $generation: generation, $now: finishedAt.getTime() }
      for (const sql of [
        ...writes("entities", "stage_e", ENTITY_COLUMNS, entities, mutant),
        ...writes("relationships", "stage_r", RELATIONSHIP_COLUMNS, relationships, mutant)
      ]) {
        if (sql === undefined) continue
        write(() => db.query(sql).run(params))
        phase(sql.trim().split(/\s+/).slice(0, 3).join(" "))
      }
      writeRun(db, write, {
        scopeId,
        generation,
        syncId: request.syncId,
        status: request.status,
        stats: result,
        steps: request.steps,
        startedAt: request.startedAt,
        finishedAt,
        error: null
      })
      return { generation, stats: result, finishedAt }
    })
    .immediate()
