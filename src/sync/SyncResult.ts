import type { StepOutcome, WarningSummary } from "../scheduler/Events.ts"

/** The change a sync made (or, in a dry run, would make) to its scope; equal to the store's difference (C11). */
export interface SyncStats {
  readonly entitiesCreated: number
  readonly entitiesUpdated: number
  readonly entitiesUnchanged: number
  readonly entitiesDeleted: number
  readonly relationshipsCreated: number
  readonly relationshipsUpdated: number
  readonly relationshipsUnchanged: number
  readonly relationshipsDeleted: number
}

/** `succeeded`: every step succeeded; `partial`: some did not and their rows were kept; `failed`: nothing committed. */
export type SyncStatus = "succeeded" | "partial" | "failed"

/** What `commitSync` and `sync` return. */
export interface SyncResult {
  readonly connector: string
  readonly account: string
  readonly syncId: string
  /** The scope's generation this sync wrote (strictly increasing per scope). */
  readonly generation: number
  readonly status: SyncStatus
  readonly dryRun: boolean
  readonly stats: SyncStats
  readonly steps: ReadonlyArray<StepOutcome>
  /** Warnings counted by step and message, with a few sample subjects each (bounded whatever the sync's size). */
  readonly warnings: ReadonlyArray<WarningSummary>
  readonly startedAt: Date
  readonly finishedAt: Date
  readonly durationMs: number
}

export const emptyStats: SyncStats = {
  entitiesCreated: 0,
  entitiesUpdated: 0,
  entitiesUnchanged: 0,
  entitiesDeleted: 0,
  relationshipsCreated: 0,
  relationshipsUpdated: 0,
  relationshipsUnchanged: 0,
  relationshipsDeleted: 0
}
