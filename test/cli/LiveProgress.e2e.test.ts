import { describe, expect, test } from "bun:test"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { onTerminal, parallax, tempDir } from "./support/Binary.ts"

/**
 * A step that emits in a tight loop, awaiting each emit (microtasks only: the event loop gets no turn, so
 * no timer fires while it runs) for about `ms` of its own time, and a quick second step.
 */
const tight = (ms: number) => `import { Connector, entity, step } from "parallax-connect"
export default Connector.make({
  name: "tight",
  steps: [
    step("tight", "Emits in a tight loop").run(async (ctx) => {
      const until = Date.now() + ${ms}
      for (let i = 0; Date.now() < until || i < 2000; i++) {
        await ctx.emitEntity(entity("tight_item", String(i)).class("Resource").property("n", i))
      }
    }),
    step("pairs", "Links the first items").dependsOn("tight").run(async (ctx) => {
      for (let i = 0; i < 1000; i++) {
        await ctx.emitEntity(entity("tight_pair", String(i)).class("Resource"))
      }
    })
  ]
})
`

const project = (ms: number) => {
  const dir = tempDir("parallax-live-")
  writeFileSync(join(dir, "tight.ts"), tight(ms))
  return dir
}

const jsonLines = (text: string) =>
  text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>)

describe("live progress (the compiled binary)", () => {
  test("on a terminal, a step emitting in a tight loop shows its counts and time moving while it runs", async () => {
    const ran = await onTerminal(["sync", "./tight.ts", "--db", "s.db"], { cols: 120, rows: 30, cwd: project(1500) })
    expect(ran.code).toBe(0)
    // Every frame drawn of the running step's line: its elapsed time and counts so far.
    const frames = new Set(
      ran.written
        .split(/[\r\n]/)
        .map((line) => /^\s*tight\s+running\s+(\d+\.\d)s\s+(\d+) entities/.exec(line))
        .filter((match) => match !== null)
        .map((match) => `${match[1]} ${match[2]}`)
    )
    const counts = new Set([...frames].map((frame) => frame.split(" ")[1]))
    const times = new Set([...frames].map((frame) => frame.split(" ")[0]))
    // About 1.5 s of emitting, sent at most every 100 ms: well over four distinct frames.
    expect(counts.size).toBeGreaterThanOrEqual(5)
    expect(times.size).toBeGreaterThanOrEqual(5)
    // The commit's phases are drawn too, ending with every row written.
    expect(ran.written).toMatch(/writing 0 of \d{1,3}(,\d{3})* rows/)
    expect(ran.written).toMatch(/committing \d{1,3}(,\d{3})* rows/)
  }, 120_000)

  test("--log-format json carries the commit's phases with row counts, and no per-step progress", async () => {
    const dir = project(0)
    const ran = await parallax(["sync", "./tight.ts", "--db", "s.db", "--log-format", "json"], { cwd: dir })
    expect(ran.code).toBe(0)
    const events = jsonLines(ran.stderr)
    expect(events.filter((event) => event.event === "StepProgress")).toEqual([])
    const commit = events.filter((event) => event.event === "CommitProgress")
    const emitted = 3000
    expect(commit.map((event) => event.phase)).toEqual([
      "staging",
      "checking",
      "diff",
      "writing",
      "writing",
      "committing"
    ])
    expect(commit.slice(0, 3).map((event) => event.total)).toEqual([emitted, emitted, emitted])
    expect(commit.slice(3).map((event) => [event.done, event.total])).toEqual([
      [0, emitted],
      [emitted, emitted],
      [emitted, emitted]
    ])
    // The phases come between the end of collection and the commit.
    const at = (name: string) => events.findIndex((event) => event.event === name)
    expect(at("SyncFinished")).toBeLessThan(events.indexOf(commit[0] as Record<string, unknown>))
    expect(events.indexOf(commit.at(-1) as Record<string, unknown>)).toBeLessThan(at("SyncCommitted"))

    // A second sync of the same data writes no entity row: writing counts none.
    const again = await parallax(["sync", "./tight.ts", "--db", "s.db", "--log-format", "json"], { cwd: dir })
    expect(again.code).toBe(0)
    const writing = jsonLines(again.stderr).filter(
      (event) => event.event === "CommitProgress" && event.phase === "writing"
    )
    expect(writing.map((event) => [event.done, event.total])).toEqual([[0, 0]])
  }, 120_000)
})
