import type { ConnectorError } from "../Errors.ts"
import type { ValidationWarning } from "../model/Records.ts"
import type { SyncStats, SyncStatus } from "../sync/SyncResult.ts"

/**
 * How a step ended. Only `succeeded` replaces the rows the step owned; after any other status they are
 * kept as they were (C07): `failed`, `timed_out`; `skipped` (a dependency did not succeed); `disabled`
 * (by config, `enabledWhen`, or a dependency is disabled); `not_selected` (`--step` asked for others).
 */
export type StepStatus = "succeeded" | "failed" | "timed_out" | "skipped" | "disabled" | "not_selected"

/** The statuses of a step that did not run: a dependency did not succeed, disabled by config, or not selected. */
export type NotRunStatus = "skipped" | "disabled" | "not_selected"

/** Statuses that do not make a sync `partial`: the step was left out on purpose (config or `--step`). */
export const LEFT_OUT: ReadonlySet<StepStatus> = new Set<StepStatus>(["disabled", "not_selected"])

/** The outcome of one step in a run. */
export interface StepOutcome {
  readonly id: string
  readonly status: StepStatus
  readonly entities: number
  readonly relationships: number
  /** Identical re-emits of objects already staged in this sync (by this step or another): kept once, counted here. */
  readonly duplicates: number
  readonly attempts: number
  readonly durationMs: number
  /** Why it failed or timed out. */
  readonly error?: ConnectorError
  /** Why it did not run: the dependency that did not succeed, the reason it is disabled, or not selected. */
  readonly skippedBecause?: string
}

/**
 * The warnings of one kind a run raised: same step, same message (unknown class or verb outside strict
 * mode), counted, with the first few subjects. `subject` is the first of them.
 */
export interface WarningSummary extends ValidationWarning {
  /** How many emits raised this warning. */
  readonly count: number
  /** The first subjects that raised it (a few at most). */
  readonly samples: ReadonlyArray<string>
}

/** What happens during a run, in order, as the CLI renders it and as JSON logs carry it (DESIGN §5). */
export type SyncEvent =
  | { readonly _tag: "SyncStarted"; readonly connector: string; readonly account: string; readonly syncId: string }
  | { readonly _tag: "StepStarted"; readonly step: string; readonly attempt: number }
  | {
      readonly _tag: "StepCompleted"
      readonly step: string
      readonly entities: number
      readonly relationships: number
      readonly durationMs: number
    }
  | { readonly _tag: "StepFailed"; readonly step: string; readonly error: ConnectorError; readonly durationMs: number }
  | {
      readonly _tag: "StepSkipped"
      readonly step: string
      /** `skipped`, `disabled` or `not_selected`. */
      readonly status: NotRunStatus
      readonly because: string
    }
  | {
      readonly _tag: "StepRetrying"
      readonly step: string
      readonly attempt: number
      readonly delayMs: number
      readonly error: ConnectorError
    }
  | { readonly _tag: "SyncFinished"; readonly syncId: string; readonly steps: ReadonlyArray<StepOutcome> }
  | {
      readonly _tag: "SyncCommitted"
      readonly syncId: string
      readonly generation: number
      readonly status: SyncStatus
      readonly dryRun: boolean
      readonly stats: SyncStats
    }

/** Receives events as they happen. */
export type EventSink = (event: SyncEvent) => void
