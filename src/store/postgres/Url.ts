import { readFileSync } from "node:fs"

/**
 * A PostgreSQL store is named by a `postgres://` or `postgresql://` URL; anything else given to `--db` is
 * an SQLite file. The URL carries the connection (its standard parameters: `sslmode`, `sslrootcert`, ...);
 * what it leaves out comes from the usual `PG*` variables. `--db-password-file F` is the URL parameter
 * `passwordfile=F`: the password is read from that file, never from the command line.
 */

export const isPostgresUrl = (location: string): boolean => /^postgres(ql)?:\/\//i.test(location)

/** The URL with its password masked (`postgres://parallax:***@db.internal:5432/graph`): the only form printed. */
export const maskUrl = (location: string): string => {
  try {
    const url = new URL(location)
    if (url.password !== "") url.password = "***"
    return url.toString()
  } catch {
    return location.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@")
  }
}

/** `location` with `--db-password-file` added as its `passwordfile` parameter (an SQLite path is left alone). */
export const withPasswordFile = (location: string, file: string | undefined): string => {
  if (file === undefined || !isPostgresUrl(location)) return location
  const url = new URL(location)
  url.searchParams.set("passwordfile", file)
  return url.toString()
}

/** What the client connects with: the URL without our own parameters, and the password from its file or `PG*`. */
export interface Connection {
  readonly url: string
  readonly password: string | undefined
  /** The trusted root certificate's file (`sslrootcert`, `PGSSLROOTCERT`); else the system's roots. */
  readonly sslRootCert: string | undefined
  /** `sslmode`: from the URL, else `PGSSLMODE`, else `prefer` (as libpq). */
  readonly sslMode: string
}

/**
 * The TLS settings of a store URL, as libpq reads them: `sslmode` from the URL, else `PGSSLMODE`, else
 * `prefer` (TLS when the server offers it); `sslrootcert` from the URL, else `PGSSLROOTCERT`.
 */
export const tlsOf = (url: URL): { readonly sslMode: string; readonly sslRootCert: string | undefined } => ({
  sslMode: url.searchParams.get("sslmode") ?? (process.env.PGSSLMODE || "prefer"),
  sslRootCert: url.searchParams.get("sslrootcert") ?? (process.env.PGSSLROOTCERT || undefined)
})

/** The connection of a store URL (reads its password file; throws with a clear message when it cannot). */
export const connectionOf = (location: string): Connection => {
  const url = new URL(location)
  const file = url.searchParams.get("passwordfile")
  url.searchParams.delete("passwordfile")
  let password: string | undefined = url.password === "" ? undefined : decodeURIComponent(url.password)
  if (file !== null) {
    try {
      password = readFileSync(file, "utf8").replace(/\r?\n$/, "")
    } catch (error) {
      throw new Error(`cannot read the password file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`)
    }
  }
  password ??= process.env.PGPASSWORD
  const { sslMode, sslRootCert } = tlsOf(url)
  url.searchParams.set("sslmode", sslMode)
  url.searchParams.delete("sslrootcert")
  url.password = ""
  if (url.username === "" && process.env.PGUSER !== undefined) url.username = process.env.PGUSER
  return { url: url.toString(), password, sslMode, sslRootCert }
}
