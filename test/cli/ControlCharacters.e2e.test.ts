import { describe, expect, test } from "bun:test"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { onTerminal, parallax, tempDir } from "./support/Binary.ts"

/**
 * A connector whose collected names, log lines and errors hold control characters: a newline followed by
 * a forged line, ESC sequences that clear the screen or set the window title, BEL and a C1 CSI.
 */
const odd = String.raw`import { Effect, Schema } from "effect"
import { Connector, ConnectorFailed, entity, step } from "parallax-connect"
const ESC = "\u001b"
export default Connector.make({
  name: "odd",
  config: Schema.Struct({ failDiscovery: Schema.optional(Schema.Boolean) }),
  discover: ({ config }) =>
    config.failDiscovery ? Effect.fail(new ConnectorFailed({ reason: "no\nparallax: forged " + ESC + "[2J" })) : Effect.void,
  steps: [
    step("names", "Odd names").run((ctx) =>
      Effect.gen(function* () {
        yield* ctx.log.warn("saw " + ESC + "[2J and\nparallax: forged")
        yield* Effect.sleep("300 millis")
        yield* ctx.emitEntity(
          entity("odd_thing", "k\n" + ESC + "[31mred").class("Host").displayName("name" + ESC + "]0;title\u0007\u009b")
        )
        yield* ctx.emitEntity(entity("odd_thing", "g\n" + ESC + "[1m").class("Gizmo"))
      })
    ),
    step("fails", "Fails with an odd message").run(() =>
      Effect.fail(new ConnectorFailed({ reason: "bad\nparallax: forged " + ESC + "[2J\u009b" }))
    )
  ]
})
`

const ACCOUNT = "acct\nX\u001b[31m"
/** How the account shows in text output: every control character escaped, visibly. */
const SHOWN = String.raw`acct\nX\x1b[31m`

const project = () => {
  const dir = tempDir("parallax-controls-")
  writeFileSync(join(dir, "odd.ts"), odd)
  return dir
}

/** Raw controls other than the line breaks that end lines: ESC, BEL, CR, C1. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: raw control characters are what the test looks for
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/

const expectClean = (text: string) => {
  expect(text).not.toMatch(RAW)
  expect(text.split("\n").filter((line) => line.startsWith("parallax: forged"))).toEqual([])
}

describe("control characters are shown escaped (the compiled binary)", () => {
  test("in event lines, log lines, the summary and the read commands' tables", async () => {
    const dir = project()
    const ran = await parallax(["sync", "./odd.ts", "--db", "s.db", "--account", ACCOUNT], { cwd: dir })
    expect(ran.code).toBe(3)
    expectClean(ran.stderr)
    expectClean(ran.stdout)
    expect(ran.stderr).toContain(`sync started: odd account=${SHOWN} sync=`)
    // The log line (logfmt quotes a message as a JSON string).
    expect(ran.stderr).toContain(String.raw`message="saw \u001b[2J and\nparallax: forged" account="acct\nX\u001b[31m"`)
    expect(ran.stderr).toContain("step fails: failed after")
    expect(ran.stderr).toContain(String.raw`: bad\nparallax: forged \x1b[2J\x9b`)
    expect(ran.stdout).toContain(`odd (account ${SHOWN}): partial`)
    expect(ran.stdout).toContain(String.raw`  fails: failed: bad\nparallax: forged \x1b[2J\x9b`)
    expect(ran.stdout).toContain(String.raw`entity odd_thing/g\n\x1b[1m`)

    const entities = await parallax(["entities", "--db", "s.db"], { cwd: dir })
    expect(entities.code).toBe(0)
    expectClean(entities.stdout)
    expect(entities.stdout).toContain(String.raw`k\n\x1b[31mred`)
    expect(entities.stdout).toContain(String.raw`name\x1b]0;title\x07\x9b`)
    expect(entities.stdout).toContain(`odd/${SHOWN}`)
    const stats = await parallax(["stats", "--db", "s.db"], { cwd: dir })
    expectClean(stats.stdout)
    expect(stats.stdout).toContain(SHOWN)
    // JSON keeps the exact text: escaped by JSON itself.
    const json = JSON.parse((await parallax(["entities", "--db", "s.db", "--json"], { cwd: dir })).stdout) as Array<{
      key: string
    }>
    expect(json.map((row) => row.key).sort()).toEqual(["g\n\u001b[1m", "k\n\u001b[31mred"])
  }, 120_000)

  test("in JSON log and event lines: one line each, C1 controls escaped too, the text intact once parsed", async () => {
    const dir = project()
    const ran = await parallax(["sync", "./odd.ts", "--db", "s.db", "--account", ACCOUNT, "--log-format", "json"], {
      cwd: dir
    })
    expect(ran.code).toBe(3)
    expectClean(ran.stderr)
    const lines = ran.stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines.find((line) => line.message === "saw \u001b[2J and\nparallax: forged")).toBeDefined()
    expect(lines.find((line) => line.event === "SyncStarted")).toMatchObject({ account: ACCOUNT })
    expect(lines.find((line) => line.event === "StepFailed")).toMatchObject({
      error: { message: "bad\nparallax: forged \u001b[2J\u009b" }
    })
  }, 120_000)

  test("in error lines: a failed sync is one line, as is a usage error quoting an argument", async () => {
    const dir = project()
    const ran = await parallax(
      ["sync", "./odd.ts", "--db", "s.db", "--account", ACCOUNT, "--set", "failDiscovery=true"],
      { cwd: dir }
    )
    expect(ran.code).toBe(1)
    expectClean(ran.stderr)
    expect(ran.stderr.trim().split("\n").at(-1)).toBe(
      String.raw`parallax: sync of odd (account acct\nX\x1b[31m) failed: no\nparallax: forged \x1b[2J`
    )
    const usage = await parallax(["sync", "./odd.ts", "--concurrency", "\u001b[2J\u009b"], { cwd: dir })
    expect(usage.code).toBe(2)
    expectClean(usage.stderr)
    expect(usage.stderr).toContain(String.raw`parallax: --concurrency: '\x1b[2J\x9b' is not an integer`)
  }, 120_000)

  test("in live progress on a terminal: the step's note and the log line show the escapes", async () => {
    const dir = project()
    const ran = await onTerminal(["sync", "./odd.ts", "--db", "s.db", "--account", ACCOUNT], {
      cols: 200,
      rows: 40,
      cwd: dir
    })
    expect(ran.code).toBe(3)
    expect(ran.screen.some((line) => line.includes(String.raw`message="saw \u001b[2J and\nparallax: forged"`))).toBe(
      true
    )
    expect(ran.screen.some((line) => line.includes(String.raw`bad\nparallax: forged \x1b[2J\x9b`))).toBe(true)
    expect(ran.screen.filter((line) => line.startsWith("parallax: forged"))).toEqual([])
    expect(ran.screen.some((line) => line.includes(`odd (account ${SHOWN}): partial`))).toBe(true)
  }, 120_000)
})
