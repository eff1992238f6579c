import type { StepOutcome } from "parallax-connect"

const DEPENDENCY_MISSING = [
  "a step emits relationships to entities that another step emits without depending on it:",
  "declare the dependency (dependsOn) so that its relationships wait for, and fail with, that step"
]
const ENDPOINT_MISSING = [
  "a step emits a relationship to an entity that no step of this sync emits and the store does not hold:",
  "emit the endpoint too, or do not emit the relationship (or mark an edge into another account with `.toAccount(...)`)"
]

/** The steps that failed with `MissingEndpoints` (C04: an edge whose endpoint is nowhere). */
export const missingEndpoints = (steps: ReadonlyArray<StepOutcome>): ReadonlyArray<StepOutcome> =>
  steps.filter((step) => step.status === "failed" && step.error?._tag === "MissingEndpoints")

/**
 * What to tell the author about steps that failed for referential integrity (C04), by cause: an entity
 * of a step that failed, when steps were made to fail (`faults`: a dependency not declared); an
 * endpoint that no step emits at all otherwise. Empty when no step failed so.
 */
export const integrityHint = (steps: ReadonlyArray<StepOutcome>, faults: boolean): ReadonlyArray<string> =>
  missingEndpoints(steps).length === 0 ? [] : faults ? DEPENDENCY_MISSING : ENDPOINT_MISSING
