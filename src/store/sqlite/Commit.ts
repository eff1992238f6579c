import type { Database } from "bun:sqlite"
import type { SyncStats } from "../../sync/SyncResult.ts"
import type { CommitOutcome, CommitRequest, ScopeRef } from "../Store.ts"
import { DanglingEndpoint, MassDeletion, ReferentialIntegrity } from "../StoreErrors.ts"
import { nextGeneration, scopeRow, writeRun } from "./RunRecord.ts"
import type { StagedBatch, StagedKind } from "./SqliteStaging.ts"

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
 * - `stale-digest`: a diffed commit leaves the per-step checksums of the commit before, so a later sync
 *   that looks unchanged skips its diff wrongly (breaks C09).
 */
export type Mutant =
  | "delete-failed-steps"
  | "rewrite-unchanged"
  | "cross-scope-delete"
  | "cross-scope-update"
  | "no-deletes"
  | "non-atomic"
  | "stale-digest"

/** How many offending relationships a `ReferentialIntegrity` error names. */
const OFFENDERS = 10

const ENDPOINT_EXISTS = (column: string) => `(
  EXISTS (SELECT 1 FROM stage_e_ids x WHERE x.id = s.${column})
  OR EXISTS (SELECT 1 FROM entities x WHERE x.scope_id = $scope AND x.id = s.${column}
             AND x.step IN (SELECT step FROM temp.kept_steps))
  OR EXISTS (SELECT 1 FROM scopes o JOIN entities x ON x.scope_id = o.scope_id AND x.id = s.${column}
             WHERE o.scope_id <> $scope))`

const DANGLING = `FROM stage_r s WHERE NOT ${ENDPOINT_EXISTS("from_id")} OR NOT ${ENDPOINT_EXISTS("to_id")}`

/** Whether an endpoint outside the batch is in the committed graph after this sync's own deletions. */
const COMMITTED = (column: string) => `(
  EXISTS (SELECT 1 FROM entities x WHERE x.scope_id = $scope AND x.id = s.${column}
          AND x.step IN (SELECT step FROM temp.kept_steps))
  OR EXISTS (SELECT 1 FROM scopes o JOIN entities x ON x.scope_id = o.scope_id AND x.id = s.${column}
             WHERE o.scope_id <> $scope))`

const FROM_OK = `(c.from_staged OR ${COMMITTED("from_id")})`
const TO_OK = `(c.to_staged OR ${COMMITTED("to_id")})`
const UNRESOLVED = `FROM temp.edge_check c JOIN stage_r s ON s.row = c.row WHERE NOT ${FROM_OK} OR NOT ${TO_OK}`

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

type Offender = Record<string, string | number | null>

/** Fails the commit with the first offending relationships (nothing has been written). */
const rejectEdges = (scope: ScopeRef, total: number, rows: ReadonlyArray<Offender>): never => {
  throw new ReferentialIntegrity({
    connector: scope.connector,
    account: scope.account,
    total,
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

const OFFENDER_COLUMNS = "s.step, s.verb, s.from_type, s.from_key, s.to_type, s.to_key, s.to_account"

/**
 * C04: every staged edge's endpoints are in the batch or in the committed graph after this sync's own
 * deletions. Staging already knows which edges had an endpoint outside the batch; only those are looked
 * up, unless entities were discarded after edges were emitted (then every edge is checked).
 */
const checkEdges = (db: Database, scope: ScopeRef, $scope: number, batch: StagedBatch, buildIds: () => void) => {
  if (batch.edges === "all") {
    buildIds()
    const dangling = db.query(`SELECT count(*) AS n ${DANGLING}`).get({ $scope }) as { n: number }
    if (dangling.n === 0) return
    const rows = db
      .query(
        `SELECT ${OFFENDER_COLUMNS}, ${ENDPOINT_EXISTS("from_id")} AS from_ok ${DANGLING} ORDER BY s.row LIMIT ${OFFENDERS}`
      )
      .all({ $scope }) as Array<Offender>
    rejectEdges(scope, dangling.n, rows)
    return
  }
  if (batch.edges.length === 0) return
  db.exec(
    "CREATE TEMP TABLE IF NOT EXISTS edge_check (row INTEGER PRIMARY KEY, from_staged INTEGER NOT NULL, to_staged INTEGER NOT NULL)"
  )
  db.exec("DELETE FROM temp.edge_check")
  const insert = db.query("INSERT INTO temp.edge_check (row, from_staged, to_staged) VALUES (?, ?, ?)")
  for (const edge of batch.edges) insert.run(edge.row, edge.fromStaged ? 1 : 0, edge.toStaged ? 1 : 0)
  const dangling = db.query(`SELECT count(*) AS n ${UNRESOLVED}`).get({ $scope }) as { n: number }
  if (dangling.n === 0) return
  const rows = db
    .query(`SELECT ${OFFENDER_COLUMNS}, ${FROM_OK} AS from_ok ${UNRESOLVED} ORDER BY s.row LIMIT ${OFFENDERS}`)
    .all({ $scope }) as Array<Offender>
  rejectEdges(scope, dangling.n, rows)
}

const KINDS = [
  { kind: 0, table: "entities", stage: "stage_e", columns: ENTITY_COLUMNS },
  { kind: 1, table: "relationships", stage: "stage_r", columns: RELATIONSHIP_COLUMNS }
] as const

const staged = (batch: StagedBatch, kind: number): StagedKind => (kind === 0 ? batch.entities : batch.relationships)

/**
 * Whether every step whose rows this commit would replace staged exactly the rows it holds: then the
 * commit changes no row. The stored checksums must cover every committed row of the scope (a checksum
 * is dropped whenever its step's rows change without it being rewritten), and each replaced step's
 * checksum and count must equal the staged one.
 */
const unchanged = (
  db: Database,
  $scope: number,
  kept: ReadonlySet<string>,
  batch: StagedBatch,
  committed: readonly [number, number]
): boolean => {
  for (const { kind } of KINDS) {
    const stored = db
      .query("SELECT step, rows, digest FROM step_digests WHERE scope_id = ? AND kind = ?")
      .all($scope, kind) as Array<{ step: string; rows: number; digest: string }>
    if (stored.reduce((total, row) => total + row.rows, 0) !== committed[kind]) return false
    const digests = staged(batch, kind).digests
    for (const row of stored) {
      if (kept.has(row.step)) continue
      const mine = digests.get(row.step)
      if (mine === undefined || mine.rows !== row.rows || mine.digest !== row.digest) return false
    }
    const storedSteps = new Set(stored.map((row) => row.step))
    for (const step of digests.keys()) if (kept.has(step) || !storedSteps.has(step)) return false
  }
  return true
}

/** `INSERT ... SELECT` of every staged row, sorted by id: the commit of a scope that holds nothing yet. */
const insertAll = (table: string, stage: string, columns: string) =>
  `INSERT INTO ${table} (scope_id, id, ${columns}, generation, first_seen_at)
   SELECT $scope, id, ${columns}, $generation, $now FROM ${stage} ORDER BY id`

/**
 * Validates the staged batch, diffs it against the scope's committed rows and applies it with the run
 * record, all in one immediate transaction on the session's connection (whose TEMP database holds the
 * staged rows). Throws `ReferentialIntegrity`/`MassDeletion` (nothing written) or the database's error.
 *
 * Three plans: a scope that holds no rows gets every staged row inserted in id order; a batch whose
 * per-step checksums equal the stored ones changes nothing (C08) and writes only the run record; any
 * other batch is diffed set-wise by content hash in id order.
 */
export const commitStaged = (
  db: Database,
  scope: ScopeRef,
  request: CommitRequest,
  batch: StagedBatch,
  faults: Faults,
  mutant?: Mutant,
  alwaysDiff = false
): CommitOutcome =>
  db
    .transaction((): CommitOutcome => {
      // Rows of steps that failed, timed out or were skipped are kept (C07); rows of every other step
      // (succeeded, or no longer part of the connector) are replaced by what this sync staged.
      db.exec("CREATE TEMP TABLE IF NOT EXISTS kept_steps (step TEXT PRIMARY KEY) WITHOUT ROWID")
      db.exec("DELETE FROM temp.kept_steps")
      const keep = db.query("INSERT OR IGNORE INTO temp.kept_steps (step) VALUES (?)")
      const kept = new Set<string>()
      for (const step of request.steps) {
        if (step.status !== "succeeded" && mutant !== "delete-failed-steps") {
          keep.run(step.id)
          kept.add(step.id)
        }
      }

      let clock = performance.now()
      const phase = (name: string) => {
        if (faults.onPhase === undefined) return
        const now = performance.now()
        faults.onPhase(name, now - clock)
        clock = now
      }
      let idsBuilt = false
      const buildIds = () => {
        if (idsBuilt) return
        idsBuilt = true
        for (const { stage } of KINDS) {
          db.exec(`DELETE FROM ${stage}_ids`)
          db.exec(`INSERT INTO ${stage}_ids (id, hash, step, row) SELECT id, hash, step, row FROM ${stage} ORDER BY id`)
        }
        phase("sort staged ids")
      }
      const existing = scopeRow(db, scope)
      const current = existing ?? { id: -1, generation: 0 }
      const $scope = current.id
      checkEdges(db, scope, $scope, batch, buildIds)
      phase("referential integrity")

      const committed: [number, number] = [0, 0]
      for (const { kind, table } of KINDS) {
        committed[kind] =
          $scope < 0
            ? 0
            : (db.query(`SELECT count(*) AS n FROM ${table} WHERE scope_id = ?`).get($scope) as { n: number }).n
      }
      const plan = alwaysDiff
        ? "diff"
        : committed[0] === 0 && committed[1] === 0
          ? "insert"
          : (mutant === undefined || mutant === "stale-digest") && unchanged(db, $scope, kept, batch, committed)
            ? "unchanged"
            : "diff"
      let entities: Diff
      let relationships: Diff
      if (plan === "diff") {
        buildIds()
        entities = diff(db, "entities", "stage_e_ids", $scope)
        phase("diff entities")
        relationships = diff(db, "relationships", "stage_r_ids", $scope)
        phase("diff relationships")
      } else {
        const count = (kind: StagedKind): Diff =>
          plan === "insert"
            ? { created: kind.rows, updated: 0, unchanged: 0, deleted: 0 }
            : { created: 0, updated: 0, unchanged: kind.rows, deleted: 0 }
        entities = count(batch.entities)
        relationships = count(batch.relationships)
        phase(`plan ${plan}`)
      }
      const result = stats(entities, relationships)
      const deleting = entities.deleted + relationships.deleted
      if (deleting > 0 && !request.massDeletion.force) {
        const total = committed[0] + committed[1]
        if (total >= request.massDeletion.minRows && deleting > request.massDeletion.maxShare * total) {
          throw new MassDeletion({
            connector: scope.connector,
            account: scope.account,
            wouldDelete: deleting,
            existing: total,
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
      const statements: Array<string | undefined> = []
      if (plan === "insert") {
        for (const { kind, table, stage, columns } of KINDS) {
          if (staged(batch, kind).rows > 0) statements.push(insertAll(table, stage, columns))
        }
      } else if (plan === "diff") {
        // A kept step that loses rows to a step of this sync no longer matches its stored checksum.
        if (kept.size > 0)
          statements.push(
            `DELETE FROM step_digests WHERE scope_id = $scope AND (kind, step) IN (
             SELECT 0, e.step FROM stage_e_ids i JOIN entities e ON e.scope_id = $scope AND e.id = i.id
             WHERE e.step <> i.step AND e.step IN (SELECT step FROM temp.kept_steps)
             UNION SELECT 1, e.step FROM stage_r_ids i JOIN relationships e ON e.scope_id = $scope AND e.id = i.id
             WHERE e.step <> i.step AND e.step IN (SELECT step FROM temp.kept_steps))`
          )
        statements.push(
          ...writes("entities", "stage_e", ENTITY_COLUMNS, entities, mutant),
          ...writes("relationships", "stage_r", RELATIONSHIP_COLUMNS, relationships, mutant)
        )
      }
      for (const sql of statements) {
        if (sql === undefined) continue
        write(() => db.query(sql).run(params))
        phase(sql.trim().split(/\s+/).slice(0, 3).join(" "))
      }
      if (plan === "insert" || (plan === "diff" && mutant !== "stale-digest")) {
        write(() => {
          db.query(
            "DELETE FROM step_digests WHERE scope_id = ? AND step NOT IN (SELECT step FROM temp.kept_steps)"
          ).run(scopeId)
          const insert = db.query(
            "INSERT OR REPLACE INTO step_digests (scope_id, kind, step, rows, digest) VALUES (?, ?, ?, ?, ?)"
          )
          for (const { kind } of KINDS) {
            for (const [step, digest] of staged(batch, kind).digests) {
              insert.run(scopeId, kind, step, digest.rows, digest.digest)
            }
          }
        })
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
