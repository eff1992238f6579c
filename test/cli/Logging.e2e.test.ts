import { describe, expect, test } from "bun:test"
import { existsSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { onTerminal, parallax, tempDir } from "./support/Binary.ts"

/** A connector whose step logs at every level, with pauses so that live progress redraws in between. */
const logger = `import { Effect } from "effect"
import { Connector, entity, step } from "parallax-connect"
export default Connector.make({
  name: "chatty",
  steps: [
    step("talk", "Talks").run((ctx) =>
      Effect.gen(function* () {
        yield* ctx.log.debug("debug from the step")
        yield* Effect.sleep("250 millis")
        yield* ctx.log.info("info from the step")
        yield* Effect.sleep("250 millis")
        yield* ctx.log.warn("warning from the step")
        yield* Effect.sleep("250 millis")
        yield* ctx.log.error("error from the step")
        yield* ctx.emitEntity(entity("chatty_thing", "1").class("Host"))
      })
    ),
    step("other", "Waits a little").run(() => Effect.sleep("900 millis"))
  ]
})
`

const project = () => {
  const dir = tempDir("parallax-logs-")
  writeFileSync(join(dir, "chatty.ts"), logger)
  return dir
}

const count = (text: string, needle: string) => text.split(needle).length - 1
const levels = ["debug from the step", "info from the step", "warning from the step", "error from the step"]

describe("connector logs (the compiled binary)", () => {
  test("go to standard error only, once each: --json output stays parseable at --log-level debug", async () => {
    const dir = project()
    const ran = await parallax(["sync", "./chatty.ts", "--db", "c.db", "--json", "--log-level", "debug"], { cwd: dir })
    expect(ran.code).toBe(0)
    expect(JSON.parse(ran.stdout).status).toBe("succeeded")
    for (const line of levels) {
      expect(count(ran.stderr, line)).toBe(1)
      expect(ran.stdout).not.toContain(line)
    }
    expect(ran.stderr).toContain("step=talk")
  }, 120_000)

  test("--log-level names: warning and warn, none, =value, and PARALLAX_LOG_LEVEL", async () => {
    const dir = project()
    const shown = async (args: ReadonlyArray<string>, env: Record<string, string> = {}) => {
      const ran = await parallax(["sync", "./chatty.ts", "--db", "c.db", "--json", ...args], { cwd: dir, env })
      expect(ran.code).toBe(0)
      return levels.filter((line) => ran.stderr.includes(line))
    }
    expect(await shown([])).toEqual(levels.slice(1))
    expect(await shown(["--log-level", "warning"])).toEqual(levels.slice(2))
    expect(await shown(["--log-level=warn"])).toEqual(levels.slice(2))
    expect(await shown(["--log-level", "ERROR"])).toEqual(levels.slice(3))
    expect(await shown(["--log-level", "none"])).toEqual([])
    expect(await shown([], { PARALLAX_LOG_LEVEL: "warning" })).toEqual(levels.slice(2))
    expect(await shown(["--log-level", "debug"], { PARALLAX_LOG_LEVEL: "none" })).toEqual(levels)
  }, 120_000)

  test("an unknown level is bad usage (exit 2), from the flag or the environment, and nothing runs", async () => {
    const dir = project()
    const flag = await parallax(["sync", "./chatty.ts", "--db", "c.db", "--log-level", "loud"], { cwd: dir })
    expect(flag.code).toBe(2)
    expect(flag.stderr).toContain("--log-level must be one of all, trace, debug, info, warning (or warn), error")
    expect(flag.stderr).toContain('got "loud"')
    const env = await parallax(["sync", "./chatty.ts", "--db", "c.db"], {
      cwd: dir,
      env: { PARALLAX_LOG_LEVEL: "verbose" }
    })
    expect(env.code).toBe(2)
    expect(env.stderr).toContain("PARALLAX_LOG_LEVEL must be one of")
    expect(existsSync(join(dir, "c.db"))).toBe(false)
  }, 120_000)

  test("on a terminal with live progress, each log line shows once, above the progress", async () => {
    const dir = project()
    const ran = await onTerminal(["sync", "./chatty.ts", "--db", "c.db"], { cols: 120, rows: 40, cwd: dir })
    expect(ran.code).toBe(0)
    const screen = ran.screen.join("\n")
    for (const line of levels.slice(1)) expect(count(screen, line)).toBe(1)
    // The progress is drawn once, below the logs, with the final state of each step.
    expect(ran.screen.filter((line) => /^\s+talk\s/.test(line))).toHaveLength(1)
    expect(ran.screen.find((line) => /^\s+talk\s/.test(line))).toContain("succeeded")
    // While it ran, the step's latest warning was its note in the progress.
    expect(ran.written).toMatch(/ talk +running .*warning from the step/)
    const errorLine = ran.screen.findIndex((line) => line.includes("error from the step"))
    expect(errorLine).toBeLessThan(ran.screen.findIndex((line) => /^\s+talk\s/.test(line)))
  }, 120_000)

  test("a terminal that reports 0 columns and rows still gets live progress (as 80 columns)", async () => {
    const dir = project()
    const ran = await onTerminal(["sync", "./chatty.ts", "--db", "c.db", "--log-level", "none"], {
      cols: 0,
      rows: 0,
      cwd: dir
    })
    expect(ran.code).toBe(0)
    const talk = ran.screen.filter((line) => /^\s+talk\s/.test(line))
    expect(talk).toHaveLength(1)
    expect(talk[0]).toContain("succeeded")
    expect(ran.screen.some((line) => line.includes("committed generation 1"))).toBe(true)
  }, 120_000)

  test("with --log-format json, error lines are JSON too", async () => {
    const dir = project()
    const unknown = await parallax(["sync", "nope", "--log-format", "json"], { cwd: dir })
    expect(unknown.code).toBe(2)
    const line = JSON.parse(unknown.stderr.trim()) as { message: string; logLevel: string; exitCode: number }
    expect(line).toMatchObject({ logLevel: "ERROR", exitCode: 2 })
    expect(line.message).toContain('unknown connector "nope"')
    const usage = await parallax(["sync", "synthetic", "--log-format=json", "--concurrency", "x"], { cwd: dir })
    expect(usage.code).toBe(2)
    for (const text of usage.stderr.trim().split("\n")) expect(JSON.parse(text).logLevel).toBe("ERROR")
    const ran = await parallax(
      ["sync", "./chatty.ts", "--db", "c.db", "--log-format", "json", "--log-level", "debug"],
      {
        cwd: dir
      }
    )
    expect(ran.code).toBe(0)
    const lines = ran.stderr
      .trim()
      .split("\n")
      .map((text) => JSON.parse(text) as Record<string, unknown>)
    expect(lines.filter((entry) => entry.message === "warning from the step")).toHaveLength(1)
  }, 120_000)
})
