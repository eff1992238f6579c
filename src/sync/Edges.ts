import { Effect } from "effect"
import { MissingEndpoint, MissingEndpoints } from "../model/Errors.ts"
import type { StepOutcome } from "../model/Events.ts"
import { toHex } from "../model/Ids.ts"
import type { ReadTransaction } from "./Store.ts"
import type { StoreFailure } from "./StoreErrors.ts"
import type { CoreStaging, OpenEdge } from "./staging/Staging.ts"

/** How many offending relationships a step's `MissingEndpoints` names. */
export const OFFENDERS = 20

/** What C04 leaves of a batch: the steps (some now failed), and the staged edges that are not local. */
export interface CheckedEdges {
  readonly steps: ReadonlyArray<StepOutcome>
  /** Spill rows of staged relationships with an endpoint outside the batch (allowed): written not local. */
  readonly nonLocal: ReadonlySet<number>
}

const subjectOf = (edge: {
  readonly verb: string
  readonly fromType: string
  readonly fromKey: string
  readonly toType: string
  readonly toKey: string
  readonly toAccount?: string
}) =>
  `relationship ${edge.fromType}/${edge.fromKey} -${edge.verb}-> ${edge.toType}/${edge.toKey}${edge.toAccount === undefined ? "" : ` (account ${edge.toAccount})`}`

/**
 * C04, written once for every store: every staged relationship's endpoints must be staged, or exist in
 * the store after this commit (in another scope, or in this scope under a step whose rows it keeps); an
 * edge declared to point into another account (`.toAccount()`) may point at an entity that is not there
 * yet. A step that emitted an edge breaking this fails with `MissingEndpoints` (at most
 * {@link OFFENDERS} named): its staged rows are discarded and its committed rows kept, like any failed
 * step's (C07). Discarding its entities may leave other steps' edges without an endpoint, so the check
 * runs again until no step fails. Only the edges staging noted as open are looked up, in one batch.
 */
export const checkEdges = (
  tx: ReadTransaction,
  staging: CoreStaging,
  initial: ReadonlyArray<StepOutcome>,
  keptOf: (steps: ReadonlyArray<StepOutcome>) => ReadonlySet<string>
): Effect.Effect<CheckedEdges, StoreFailure> =>
  Effect.gen(function* () {
    let steps = initial
    for (;;) {
      const kept = keptOf(steps)
      const open = staging.openEdges()
      const wanted = new Map<string, Uint8Array>()
      for (const edge of open) {
        if (!edge.fromStaged) wanted.set(toHex(edge.fromId), edge.fromId)
        if (!edge.toStaged && !edge.toAccount) wanted.set(toHex(edge.toId), edge.toId)
      }
      const found = new Set(
        wanted.size === 0 ? [] : (yield* tx.existing([...wanted.values()], kept)).map((id) => toHex(id))
      )
      const missing = (edge: OpenEdge): "from" | "to" | undefined =>
        !edge.fromStaged && !found.has(toHex(edge.fromId))
          ? "from"
          : !edge.toStaged && !edge.toAccount && !found.has(toHex(edge.toId))
            ? "to"
            : undefined
      const offending = new Map<string, Array<{ readonly edge: OpenEdge; readonly missing: "from" | "to" }>>()
      for (const edge of open) {
        const side = missing(edge)
        if (side === undefined) continue
        const list = offending.get(edge.step) ?? []
        list.push({ edge, missing: side })
        offending.set(edge.step, list)
      }
      if (offending.size === 0) return { steps, nonLocal: new Set(open.map((edge) => edge.row)) }
      const failures = new Map<string, MissingEndpoints>()
      for (const [step, list] of offending) {
        const named = list.slice(0, OFFENDERS)
        const records = new Map(
          [...staging.spill.relationshipsAt(named.map(({ edge }) => edge.row))].map((row) => [row.row, row.record])
        )
        failures.set(
          step,
          new MissingEndpoints({
            step,
            total: list.length,
            offenders: named.map(({ edge, missing }) => {
              const record = records.get(edge.row)
              return new MissingEndpoint({
                subject: record === undefined ? `relationship at row ${edge.row}` : subjectOf(record),
                missing
              })
            })
          })
        )
      }
      for (const step of failures.keys()) staging.discardStep(step)
      steps = steps.map((outcome) => {
        const error = failures.get(outcome.id)
        return error === undefined
          ? outcome
          : { ...outcome, status: "failed" as const, entities: 0, relationships: 0, error }
      })
    }
  })
