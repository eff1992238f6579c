import type { Effect, Layer, Scope } from "effect"
import type { Connector, ConnectorError, EventSink } from "parallax-connect"
import type { SyncResult } from "parallax-connect/runtime"

/**
 * What the harness needs from a store: open a fresh one, sync connectors into it (with commit faults
 * injected on demand) and read it back as a deterministic logical dump. The default backend is the
 * embedded SQLite store in a temporary directory; the harness's own tests also run it against broken
 * variants to prove that every property catches the bug it guards against.
 */
export interface HarnessBackend {
  readonly name: string
  /** Row fields that legitimately differ between two stores holding the same data (first-seen times, sync ids). */
  readonly volatileFields: ReadonlyArray<string>
  /** A fresh, empty store, closed and deleted when the scope closes. */
  readonly open: Effect.Effect<TrialStore, never, Scope.Scope>
}

/** How the harness syncs a connector into a trial store. */
export interface TrialSyncOptions<R> {
  readonly account: string
  readonly config: unknown
  readonly layer?: Layer.Layer<R, ConnectorError> | undefined
  readonly concurrency?: number | undefined
  /** Only these steps (and their dependencies) run; none: every step. */
  readonly steps?: ReadonlyArray<string> | undefined
  readonly onEvent?: EventSink | undefined
  /** Called before each write of the commit with its index; throwing from it is an injected commit fault. */
  readonly beforeWrite?: ((index: number) => void) | undefined
}

/** What a sync did: committed (succeeded, partial or failed run), or could not complete at all. */
export type SyncOutcome =
  | { readonly _tag: "Committed"; readonly result: SyncResult }
  | { readonly _tag: "Aborted"; readonly error: unknown; readonly message: string }

/** One fresh store for one trial. */
export interface TrialStore {
  // biome-ignore lint/suspicious/noExplicitAny: connectors of any config type may be synced
  readonly sync: <R>(connector: Connector<any, R>, options: TrialSyncOptions<R>) => Effect.Effect<SyncOutcome>
  readonly dump: Effect.Effect<StoreDump>
}

/** One stored entity or relationship row, with the columns every property looks at and the whole row. */
export interface StoredRow {
  readonly kind: "entity" | "relationship"
  readonly connector: string
  readonly account: string
  readonly id: string
  readonly step: string
  readonly hash: string
  readonly generation: number
  /** Every stored field, for byte-for-byte comparison. */
  readonly raw: Readonly<Record<string, unknown>>
}

/** One recorded run. */
export interface StoredRun {
  readonly connector: string
  readonly account: string
  readonly raw: Readonly<Record<string, unknown>>
}

/** The whole store as data, in a deterministic order. */
export interface StoreDump {
  readonly rows: ReadonlyArray<StoredRow>
  readonly runs: ReadonlyArray<StoredRun>
}
