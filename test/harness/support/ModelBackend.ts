import { storeBackend } from "parallax-connect/harness"
import { MemoryStore, type Mutant } from "parallax-connect/runtime"
import type { HarnessBackend } from "../../../harness/Backend.ts"

/**
 * Bugs a store can have. Each one breaks exactly the invariant a harness property guards, so the
 * harness's own tests can show that property failing (DESIGN §7: "for every property there is a
 * deliberately broken connector that must make it fail").
 */
export interface ModelBugs {
  /** Deletes across scopes: other accounts of the same connector lose rows (C02). */
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

const mutantOf = (bugs: ModelBugs): Mutant | undefined =>
  bugs.scopeByConnectorOnly
    ? "cross-scope-delete"
    : bugs.deleteFailedSteps
      ? "delete-failed-steps"
      : bugs.nonAtomic
        ? "non-atomic"
        : bugs.noDeletes
          ? "no-deletes"
          : bugs.rewriteUnchanged
            ? "rewrite-unchanged"
            : bugs.deleteLeftOutSteps
              ? "delete-left-out-steps"
              : undefined

/**
 * The memory store (the real commit core over the memory driver) as a harness backend, optionally with
 * one of `bugs`: fast trials for the harness's own tests, with no rules of its own.
 */
export const modelBackend = (bugs: ModelBugs = {}): HarnessBackend => {
  const mutant = mutantOf(bugs)
  return storeBackend(mutant === undefined ? "memory" : `memory (${mutant})`, ({ testing }) =>
    MemoryStore.layerWith({ testing: mutant === undefined ? testing : { ...testing, mutant }, lockTimeoutMs: 5_000 })
  )
}
