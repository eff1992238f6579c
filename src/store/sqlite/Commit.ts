import type { Database } from "bun:sqlite"
import type { SyncStats } from "../../sync/SyncResult.ts"
import type { CommitOutcome, CommitRequest, ScopeRef } from "../Store.ts"
import { MassDeletion } from "../StoreErrors.ts"
import { insertAll, KINDS, type KindChanges, merge, unchangedAll } from "./Changes.ts"
import { checkEdges } from "./Edges.ts"
import { type Plan, preview } from "./Preview.ts"
import { reference } from "./Reference.ts"
import { nextGeneration, scopeRow, writeRun } from "./RunRecord.ts"
import type { StagedBatch } from "./SqliteStaging.ts"
import type { StagedRows } from "./StagedKind.ts"

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

const stats = ([entities, relationships]: readonly [KindChanges, KindChanges]): SyncStats => ({
  entitiesCreated: entities.counts.created,
  entitiesUpdated: entities.counts.updated,
  entitiesUnchanged: entities.counts.unchanged,
  entitiesDeleted: entities.counts.deleted,
  relationshipsCreated: relationships.counts.created,
  relationshipsUpdated: relationships.counts.updated,
  relationshipsUnchanged: relationships.counts.unchanged,
  relationshipsDeleted: relationships.counts.deleted
})

const stagedOf = (batch: StagedBatch, kind: 0 | 1): StagedRows => (kind === 0 ? batch.entities : batch.relationships)

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
    const digests = stagedOf(batch, kind).digests
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

/**
 * Validates the staged batch, diffs it against the scope's committed rows and applies it with the run
 * record, all in one transaction on the session's connection (whose TEMP database holds the staged
 * rows), which the caller opens (`BEGIN IMMEDIATE`; `DEFERRED` for a read-only session, whose connection
 * cannot write the store, so that it takes no write lock) and commits or rolls back: see
 * {@link runCommit}. Throws `ReferentialIntegrity`/`MassDeletion` (nothing written) or the database's error.
 *
 * A generator: it yields between its phases and between its write statements, where the caller may stop
 * it (Ctrl-C): the transaction is then rolled back and nothing is committed.
 *
 * The plans: a scope that holds no rows gets every staged row inserted in id order; a batch whose
 * per-step checksums equal the stored ones changes nothing (C08) and writes only the run record; any
 * other batch is merged: one pass over the scope's committed rows against the staged index.
 * `alwaysDiff` takes the reference SQL diff instead (for tests of the plans).
 *
 * A dry run stops before the first write and returns the outcome with a preview read from the plan's
 * lists of changes; a read-only session must be a dry run.
 */
export function* commitSteps(
  db: Database,
  scope: ScopeRef,
  request: CommitRequest,
  batch: StagedBatch,
  faults: Faults,
  mutant?: Mutant,
  alwaysDiff = false,
  readOnly = false
): Generator<void, CommitOutcome> {
  if (readOnly && !request.dryRun) throw new Error("a read-only session can only compute a dry run")
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
  const current = scopeRow(db, scope) ?? { id: -1, generation: 0 }
  const $scope = current.id
  checkEdges(db, scope, $scope, batch.edges)
  phase("referential integrity")
  yield

  const committed: [number, number] = [0, 0]
  if ($scope >= 0) {
    for (const { kind, table } of KINDS) {
      committed[kind] = (
        db.query(`SELECT count(*) AS n FROM ${table} WHERE scope_id = ?`).get($scope) as { n: number }
      ).n
    }
  }
  const plan: Plan = alwaysDiff
    ? "reference"
    : committed[0] === 0 && committed[1] === 0
      ? "insert"
      : (mutant === undefined || mutant === "stale-digest") && unchanged(db, $scope, kept, batch, committed)
        ? "unchanged"
        : "merge"
  /** `kind:step` of kept steps that lose rows to this sync: their stored checksums no longer hold. */
  const lost = new Set<string>()
  const planned: Array<KindChanges> = []
  for (const spec of KINDS) {
    const staged = stagedOf(batch, spec.kind)
    planned.push(
      plan === "insert"
        ? insertAll(spec, staged)
        : plan === "unchanged"
          ? unchangedAll(staged)
          : plan === "merge"
            ? merge(db, spec, staged, $scope, kept, lost, mutant)
            : reference(db, spec, $scope, lost, mutant)
    )
    yield
  }
  const changes = planned as unknown as readonly [KindChanges, KindChanges]
  phase(`plan ${plan}`)

  const result = stats(changes)
  const deleting = result.entitiesDeleted + result.relationshipsDeleted
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
  if (request.dryRun) {
    const counts = [changes[0].counts, changes[1].counts] as const
    const sample = preview(db, plan, $scope, counts)
    return { generation: current.generation + 1, stats: result, finishedAt: new Date(), preview: sample }
  }

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
  const params = { $scope: scopeId, $generation: generation, $now: Date.now() }
  for (const sql of changes.flatMap((change) => change.statements)) {
    yield
    write(() => db.query(sql).run(params))
    phase(sql.trim().split(/\s+/).slice(0, 3).join(" "))
  }
  yield
  if (plan === "insert" || ((plan === "merge" || plan === "reference") && mutant !== "stale-digest")) {
    write(() => {
      db.query("DELETE FROM step_digests WHERE scope_id = ? AND step NOT IN (SELECT step FROM temp.kept_steps)").run(
        scopeId
      )
      const forget = db.query("DELETE FROM step_digests WHERE scope_id = ? AND kind = ? AND step = ?")
      for (const entry of lost) {
        const at = entry.indexOf(":")
        forget.run(scopeId, Number(entry.slice(0, at)), entry.slice(at + 1))
      }
      const insert = db.query(
        "INSERT OR REPLACE INTO step_digests (scope_id, kind, step, rows, digest) VALUES (?, ?, ?, ?, ?)"
      )
      for (const { kind } of KINDS) {
        for (const [step, digest] of stagedOf(batch, kind).digests) {
          insert.run(scopeId, kind, step, digest.rows, digest.digest)
        }
      }
    })
  }
  const finishedAt = new Date()
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
}

/** Opens the commit's transaction, runs `commitSteps` to its end and commits; rolls back if it throws. */
export const commitNow = (db: Database, steps: Generator<void, CommitOutcome>, readOnly: boolean): CommitOutcome => {
  db.exec(readOnly ? "BEGIN DEFERRED" : "BEGIN IMMEDIATE")
  try {
    let next = steps.next()
    while (!next.done) next = steps.next()
    if (db.inTransaction) db.exec("COMMIT")
    return next.value
  } finally {
    if (db.inTransaction) db.exec("ROLLBACK")
  }
}
