import type { Database } from "bun:sqlite"
import type { StepOutcome } from "../../model/Events.ts"
import type { SyncStats, SyncStatus } from "../../model/Outcome.ts"
import type { FailedRun, ScopeRef } from "../../sync/Store.ts"

/** Scopes, generations and run records: the bookkeeping every commit and every failed run writes. */

export const scopeRow = (db: Database, scope: ScopeRef) =>
  db
    .query("SELECT scope_id AS id, generation FROM scopes WHERE connector = ? AND account = ?")
    .get(scope.connector, scope.account) as { id: number; generation: number } | null

/** Bumps the scope's generation (creating the scope at generation 1); returns `[scope_id, generation]`. */
export const nextGeneration = (db: Database, scope: ScopeRef): readonly [number, number] => {
  db.query(
    `INSERT INTO scopes (connector, account, generation) VALUES (?, ?, 1)
     ON CONFLICT (connector, account) DO UPDATE SET generation = generation + 1`
  ).run(scope.connector, scope.account)
  const row = scopeRow(db, scope) as { id: number; generation: number }
  return [row.id, row.generation] as const
}

export const writeRun = (
  db: Database,
  write: (sql: () => void) => void,
  run: {
    scopeId: number
    generation: number
    syncId: string
    status: SyncStatus
    stats: SyncStats
    steps: ReadonlyArray<StepOutcome>
    startedAt: Date
    finishedAt: Date
    error: string | null
  }
): void => {
  let runId = 0
  write(() => {
    runId = Number(
      db
        .query(
          `INSERT INTO runs (scope_id, generation, sync_id, status, stats, started_at, finished_at, error)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
        )
        .run(
          run.scopeId,
          run.generation,
          run.syncId,
          run.status,
          JSON.stringify(run.stats),
          run.startedAt.getTime(),
          run.finishedAt.getTime(),
          run.error
        ).lastInsertRowid
    )
  })
  const insertStep = db.query(
    `INSERT INTO run_steps (run_id, ordinal, step, status, entities, relationships, duplicates, attempts, duration_ms, error, skipped_because)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  )
  for (const [ordinal, step] of run.steps.entries()) {
    write(() => {
      insertStep.run(
        runId,
        ordinal,
        step.id,
        step.status,
        step.entities,
        step.relationships,
        step.duplicates,
        step.attempts,
        Math.round(step.durationMs),
        step.error === undefined ? null : step.error.message,
        step.skippedBecause ?? null
      )
    })
  }
}

/**
 * Records a run that failed before committing: a new generation and the run record, no row touched, in
 * one immediate transaction. Every write goes through `beforeWrite` (the commit's fault hook, indices from
 * 0: the generation, the run, one per step outcome), so a fault leaves no half-written record.
 */
export const recordFailedRun = (
  db: Database,
  scope: ScopeRef,
  run: FailedRun,
  emptyStats: SyncStats,
  beforeWrite?: (index: number) => void
): number =>
  db
    .transaction((): number => {
      let index = 0
      const write = (apply: () => void) => {
        beforeWrite?.(index++)
        apply()
      }
      let ids: readonly [number, number] = [0, 0]
      write(() => {
        ids = nextGeneration(db, scope)
      })
      const [scopeId, generation] = ids
      writeRun(db, write, {
        scopeId,
        generation,
        syncId: run.syncId,
        status: "failed",
        stats: emptyStats,
        steps: run.steps,
        startedAt: run.startedAt,
        finishedAt: new Date(),
        error: run.error
      })
      return generation
    })
    .immediate()
