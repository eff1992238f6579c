import { describe, expect, test } from "bun:test"
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { StoreDump } from "../../src/sync/Store.ts"
import { dumpOf, integrity } from "./support/storeFile.ts"

/**
 * C01 against a real crash: a child process syncing 150k changed rows is killed with SIGKILL inside its
 * commit's transaction (at chosen writes, or after a delay in the middle of the big write), or right after
 * the commit. On reopen the store passes `PRAGMA integrity_check` and holds exactly the old or the new state.
 */

const N = 150_000
const CHILD = join(import.meta.dir, "support", "crashChild.ts")

type State = "old" | "new"

interface Kill {
  /** Where the child stops and waits to be killed (`write:<i>`, `committed`), or `none`. */
  readonly hold: string
  /** Without a hold: kill this many ms after the child printed the line starting with `after`. */
  readonly after?: string
  readonly delayMs?: number
  readonly cacheMiB?: number
}

/** Runs the child to its end (no kill), or kills it as `kill` says; returns its output and the WAL size at the kill. */
const runChild = async (path: string, tag: string, kill?: Kill) => {
  const child = Bun.spawn(
    [process.execPath, CHILD, path, String(N), tag, "default", kill?.hold ?? "none", String(kill?.cacheMiB ?? 64)],
    { stdout: "pipe", stderr: "inherit" }
  )
  const reader = child.stdout.getReader()
  let output = ""
  const until = kill === undefined ? "DONE" : kill.hold === "none" ? (kill.after ?? "COMMITTING") : "HOLDING"
  while (!output.split("\n").some((line) => line.startsWith(until))) {
    const { value, done } = await reader.read()
    if (done) break
    output += new TextDecoder().decode(value)
  }
  let walBytes = 0
  if (kill !== undefined) {
    if (kill.delayMs !== undefined) await Bun.sleep(kill.delayMs)
    walBytes = existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0
    child.kill("SIGKILL")
  }
  await child.exited
  return { output, walBytes, signal: child.signalCode }
}

/** Which of the two states the store holds; fails the test when it is neither. */
const stateOf = (after: StoreDump, old: StoreDump): State => {
  if (after.runs.length === 1) {
    expect(after).toEqual(old)
    return "old"
  }
  expect(after.runs.map((run) => [run.generation, run.status])).toEqual([
    [1, "succeeded"],
    [2, "succeeded"]
  ])
  expect(after.rows).toHaveLength(N)
  expect([...new Set(after.rows.map((row) => JSON.parse(row.content.properties as string).tag))]).toEqual(["new"])
  expect(after.rows.every((row) => row.generation === 2)).toBe(true)
  return "new"
}

const cases: ReadonlyArray<{ readonly name: string; readonly kill: Kill; readonly expected: State | "either" }> = [
  { name: "inside the transaction, before its first row write", kill: { hold: "write:1" }, expected: "old" },
  {
    name: "inside the transaction, every row written, uncommitted pages spilled into the WAL",
    kill: { hold: "write:2", cacheMiB: 2 },
    expected: "old"
  },
  {
    name: "in the middle of the statement that rewrites 150k rows",
    kill: { hold: "none", after: "WRITE 1", delayMs: 40 },
    expected: "either"
  },
  { name: "about when the commit ends", kill: { hold: "none", after: "WRITE 3", delayMs: 5 }, expected: "either" },
  { name: "right after the commit, before the lock is released", kill: { hold: "committed" }, expected: "new" }
]

describe("C01: SIGKILL during and after a large commit", () => {
  const seen = new Map<string, State>()

  for (const { name, kill, expected } of cases) {
    test(`killed ${name}: integrity ok, ${expected === "either" ? "the old or the new" : `the ${expected}`} state`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "parallax-crash-"))
      try {
        const path = join(dir, "crash.db")
        expect((await runChild(path, "old")).output).toContain("DONE")
        const old = await dumpOf(path)
        const killed = await runChild(path, "new", kill)
        expect(killed.signal).toBe("SIGKILL")
        expect(killed.output).toContain("COMMITTING")
        expect(killed.output).not.toContain("DONE")
        if (kill.cacheMiB !== undefined) expect(killed.walBytes).toBeGreaterThan(1024 * 1024)
        expect(integrity(path)).toBe("ok")
        const state = stateOf(await dumpOf(path), old)
        seen.set(name, state)
        console.log(`killed ${name}: ${state} state (WAL ${killed.walBytes} bytes at the kill)`)
        if (expected !== "either") expect(state).toBe(expected)
        // The store stays usable: the dead process's lock is taken over and the next sync commits.
        if (kill.hold === "committed") expect((await runChild(path, "next")).output).toContain("DONE")
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }, 120_000)
  }

  test("both the old and the new state occurred across the kills", () => {
    expect(seen.size).toBe(cases.length)
    expect(new Set(seen.values())).toEqual(new Set<State>(["old", "new"]))
  })
})
