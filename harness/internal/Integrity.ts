import type { SyncOutcome } from "../Backend.ts"

/** One relationship a batch rejected for referential integrity names (a `DanglingEndpoint`). */
interface Dangling {
  readonly subject: string
  readonly missing: string
}

const danglingOf = (error: unknown): ReadonlyArray<Dangling> | undefined => {
  if (typeof error !== "object" || error === null || (error as { _tag?: unknown })._tag !== "ReferentialIntegrity") {
    return undefined
  }
  const offenders = (error as { offenders?: unknown }).offenders
  return Array.isArray(offenders) ? (offenders as ReadonlyArray<Dangling>) : []
}

/** Whether the missing endpoint is a `.toAccount` target (the subject ends with `(account A)`). */
const isCrossAccount = (offender: Dangling): boolean =>
  offender.missing === "to" && / \(account [^)]*\)$/.test(offender.subject)

const TARGET_MISSING = [
  "a relationship's `.toAccount(...)` target must exist in that account when the sync commits (in production",
  "another connector syncs it); the harness seeds every target it has seen the connector emit"
]
const DEPENDENCY_MISSING = [
  "a step emits relationships to entities that another step emits without depending on it:",
  "declare the dependency (dependsOn) so that its relationships wait for, and fail with, that step"
]
const ENDPOINT_MISSING = [
  "a step emits a relationship to an entity that no step of this sync emits and the store does not hold:",
  "emit the endpoint too, or do not emit the relationship"
]

/**
 * What to tell the author about a batch rejected for referential integrity (C04), by cause: a missing
 * `.toAccount` target; an entity of a step that failed, when steps were made to fail (`faults`: a
 * dependency not declared); an endpoint that no step emits at all otherwise. Empty for other outcomes.
 */
export const integrityHint = (outcome: SyncOutcome, faults: boolean): ReadonlyArray<string> => {
  if (outcome._tag !== "Aborted") return []
  const dangling = danglingOf(outcome.error)
  if (dangling === undefined && !outcome.message.includes("point at entities")) return []
  const crossAccount = dangling?.some(isCrossAccount) ?? false
  const sameAccount = dangling === undefined || dangling.some((offender) => !isCrossAccount(offender))
  return [
    ...(crossAccount ? TARGET_MISSING : []),
    ...(sameAccount ? (faults ? DEPENDENCY_MISSING : ENDPOINT_MISSING) : [])
  ]
}
