import type { SyncStats, SyncStatus } from "../model/Outcome.ts"
import type { RunRecord, RunStep, StoreStats, TypeCount, Write } from "../sync/Store.ts"
import type { Row } from "./Merged.ts"

/**
 * What the SQL drivers' `stats` and `history` share once their queries have run: the same columns
 * (`run_steps`, `runs` joined with `scopes`, counts by scope and type) made into the store's records.
 */

/** `stats` from the scopes (`connector, account, generation, last_at, last_status`) and counts by type. */
export const storeStats = (scopes: ReadonlyArray<Row>, typeRows: ReadonlyArray<Row>): StoreStats => {
  const types = typeRows.map(
    (row): TypeCount => ({
      connector: row.connector as string,
      account: row.account as string,
      kind: row.kind as TypeCount["kind"],
      type: row.type as string,
      count: Number(row.count)
    })
  )
  const totals = new Map<string, { entity: number; relationship: number }>()
  for (const type of types) {
    const key = JSON.stringify([type.connector, type.account])
    const total = totals.get(key) ?? { entity: 0, relationship: 0 }
    total[type.kind] += type.count
    totals.set(key, total)
  }
  return {
    scopes: scopes.map((row) => {
      const total = totals.get(JSON.stringify([row.connector, row.account]))
      return {
        connector: row.connector as string,
        account: row.account as string,
        generation: Number(row.generation),
        entities: total?.entity ?? 0,
        relationships: total?.relationship ?? 0,
        ...(row.last_at === null ? {} : { lastSyncAt: new Date(row.last_at as number) }),
        ...(row.last_status === null ? {} : { lastStatus: row.last_status as SyncStatus })
      }
    }),
    types
  }
}

/** A row of `run_steps`. */
export const runStepOf = (row: Row): RunStep => ({
  id: row.step as string,
  status: row.status as RunStep["status"],
  entities: row.entities as number,
  relationships: row.relationships as number,
  duplicates: row.duplicates as number,
  attempts: row.attempts as number,
  durationMs: Number(row.duration_ms),
  ...(row.error === null ? {} : { error: row.error as string }),
  ...(row.skipped_because === null ? {} : { skippedBecause: row.skipped_because as string })
})

/** A row of `runs` joined with its scope's `connector` and `account`, with its steps. */
export const runOf = (row: Row, steps: ReadonlyArray<RunStep>): RunRecord => ({
  connector: row.connector as string,
  account: row.account as string,
  syncId: row.sync_id as string,
  generation: row.generation as number,
  status: row.status as SyncStatus,
  stats: JSON.parse(row.stats as string) as SyncStats,
  steps,
  startedAt: new Date(row.started_at as number),
  finishedAt: new Date(row.finished_at as number),
  ...(row.error === null ? {} : { error: row.error as string })
})

/** The columns of `run_steps`, in the order of `runStepValues`. */
export const RUN_STEP_COLUMNS =
  "run_id, ordinal, step, status, entities, relationships, duplicates, attempts, duration_ms, error, skipped_because"

/** The values of a `RunStep` write's row of `run_steps` (durations in whole milliseconds). */
export const runStepValues = (
  runId: number,
  write: Extract<Write, { _tag: "RunStep" }>
): Array<string | number | null> => {
  const { step } = write
  return [
    runId,
    write.ordinal,
    step.id,
    step.status,
    step.entities,
    step.relationships,
    step.duplicates,
    step.attempts,
    Math.round(step.durationMs),
    step.error ?? null,
    step.skippedBecause ?? null
  ]
}
