import { Effect } from "effect"
import { type CommitPhase, type EventSink, LEFT_OUT, type StepOutcome } from "../model/Events.ts"
import { emptyStats, type SyncPreview, type SyncStats, type SyncStatus } from "../model/Outcome.ts"
import { checkEdges } from "./Edges.ts"
import type { RunStep } from "./Graph.ts"
import { type CommitPlan, planCommit } from "./Plan.ts"
import { preview } from "./Preview.ts"
import type {
  ReadSession,
  ReadTransaction,
  ScopeRef,
  ScopeState,
  StoreTesting,
  Write,
  WriteSession,
  WriteTransaction
} from "./Store.ts"
import { MassDeletion, type ScopeLocked, StoreError, type StoreFailure } from "./StoreErrors.ts"
import { KINDS } from "./staging/Spill.ts"
import type { CoreStaging } from "./staging/Staging.ts"

/** The mass-deletion guard (C13): refuse a commit deleting more than `maxShare` of a scope's rows. */
export interface MassDeletionPolicy {
  /** Largest share (0..1) of the scope's committed rows one sync may delete; default 0.5. */
  readonly maxShare: number
  /** Scopes with fewer committed rows than this are never guarded; default 20. */
  readonly minRows: number
  /** Commit anyway. */
  readonly force: boolean
}

export const defaultMassDeletion: MassDeletionPolicy = { maxShare: 0.5, minRows: 20, force: false }

/** What a commit needs besides the staged objects. */
export interface CommitRequest {
  readonly syncId: string
  readonly steps: ReadonlyArray<StepOutcome>
  readonly startedAt: Date
  readonly massDeletion: MassDeletionPolicy
  /** Receives the commit's `CommitProgress` events. */
  readonly onEvent?: EventSink
}

/** What a commit did (or, for a dry run, would do). */
export interface CommitOutcome {
  /** The generation written (a dry run: the one a commit would have written). */
  readonly generation: number
  readonly status: SyncStatus
  /** The steps' outcomes, with the steps C04 failed at the commit. */
  readonly steps: ReadonlyArray<StepOutcome>
  readonly stats: SyncStats
  readonly finishedAt: Date
  /** A dry run only: a bounded sample of the rows it would create, update and delete. */
  readonly preview?: SyncPreview
}

/** A run that ended before anything could be committed: recorded in the history, rows untouched. */
export interface FailedRun {
  readonly syncId: string
  readonly steps: ReadonlyArray<StepOutcome>
  readonly startedAt: Date
  readonly error: string
}

/**
 * The status of a run from its step outcomes, counting only the steps meant to run (a step disabled by
 * config or not selected was left out on purpose): each of those succeeded: `succeeded`; none did (and
 * there were some): `failed`, with nothing deleted or changed; otherwise `partial`. The rows of every step
 * that did not succeed are kept as they were (C07).
 */
export const statusOf = (steps: ReadonlyArray<StepOutcome>): SyncStatus => {
  const meant = steps.filter((step) => !LEFT_OUT.has(step.status))
  const succeeded = meant.filter((step) => step.status === "succeeded").length
  if (succeeded === meant.length) return "succeeded"
  return succeeded === 0 ? "failed" : "partial"
}

/** Steps whose rows a commit keeps (C07): every step that did not succeed (also those left out on purpose). */
const keeper =
  (testing: StoreTesting) =>
  (steps: ReadonlyArray<StepOutcome>): ReadonlySet<string> =>
    new Set(
      testing.mutant === "delete-failed-steps"
        ? []
        : steps
            .filter((step) => step.status !== "succeeded")
            .filter((step) => testing.mutant !== "delete-left-out-steps" || !LEFT_OUT.has(step.status))
            .map((step) => step.id)
    )

const statsOf = (plan: CommitPlan): SyncStats => {
  const [entities, relationships] = plan.kinds
  return {
    entitiesCreated: entities.counts.created,
    entitiesUpdated: entities.counts.updated,
    entitiesUnchanged: entities.counts.unchanged,
    entitiesDeleted: entities.counts.deleted,
    relationshipsCreated: relationships.counts.created,
    relationshipsUpdated: relationships.counts.updated,
    relationshipsUnchanged: relationships.counts.unchanged,
    relationshipsDeleted: relationships.counts.deleted
  }
}

/** The mass-deletion guard (C13). */
const guard = (scope: ScopeRef, state: ScopeState, stats: SyncStats, policy: MassDeletionPolicy) => {
  const deleting = stats.entitiesDeleted + stats.relationshipsDeleted
  const existing = state.rows[0] + state.rows[1]
  if (deleting === 0 || policy.force || existing < policy.minRows || deleting <= policy.maxShare * existing) {
    return Effect.void
  }
  return Effect.fail(
    new MassDeletion({
      connector: scope.connector,
      account: scope.account,
      wouldDelete: deleting,
      existing,
      maxShare: policy.maxShare
    })
  )
}

/** Sends a `CommitProgress` event for `request`. */
const progressOf =
  (request: CommitRequest) =>
  (phase: CommitPhase, done: number, total: number): Effect.Effect<void> =>
    Effect.sync(() => request.onEvent?.({ _tag: "CommitProgress", phase, done, total }))

/** How many rows a write touches (what `writing` progress counts). */
const rowsOf = (staging: CoreStaging, write: Write): number => {
  switch (write._tag) {
    case "Delete":
    case "Locality":
      return write.ids.length
    case "Update":
    case "Insert":
      return write.rows === "all" ? staging.kinds[write.kind].rows : write.rows.length
    default:
      return 0
  }
}

/** Times the phases of a commit for `onPhase` (benchmarks). */
const phases = (testing: StoreTesting) => {
  let clock = performance.now()
  return (name: string) =>
    Effect.sync(() => {
      if (testing.onPhase === undefined) return
      const now = performance.now()
      testing.onPhase(name, now - clock)
      clock = now
    })
}

interface Prepared {
  readonly state: ScopeState
  readonly plan: CommitPlan
  readonly steps: ReadonlyArray<StepOutcome>
  readonly stats: SyncStats
  /** Spill rows of staged relationships with an endpoint outside the batch: written not local. */
  readonly nonLocal: ReadonlySet<number>
}

/** C04, the state, the plan and the guard: everything a commit decides before it writes. */
const prepare = (
  tx: ReadTransaction,
  scope: ScopeRef,
  staging: CoreStaging,
  request: CommitRequest,
  testing: StoreTesting,
  phase: (name: string) => Effect.Effect<void>
): Effect.Effect<Prepared, MassDeletion | StoreFailure> =>
  Effect.gen(function* () {
    const keptOf = keeper(testing)
    const progress = progressOf(request)
    const staged = staging.kinds[0].rows + staging.kinds[1].rows
    yield* progress("checking", 0, staged)
    const checked = yield* checkEdges(tx, staging, request.steps, keptOf)
    yield* phase("referential integrity")
    yield* progress("diff", 0, staged)
    const state = yield* tx.state
    const plan = yield* planCommit(tx, state, staging.kinds, keptOf(checked.steps), checked.nonLocal, testing)
    yield* phase(`plan ${plan.plan}`)
    const stats = statsOf(plan)
    yield* guard(scope, state, stats, request.massDeletion)
    return { state, plan, steps: checked.steps, stats, nonLocal: checked.nonLocal }
  })

const runStepOf = (step: StepOutcome): RunStep => ({
  id: step.id,
  status: step.status,
  entities: step.entities,
  relationships: step.relationships,
  duplicates: step.duplicates,
  attempts: step.attempts,
  durationMs: Math.round(step.durationMs),
  ...(step.error === undefined ? {} : { error: step.error.message }),
  ...(step.skippedBecause === undefined ? {} : { skippedBecause: step.skippedBecause })
})

const KIND_NAMES = ["entities", "relationships"] as const

/**
 * The writes of a commit, in order: the generation, then for entities and then relationships the
 * deletes, updates and inserts that have work, the changes of locality, the per-step checksums, the
 * run record and one write per step outcome. Their indices are the fault points (`beforeWrite`).
 */
const writesOf = (prepared: Prepared, run: Write & { _tag: "Run" }) => {
  const { nonLocal } = prepared
  const writes: Array<Write> = [{ _tag: "Generation", generation: prepared.state.generation + 1 }]
  for (const kind of KINDS) {
    const plan = prepared.plan.kinds[kind]
    if (plan.deletes.length > 0) writes.push({ _tag: "Delete", kind, ids: plan.deletes })
    if (plan.updates.length > 0) writes.push({ _tag: "Update", kind, rows: plan.updates, nonLocal })
    if (plan.inserts === "all" || plan.inserts.length > 0) {
      writes.push({ _tag: "Insert", kind, rows: plan.inserts, nonLocal })
    }
  }
  const relationships = prepared.plan.kinds[1]
  if (relationships.nonLocal.length > 0) writes.push({ _tag: "Locality", ids: relationships.nonLocal, local: false })
  if (relationships.local.length > 0) writes.push({ _tag: "Locality", ids: relationships.local, local: true })
  if (prepared.plan.digests !== undefined) writes.push({ _tag: "Digests", digests: prepared.plan.digests })
  writes.push(run)
  for (const [ordinal, step] of prepared.steps.entries()) {
    writes.push({ _tag: "RunStep", ordinal, step: runStepOf(step) })
  }
  return writes
}

const describeWrite = (write: Write): string =>
  "kind" in write ? `${write._tag} ${KIND_NAMES[write.kind]}` : write._tag

/**
 * Applies `writes` in order, each after its fault point, yielding between them (Ctrl-C stops there).
 * `rows` counts each write's rows, for `progress` (`writing`, then `committing` when all are written).
 */
const apply = (
  tx: WriteTransaction,
  writes: ReadonlyArray<Write>,
  location: string,
  testing: StoreTesting,
  phase: (name: string) => Effect.Effect<void>,
  rows: (write: Write) => number = () => 0,
  progress: (phase: CommitPhase, done: number, total: number) => Effect.Effect<void> = () => Effect.void
) =>
  Effect.suspend(() => {
    const total = writes.reduce((sum, write) => sum + rows(write), 0)
    let done = 0
    return Effect.forEach(
      writes,
      (write, index) =>
        Effect.try({
          try: () => testing.beforeWrite?.(index),
          catch: (cause) => new StoreError({ operation: "commit", location, cause })
        }).pipe(
          Effect.zipRight(rows(write) > 0 ? progress("writing", done, total) : Effect.void),
          Effect.zipRight(tx.write(write)),
          Effect.zipRight(phase(describeWrite(write))),
          Effect.zipRight(
            Effect.sync(() => {
              done += rows(write)
            })
          ),
          Effect.zipRight(Effect.yieldNow())
        ),
      { discard: true }
    ).pipe(Effect.zipRight(progress("writing", total, total)), Effect.zipRight(progress("committing", total, total)))
  })

/**
 * Commits what `staging` holds (sealed) into the session's scope, in one write transaction: C04 (steps
 * with missing endpoints fail, their rows kept), the plan, the mass-deletion guard, then the writes
 * with the run record. Fails with `MassDeletion` (nothing written), `ScopeLocked` or the store's error.
 */
export const commit = (
  session: WriteSession,
  staging: CoreStaging,
  request: CommitRequest,
  location: string,
  testing: StoreTesting = {}
): Effect.Effect<CommitOutcome, MassDeletion | ScopeLocked | StoreFailure> =>
  session.write(staging.spill, (tx) =>
    Effect.gen(function* () {
      const phase = phases(testing)
      const prepared = yield* prepare(tx, session.scope, staging, request, testing, phase)
      const status = statusOf(prepared.steps)
      const finishedAt = new Date()
      const run: Write & { _tag: "Run" } = {
        _tag: "Run",
        run: {
          syncId: request.syncId,
          status,
          stats: prepared.stats,
          startedAt: request.startedAt,
          finishedAt,
          error: undefined
        }
      }
      staging.rest()
      const rows = (write: Write) => rowsOf(staging, write)
      yield* apply(tx, writesOf(prepared, run), location, testing, phase, rows, progressOf(request))
      return {
        generation: prepared.state.generation + 1,
        status,
        steps: prepared.steps,
        stats: prepared.stats,
        finishedAt
      }
    })
  )

/** What `commit` would do, computed in a read transaction, with a preview; nothing is written. */
export const dryRun = (
  session: ReadSession,
  staging: CoreStaging,
  request: CommitRequest,
  testing: StoreTesting = {}
): Effect.Effect<CommitOutcome, MassDeletion | StoreFailure> =>
  session.read(staging.spill, (tx) =>
    Effect.gen(function* () {
      const prepared = yield* prepare(tx, session.scope, staging, request, testing, phases(testing))
      const sample = yield* preview(tx, prepared.plan, staging.kinds, staging.spill)
      return {
        generation: prepared.state.generation + 1,
        status: statusOf(prepared.steps),
        steps: prepared.steps,
        stats: prepared.stats,
        finishedAt: new Date(),
        preview: sample
      }
    })
  )

/**
 * Records a run that failed before committing: a new generation and the run record, no row touched, in
 * one write transaction whose writes are numbered from 0 again (the generation, the run, one per step).
 */
export const recordFailure = (
  session: WriteSession,
  run: FailedRun,
  location: string,
  testing: StoreTesting = {}
): Effect.Effect<number, ScopeLocked | StoreFailure> =>
  session.write(undefined, (tx) =>
    Effect.gen(function* () {
      const state = yield* tx.state
      const generation = state.generation + 1
      const writes: Array<Write> = [
        { _tag: "Generation", generation },
        {
          _tag: "Run",
          run: {
            syncId: run.syncId,
            status: "failed",
            stats: emptyStats,
            startedAt: run.startedAt,
            finishedAt: new Date(),
            error: run.error
          }
        },
        ...run.steps.map((step, ordinal): Write => ({ _tag: "RunStep", ordinal, step: runStepOf(step) }))
      ]
      yield* apply(tx, writes, location, testing, () => Effect.void)
      return generation
    })
  )
