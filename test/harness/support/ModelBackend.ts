import { Effect, Either } from "effect"
import { emptyStats, runConnector, type SyncStats, statusOf } from "parallax-connect"
import type { HarnessBackend, StoredRow, StoredRun, SyncOutcome } from "../../../harness/Backend.ts"

/**
 * Bugs a store can have. Each one breaks exactly the invariant a harness property guards, so the
 * harness's own tests can show that property failing (DESIGN §7: "for every property there is a
 * deliberately broken connector that must make it fail").
 */
export interface ModelBugs {
  /** Deletes by connector only, not by scope: other accounts of the same connector lose rows (C02). */
  readonly scopeByConnectorOnly?: boolean
  /** Deletes unemitted rows whatever became of the step that owned them (C07). */
  readonly deleteFailedSteps?: boolean
  /** Applies the change set write by write, outside any transaction (C01). */
  readonly nonAtomic?: boolean
  /** Never deletes anything (C09). */
  readonly noDeletes?: boolean
  /** Rewrites every emitted row, changed or not (C08). */
  readonly rewriteUnchanged?: boolean
  /**
   * Keeps the rows of failed, timed-out and skipped steps only, as a store that lists those statuses
   * would: steps disabled by config or not selected lose their rows as if they had emitted nothing (C07).
   */
  readonly deleteLeftOutSteps?: boolean
}

const keyOf = (row: { kind: string; connector: string; account: string; id: string }) =>
  `${row.connector}\u0000${row.account}\u0000${row.kind}\u0000${row.id}`

/**
 * A reference model of the store and commit of DESIGN §6, in memory: collection is the real SDK
 * (`runConnector`), the commit is a few lines of set arithmetic, optionally with one of `bugs`.
 */
export const modelBackend = (bugs: ModelBugs = {}): HarnessBackend => ({
  name: "model",
  volatileFields: ["syncId"],
  open: Effect.sync(() => {
    let rows = new Map<string, StoredRow>()
    let runs: Array<StoredRun> = []
    const generations = new Map<string, number>()
    return {
      dump: Effect.sync(() => ({
        rows: [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row),
        runs: [...runs]
      })),
      sync: (connector, options) =>
        Effect.gen(function* () {
          const { account } = options
          const run = yield* Effect.either(
            runConnector(connector, {
              account,
              config: options.config,
              ...(options.layer === undefined ? {} : { layer: options.layer }),
              ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
              ...(options.steps === undefined ? {} : { steps: options.steps }),
              ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent })
            })
          )
          if (Either.isLeft(run)) {
            // Like `sync`: a run that could not collect fails (discovery failures get a failed run record).
            if (run.left._tag !== "ConfigInvalid") {
              runs = [
                ...runs,
                { connector: connector.name, account, raw: { status: "failed", error: run.left.message } }
              ]
            }
            return { _tag: "Aborted", error: run.left, message: run.left.message } satisfies SyncOutcome
          }
          const scope = `${connector.name}\u0000${account}`
          const generation = (generations.get(scope) ?? 0) + 1
          const stats: Record<keyof SyncStats, number> = { ...emptyStats }
          const writes: Array<(state: Map<string, StoredRow>) => void> = []
          let status: "succeeded" | "partial" | "failed" = "failed"
          if (Either.isRight(run)) {
            const output = run.right
            const succeeded = new Set(output.steps.filter((s) => s.status === "succeeded").map((s) => s.id))
            status = statusOf(output.steps) === "succeeded" ? "succeeded" : "partial"
            const replaced = bugs.deleteLeftOutSteps
              ? new Set(
                  output.steps.filter((s) => !["failed", "timed_out", "skipped"].includes(s.status)).map((s) => s.id)
                )
              : succeeded
            const emitted = new Set<string>()
            const records = [
              ...output.entities.map((record) => ({ kind: "entity" as const, record })),
              ...output.relationships.map((record) => ({ kind: "relationship" as const, record }))
            ]
            for (const { kind, record } of records) {
              const noun = kind === "entity" ? "entities" : "relationships"
              const row: StoredRow = {
                kind,
                connector: connector.name,
                account,
                id: record.id,
                step: record.step,
                hash: record.hash,
                generation,
                raw: { ...record, connector: connector.name, account, generation, syncId: crypto.randomUUID() }
              }
              const key = keyOf(row)
              emitted.add(record.id)
              const existing = rows.get(key)
              if (existing === undefined) stats[`${noun}Created`]++
              else if (existing.hash !== row.hash || existing.step !== row.step || bugs.rewriteUnchanged) {
                stats[`${noun}Updated`]++
              } else {
                stats[`${noun}Unchanged`]++
                continue
              }
              writes.push((state) => state.set(key, row))
            }
            for (const [key, row] of rows) {
              const mine = row.connector === connector.name && (row.account === account || bugs.scopeByConnectorOnly)
              if (!mine || emitted.has(row.id) || bugs.noDeletes) continue
              if (!replaced.has(row.step) && !bugs.deleteFailedSteps) continue
              stats[row.kind === "entity" ? "entitiesDeleted" : "relationshipsDeleted"]++
              writes.push((state) => state.delete(key))
            }
          }
          const runRow: StoredRun = { connector: connector.name, account, raw: { generation, status, stats } }
          const apply = (): SyncOutcome => {
            const state = bugs.nonAtomic ? rows : new Map(rows)
            writes.forEach((write, index) => {
              options.beforeWrite?.(index)
              write(state)
            })
            options.beforeWrite?.(writes.length)
            rows = state
            runs = [...runs, runRow]
            generations.set(scope, generation)
            const now = new Date()
            return {
              _tag: "Committed",
              result: {
                connector: connector.name,
                account,
                syncId: crypto.randomUUID(),
                generation,
                status,
                dryRun: false,
                stats,
                steps: Either.isRight(run) ? run.right.steps : [],
                warnings: [],
                startedAt: now,
                finishedAt: now,
                durationMs: 0
              }
            }
          }
          return yield* Effect.try({ try: apply, catch: (error) => error }).pipe(
            Effect.catchAll((error) => Effect.succeed<SyncOutcome>({ _tag: "Aborted", error, message: String(error) }))
          )
        })
    }
  })
})
