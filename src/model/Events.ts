import type { ConnectorError } from "./Errors.ts"
import type { NotRunStatus, StepOutcome, SyncStats, SyncStatus } from "./Outcome.ts"

export { LEFT_OUT, type NotRunStatus, type StepOutcome, type StepStatus, type WarningSummary } from "./Outcome.ts"

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
  | {
      /**
       * A running step's counts so far: sent while it emits, at most every `STEP_PROGRESS_INTERVAL_MS` per
       * step (from the emit itself, so it comes even from a loop that never gives the event loop a turn).
       */
      readonly _tag: "StepProgress"
      readonly step: string
      readonly entities: number
      readonly relationships: number
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
      /**
       * Where the commit is: `staging` (sealing what was emitted), `checking` (referential integrity,
       * C04), `diff` (the batch against the scope's committed rows), `writing` (`done` of `total` rows
       * written, sent before each write and when all are done), `committing` (the transaction's end).
       */
      readonly _tag: "CommitProgress"
      readonly phase: CommitPhase
      readonly done: number
      readonly total: number
    }
  | {
      readonly _tag: "SyncCommitted"
      readonly syncId: string
      readonly generation: number
      readonly status: SyncStatus
      readonly dryRun: boolean
      readonly stats: SyncStats
    }

/** The phases of a commit, in order (`CommitProgress`). */
export type CommitPhase = "staging" | "checking" | "diff" | "writing" | "committing"

/** How often, at most, a running step's counts are sent (`StepProgress`), per step. */
export const STEP_PROGRESS_INTERVAL_MS = 100

/** Receives events as they happen. */
export type EventSink = (event: SyncEvent) => void
