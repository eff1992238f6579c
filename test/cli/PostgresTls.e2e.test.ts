import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { SQL } from "bun"
import { startTlsPostgres, type TlsPostgres, tlsPostgresSupport } from "../store/support/TlsPostgres.ts"
import { parallax } from "./support/Binary.ts"

/**
 * The compiled binary against a PostgreSQL server that takes TLS connections only (its own throw-away
 * cluster, a certificate for `localhost` signed by a test authority): `sslmode=verify-full` with
 * `sslrootcert` connects, syncs and reads; libpq's default (`prefer`) uses TLS when offered; a wrong
 * root, a host name the certificate does not name, and an unreadable root file are each one clear line
 * and exit 1. Needs the PostgreSQL server installed and root (to run initdb as `postgres`): `.ci/run`
 * has both.
 */
const unsupported = tlsPostgresSupport()
if (unsupported !== undefined) console.warn(`PostgreSQL TLS tests skipped: ${unsupported}`)

describe.skipIf(unsupported !== undefined)("parallax with a PostgreSQL server over TLS (the compiled binary)", () => {
  let server: TlsPostgres
  beforeAll(async () => {
    server = await startTlsPostgres()
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
  })

  const at = (parameters: Record<string, string>, host = "localhost"): string => {
    const url = new URL(server.url)
    url.hostname = host
    for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value)
    return url.toString()
  }
  const secret = () => new URL(server.url).password

  test("sslmode=verify-full with the signing root: migrate, sync and read over TLS; the password never printed", async () => {
    const url = at({ sslmode: "verify-full", sslrootcert: server.ca })
    const migrate = await parallax(["migrate", "--db", url])
    expect(migrate.stderr).toBe("")
    expect(migrate.code).toBe(0)
    const sync = await parallax(["sync", "synthetic", "--db", url, "--json"])
    expect(sync.code).toBe(0)
    const created = JSON.parse(sync.stdout).stats.entitiesCreated as number
    expect(created).toBeGreaterThan(0)
    const stats = await parallax(["stats", "--json", "--db", url])
    expect(stats.code).toBe(0)
    expect(JSON.parse(stats.stdout).scopes).toHaveLength(1)
    // The same through PGSSLMODE and PGSSLROOTCERT, as libpq reads them.
    const byEnv = await parallax(["history", "--json"], {
      env: { PARALLAX_DB: server.url, PGSSLMODE: "verify-full", PGSSLROOTCERT: server.ca }
    })
    expect(byEnv.code).toBe(0)
    expect(JSON.parse(byEnv.stdout)).toHaveLength(1)
    for (const ran of [migrate, sync, stats, byEnv]) expect(ran.stdout + ran.stderr).not.toContain(secret())
    // The server saw TLS: it refuses anything else (see the next test), and its own view says so.
    const sql = new SQL({ url: at({ sslmode: "require" }), max: 1 })
    try {
      const [row] = await sql`SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`
      expect(row.ssl).toBe(true)
    } finally {
      await sql.close()
    }
  }, 120_000)

  test("without sslmode, TLS is used when the server offers it (libpq's prefer); sslmode=disable is refused here", async () => {
    const bare = await parallax(["stats", "--db", server.url])
    expect(bare.stderr).toBe("")
    expect(bare.code).toBe(0)
    const plain = await parallax(["stats", "--db", at({ sslmode: "disable" })])
    expect(plain.code).toBe(1)
    expect(plain.stderr).toContain("no encryption")
    expect(plain.stderr).not.toContain(secret())
  }, 60_000)

  test("a root that did not sign the certificate, or a host it does not name, is one clear line and exit 1", async () => {
    const wrongRoot = await parallax(["stats", "--db", at({ sslmode: "verify-full", sslrootcert: server.otherCa })])
    expect(wrongRoot.code).toBe(1)
    expect(wrongRoot.stderr.trim().split("\n")).toHaveLength(1)
    expect(wrongRoot.stderr).toContain(
      `the PostgreSQL server at localhost:${server.port} presented a certificate that does not verify against the root certificate ${server.otherCa}`
    )
    const sync = await parallax([
      "sync",
      "synthetic",
      "--db",
      at({ sslmode: "verify-full", sslrootcert: server.otherCa })
    ])
    expect(sync.code).toBe(1)
    expect(sync.stderr).toContain("does not verify against the root certificate")

    // The certificate names localhost, not 127.0.0.1: verify-full refuses, verify-ca (no host check) connects.
    const wrongHost = await parallax([
      "stats",
      "--db",
      at({ sslmode: "verify-full", sslrootcert: server.ca }, "127.0.0.1")
    ])
    expect(wrongHost.code).toBe(1)
    expect(wrongHost.stderr).toContain("sslmode=verify-full: signed by that root and issued for the host name")
    expect(wrongHost.stderr).toContain("altnames")
    const chainOnly = await parallax([
      "stats",
      "--db",
      at({ sslmode: "verify-ca", sslrootcert: server.ca }, "127.0.0.1")
    ])
    expect(chainOnly.stderr).toBe("")
    expect(chainOnly.code).toBe(0)

    // No root given: the system's roots, which do not include the test authority.
    const systemRoots = await parallax(["stats", "--db", at({ sslmode: "verify-full" })])
    expect(systemRoots.code).toBe(1)
    expect(systemRoots.stderr).toContain("does not verify against the system's trusted roots")
    for (const ran of [wrongRoot, sync, wrongHost, systemRoots]) expect(ran.stderr).not.toContain(secret())
  }, 60_000)

  test("an sslrootcert that cannot be read is one clear line and exit 1", async () => {
    for (const command of [["stats"], ["sync", "synthetic"]]) {
      const ran = await parallax([
        ...command,
        "--db",
        at({ sslmode: "verify-full", sslrootcert: "/nonexistent/root.crt" })
      ])
      expect(ran.code).toBe(1)
      expect(ran.stderr).toContain(
        "cannot read the trusted root certificate (sslrootcert) /nonexistent/root.crt: ENOENT"
      )
      expect(ran.stderr).not.toContain("internal error")
    }
  }, 60_000)
})
