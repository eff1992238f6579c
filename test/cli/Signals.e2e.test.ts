import { Database } from "bun:sqlite"
import { afterAll, describe, expect, test } from "bun:test"
import { rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { binary, parallax, tempDir } from "./support/Binary.ts"

/**
 * Ctrl-C and SIGTERM through the real binary, while the work is CPU-bound: a sync is interrupted between
 * emitted objects and between its commit's statements (exit 130, 143 for SIGTERM; nothing committed); a
 * read ends at once, by the signal.
 */

const dir = tempDir("parallax-signals-")
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs the binary with JSON event lines on stderr and sends `signal` once a line matches `when`. */
const interrupt = async (args: ReadonlyArray<string>, signal: "SIGINT" | "SIGTERM", when: RegExp) => {
  const child = Bun.spawn([await binary(), ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NO_COLOR: "1" },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore"
  })
  const stdout = new Response(child.stdout).text()
  const reader = child.stderr.getReader()
  let stderr = ""
  let sent = false
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    stderr += new TextDecoder().decode(value)
    if (!sent && when.test(stderr)) {
      child.kill(signal)
      sent = true
    }
  }
  return { code: await child.exited, signalCode: child.signalCode, sent, stderr, stdout: await stdout }
}

/** What the store holds: its scopes' generations and row counts (none when the file has no tables yet). */
const contents = (db: string) => {
  const sqlite = new Database(db, { readonly: true })
  try {
    const tables = sqlite.query("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'scopes'").get() as { n: number }
    if (tables.n === 0) return { scopes: [], entities: 0 }
    return {
      scopes: sqlite.query("SELECT connector, account, generation FROM scopes").all(),
      entities: (sqlite.query("SELECT count(*) AS n FROM entities").get() as { n: number }).n
    }
  } finally {
    sqlite.close()
  }
}

const bench = (db: string, n: number, generation = 0) => [
  "sync",
  "bench",
  "--db",
  db,
  "--set",
  `n=${n}`,
  "--set",
  `generation=${generation}`,
  "--log-format",
  "json"
]

describe("signals while a sync computes", () => {
  test("SIGINT while steps emit in tight loops: exit 130, nothing committed", async () => {
    const db = join(dir, "emit.db")
    const run = await interrupt(bench(db, 200_000), "SIGINT", /"StepStarted"/)
    expect(run.sent).toBe(true)
    expect(run.code).toBe(130)
    expect(run.stderr).toContain("interrupted by SIGINT")
    expect(contents(db)).toEqual({ scopes: [], entities: 0 })
  }, 60_000)

  test("SIGTERM while steps emit: exit 143, nothing committed", async () => {
    const db = join(dir, "term.db")
    const run = await interrupt(bench(db, 200_000), "SIGTERM", /"StepStarted"/)
    expect(run.code).toBe(143)
    expect(contents(db)).toEqual({ scopes: [], entities: 0 })
  }, 60_000)

  test("SIGINT while a step emits forever in a tight loop: it stops between emitted objects (exit 130)", async () => {
    // Emits never wait: only the run loop's turns let the signal in. Were emits to skip them for good, this
    // step would never end (its timeout is an hour) and the test would time out.
    writeFileSync(
      join(dir, "forever.ts"),
      `import { Effect } from "effect"
import { Connector, entity } from "parallax-connect"
export default Connector.make({
  name: "forever",
  steps: (step) => [
    step("spin", "Emits the same host for ever").timeout("1 hour").run((ctx) =>
      Effect.gen(function* () {
        for (;;) yield* ctx.emitEntity(entity("host", "h").class("Host"))
      })
    )
  ]
})
`
    )
    const db = join(dir, "forever.db")
    const run = await interrupt(["sync", "./forever.ts", "--db", db, "--log-format", "json"], "SIGINT", /"StepStarted"/)
    expect(run.sent).toBe(true)
    expect(run.code).toBe(130)
    expect(contents(db)).toEqual({ scopes: [], entities: 0 })
  }, 60_000)

  test("SIGINT during the commit: it stops between statements and rolls back; the store keeps its generation", async () => {
    const db = join(dir, "commit.db")
    const first = await parallax(["sync", "bench", "--db", db, "--set", "n=100000"], { cwd: dir })
    expect(first.code).toBe(0)
    const before = contents(db)
    // Collection ends with SyncFinished; the commit of generation 1's churn (several statements) follows.
    const run = await interrupt(bench(db, 100_000, 1), "SIGINT", /"SyncFinished"/)
    expect(run.sent).toBe(true)
    expect(run.code).toBe(130)
    expect(contents(db)).toEqual(before)
    const integrity = new Database(db, { readonly: true })
    expect(integrity.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" })
    integrity.close()
  }, 120_000)
})

describe("signals while a read computes", () => {
  test("a read ends at once, by the signal itself (it holds no lock and writes nothing)", async () => {
    const db = join(dir, "read.db")
    expect((await parallax(["sync", "bench", "--db", db, "--set", "n=20000"], { cwd: dir })).code).toBe(0)
    // An export into a pipe nobody reads blocks on its output: without the fix, the signal only
    // interrupted it once it reached an await point, and it exited 130 by itself.
    const child = Bun.spawn([await binary(), "export", "--db", db], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? "" },
      stdout: "pipe",
      stderr: "pipe",
      stdin: "ignore"
    })
    const reader = child.stdout.getReader()
    await reader.read() // the export has started
    child.kill("SIGINT")
    await child.exited
    expect(child.signalCode).toBe("SIGINT")
  }, 60_000)
})
