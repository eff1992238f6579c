import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

/**
 * A throw-away PostgreSQL cluster that only takes TLS connections (`hostssl`; plain TCP is rejected by
 * pg_hba), with a certificate for `localhost` signed by a certificate authority made for it: what a test
 * needs to show that `sslmode=verify-full` with `sslrootcert` connects, and that a wrong root or host
 * name does not. Made with the server's own `initdb` and `pg_ctl` (run as the `postgres` user) and
 * `openssl`, so it exists only where the PostgreSQL server is installed and the tests run as root
 * (`.ci/run` does both); `tlsPostgresSupport` says why not otherwise.
 */
export interface TlsPostgres {
  /** The superuser's URL without TLS parameters: `postgres://postgres:<password>@localhost:<port>/postgres`. */
  readonly url: string
  readonly port: number
  /** The certificate authority that signed the server's certificate (PEM file). */
  readonly ca: string
  /** Another certificate authority, which signed nothing the server has. */
  readonly otherCa: string
  stop(): Promise<void>
}

const serverBin = (): string | undefined => {
  const root = "/usr/lib/postgresql"
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a))
  for (const version of versions) {
    const bin = join(root, version, "bin")
    if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "pg_ctl"))) return bin
  }
  return undefined
}

/** Why a TLS cluster cannot be made here, or undefined when it can. */
export const tlsPostgresSupport = (): string | undefined => {
  if (serverBin() === undefined) return "no PostgreSQL server installed under /usr/lib/postgresql"
  if (process.getuid?.() !== 0) return "initdb runs as the postgres user: the tests must run as root"
  if (Bun.spawnSync(["openssl", "version"], { stdout: "ignore", stderr: "ignore" }).exitCode !== 0) {
    return "no openssl command"
  }
  if (Bun.spawnSync(["id", "postgres"], { stdout: "ignore", stderr: "ignore" }).exitCode !== 0) {
    return "no postgres user"
  }
  return undefined
}

const run = (argv: ReadonlyArray<string>, cwd?: string): string => {
  const ran = Bun.spawnSync([...argv], { ...(cwd === undefined ? {} : { cwd }), stdout: "pipe", stderr: "pipe" })
  if (ran.exitCode !== 0) throw new Error(`${argv.join(" ")} failed: ${ran.stderr.toString()}${ran.stdout.toString()}`)
  return ran.stdout.toString()
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0))
    })
  })

/** A certificate authority `name` in `dir`: `<name>.pem` and `<name>.key`. */
const authority = (dir: string, name: string): void => {
  run(
    [
      "openssl",
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      `/CN=parallax test ${name}`,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.pem`
    ],
    dir
  )
}

/** Starts the cluster (a few seconds: initdb, certificates, start-up). */
export const startTlsPostgres = async (): Promise<TlsPostgres> => {
  const bin = serverBin() as string
  const dir = mkdtempSync(join(tmpdir(), "parallax-tls-pg-"))
  chmodSync(dir, 0o755)
  const password = `pw-${Math.random().toString(36).slice(2, 10)}`
  const data = join(dir, "data")
  const asPostgres = (argv: ReadonlyArray<string>) => run(["runuser", "-u", "postgres", "--", ...argv], dir)
  try {
    authority(dir, "ca")
    authority(dir, "other-ca")
    // The server's certificate: for the name localhost only (not 127.0.0.1), signed by `ca`.
    writeFileSync(join(dir, "server.ext"), "subjectAltName = DNS:localhost\n")
    run(
      [
        "openssl",
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "server.key",
        "-out",
        "server.csr"
      ],
      dir
    )
    run(
      [
        "openssl",
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "server.crt"
      ],
      dir
    )
    writeFileSync(join(dir, "pwfile"), `${password}\n`)
    const { uid, gid } = ((): { uid: number; gid: number } => {
      const [u, g] = run(["sh", "-c", "id -u postgres; id -g postgres"]).trim().split("\n").map(Number)
      return { uid: u as number, gid: g as number }
    })()
    for (const file of ["server.key", "server.crt", "pwfile"]) chownSync(join(dir, file), uid, gid)
    chmodSync(join(dir, "server.key"), 0o600)
    chownSync(dir, uid, gid)
    asPostgres([
      join(bin, "initdb"),
      "-D",
      data,
      "-U",
      "postgres",
      "--pwfile",
      join(dir, "pwfile"),
      "--auth",
      "scram-sha-256",
      "-E",
      "UTF8",
      "--no-sync"
    ])
    // TLS only: a plain connection is refused by pg_hba, whatever its credentials.
    writeFileSync(
      join(data, "pg_hba.conf"),
      "hostssl all all 127.0.0.1/32 scram-sha-256\nhostnossl all all 127.0.0.1/32 reject\n"
    )
    const port = await freePort()
    const options = [
      `-p ${port}`,
      "-c listen_addresses=127.0.0.1",
      `-c unix_socket_directories=${dir}`,
      "-c ssl=on",
      `-c ssl_cert_file=${join(dir, "server.crt")}`,
      `-c ssl_key_file=${join(dir, "server.key")}`,
      "-c fsync=off"
    ]
    asPostgres([
      join(bin, "pg_ctl"),
      "-D",
      data,
      "-l",
      join(dir, "log"),
      "-w",
      "-t",
      "60",
      "-o",
      options.join(" "),
      "start"
    ])
    return {
      url: `postgres://postgres:${password}@localhost:${port}/postgres`,
      port,
      ca: join(dir, "ca.pem"),
      otherCa: join(dir, "other-ca.pem"),
      stop: async () => {
        Bun.spawnSync([
          "runuser",
          "-u",
          "postgres",
          "--",
          join(bin, "pg_ctl"),
          "-D",
          data,
          "-m",
          "immediate",
          "-w",
          "stop"
        ])
        rmSync(dir, { recursive: true, force: true })
      }
    }
  } catch (error) {
    Bun.spawnSync(["runuser", "-u", "postgres", "--", join(bin, "pg_ctl"), "-D", data, "-m", "immediate", "stop"])
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
}
