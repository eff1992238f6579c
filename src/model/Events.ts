import type { ConnectorError } from "./Errors.ts"
import type { SyncStats, SyncStatus } from "./Outcome.ts"
import type { ValidationWarning } from "./Records.ts"

/** How a step ended. */
export type StepStatus = "succeeded" | "failed" | "timed_out" | "skipped"

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
  /** Why it was skipped: the dependency that did not succeed. */
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
  | { readonly _tag: "StepSkipped"; readonly step: string; readonly because: string }
  | {
      readonly _tag: "StepRetrying"
      readonly step: string
      readonly attempt: number
      readonly delayMs: number
      readonly error: ConnectorError
    }
  | { readonly _tag: "SyncFinished"; readonly syncId: string; readonly steps: ReadonlyArray<StepOutcome> }
  | {
      /** The scope is locked by another sync: this one waits, up to `timeoutMs`. */
      readonly _tag: "ScopeLockWaiting"
      readonly connector: string
      readonly account: string
      readonly holder: string
      readonly timeoutMs: number
    }
  | {
      /** The sync failed (nothing committed); its run was recorded under `generation` (`null`: not recorded). */
      readonly _tag: "SyncFailed"
      readonly syncId: string
      readonly generation: number | null
      readonly error: string
    }
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
