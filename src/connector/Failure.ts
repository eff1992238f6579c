import { Cause } from "effect"
import { type ConnectorError, ConnectorFailed, isConnectorError } from "../model/Errors.ts"

/**
 * What a thrown, rejected or failed value says: an `UnknownException` (an `Effect.tryPromise` or
 * `Effect.try` without a `catch`) by the value it wraps, an `Error` as `Name: message`, a string as it is.
 */
export const describeFailure = (value: unknown): string => {
  if (Cause.isUnknownException(value)) return describeFailure(value.error)
  if (value instanceof Error || typeof value !== "object" || value === null) return String(value)
  if ("message" in value && typeof value.message === "string") return value.message
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/** A defect of connector code (a throw, an `Effect.die`) as the step's or discovery's error. */
export const crashed = (defect: unknown, what: string): ConnectorFailed =>
  new ConnectorFailed({ reason: `${what} crashed: ${describeFailure(defect)}`, cause: defect })

/**
 * A failure of connector code as a `ConnectorError`: typed errors pass unchanged; anything else (an
 * `UnknownException` that lost its cause's message, an error outside the union) becomes `ConnectorFailed`
 * saying what the underlying value said: `step "repos" failed: Error: socket hang up`.
 */
export const asConnectorError = (error: unknown, what: string): ConnectorError =>
  isConnectorError(error)
    ? error
    : new ConnectorFailed({ reason: `${what} failed: ${describeFailure(error)}`, cause: error })
