import type { ConnectorError } from "./Errors.ts"
import type { ValidationWarning } from "./Records.ts"

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

/** An entity as a preview names it. */
export interface EntityRef {
  readonly type: string
  readonly key: string
}

/** A relationship as a preview names it: its endpoints, and its key and target account when it has them. */
export interface RelationshipRef {
  readonly verb: string
  readonly from: EntityRef
  readonly to: EntityRef
  readonly toAccount?: string
  readonly key?: string
}

/** How many rows one kind of change touches, and the first few of them (at most {@link PREVIEW_ITEMS}). */
export interface PreviewList<A> {
  readonly total: number
  readonly items: ReadonlyArray<A>
}

/** What a dry run would create, update and delete of one kind. */
export interface KindPreview<A> {
  readonly created: PreviewList<A>
  readonly updated: PreviewList<A>
  readonly deleted: PreviewList<A>
}

/**
 * What a dry run would change, as a bounded sample: totals (equal to the stats) and up to
 * {@link PREVIEW_ITEMS} items of each list, those with the smallest ids, in id order (the same whichever
 * way concurrent steps interleaved their emits): a sample, not a sorted listing.
 */
export interface SyncPreview {
  readonly entities: KindPreview<EntityRef>
  readonly relationships: KindPreview<RelationshipRef>
}

/** How many items each list of a {@link SyncPreview} holds at most. */
export const PREVIEW_ITEMS = 20

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
  /** A dry run's sample of what would change (absent for a sync that committed). */
  readonly preview?: SyncPreview
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
