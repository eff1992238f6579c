import { NotADatabase, StoreError } from "../../sync/StoreErrors.ts"
import { tlsOf } from "./Url.ts"

/** What a PostgreSQL error says, for one clear line: the server's SQLSTATE or the client's code. */
interface PgError {
  readonly code?: string
  readonly errno?: string
  readonly message?: string
}

const sqlState = (cause: unknown): string | undefined => (cause as PgError | undefined)?.errno

/** Whether PostgreSQL asks for the transaction to be run again (serialization failure, deadlock). */
export const isRetryable = (cause: unknown): boolean => {
  const state = sqlState(cause instanceof StoreError ? cause.cause : cause)
  return state === "40001" || state === "40P01"
}

/** Whether the role may not do what was asked (a migration by a role that only reads and writes rows). */
export const isNotAllowed = (cause: unknown): boolean => sqlState(cause) === "42501"

/** Whether the database named by the URL does not exist. */
export const isMissingDatabase = (cause: unknown): boolean => sqlState(cause) === "3D000"

const hostOf = (location: string): string => {
  try {
    const url = new URL(location)
    return `${url.hostname}:${url.port === "" ? "5432" : url.port}`
  } catch {
    return location
  }
}

/** The client's codes for a certificate that does not verify (Node's TLS codes, as Bun gives them). */
const CERTIFICATE = /CERT|SIGNATURE|ISSUER|ALTNAME|SELF_SIGNED/

/** What a certificate was checked against, for the line about one that does not verify. */
const trusted = (location: string): string => {
  let tls: ReturnType<typeof tlsOf>
  try {
    tls = tlsOf(new URL(location))
  } catch {
    return "the trusted roots"
  }
  const roots = tls.sslRootCert === undefined ? "the system's trusted roots" : `the root certificate ${tls.sslRootCert}`
  const checks =
    tls.sslMode === "verify-full" ? "signed by that root and issued for the host name" : "signed by that root"
  return `${roots} (sslmode=${tls.sslMode}: ${checks})`
}

/** One line for a failed connection or statement (`location` is the URL with its password masked). */
export const describePg = (location: string, cause: unknown): string => {
  const error = cause as PgError
  const message = error?.message ?? String(cause)
  switch (error?.code) {
    case "ERR_POSTGRES_CONNECTION_REFUSED":
    case "ERR_POSTGRES_CONNECTION_TIMEOUT":
    case "ERR_POSTGRES_CONNECTION_CLOSED":
      return `cannot reach the PostgreSQL server at ${hostOf(location)} (${message})`
    case "ERR_POSTGRES_TLS_NOT_AVAILABLE":
    case "ERR_POSTGRES_TLS_UPGRADE_FAILED":
      return `TLS with the PostgreSQL server at ${hostOf(location)} failed: ${message}`
  }
  if (error?.code !== undefined && CERTIFICATE.test(error.code)) {
    return `the PostgreSQL server at ${hostOf(location)} presented a certificate that does not verify against ${trusted(location)}: ${message}`
  }
  switch (sqlState(cause)) {
    case "28P01":
    case "28000":
      return `PostgreSQL refused the credentials: ${message}`
    case "3D000":
      return `${message}: create it, then run \`parallax migrate --db ${location}\``
    default:
      return message
  }
}

/** The typed failure of a store operation on PostgreSQL. */
export const pgFailure = (operation: string, location: string, cause: unknown): StoreError | NotADatabase =>
  cause instanceof StoreError || cause instanceof NotADatabase
    ? cause
    : new StoreError({
        operation,
        location,
        // The SQLSTATE stays on the cause, so that a retryable failure can be told apart.
        cause: Object.assign(new Error(describePg(location, cause)), { errno: sqlState(cause) })
      })
