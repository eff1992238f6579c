import { afterEach, describe, expect, test } from "bun:test"
import { existsSync, mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { makeSpillDir, sweepSpills } from "../../../src/sync/staging/SpillDir.ts"
import { tempDir } from "../../support/TempDirs.ts"

const CHILD = join(import.meta.dir, "support", "spillChild.ts")

const killed = async (child: ReturnType<typeof Bun.spawn>) => {
  child.kill("SIGKILL")
  await child.exited
}

/** The holders started by the test running, killed when it ends (whether it passed or not). */
const children: Array<ReturnType<typeof Bun.spawn>> = []
afterEach(async () => {
  for (const child of children.splice(0)) await killed(child)
})

/** A process that holds a spill directory under `parent` until it is killed, and that directory. */
const holder = async (parent: string) => {
  const child = Bun.spawn([process.execPath, CHILD, parent], { stdout: "pipe", stderr: "inherit" })
  children.push(child)
  const reader = child.stdout.getReader()
  let printed = ""
  while (!printed.includes("\n")) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`the child ended before it printed its spill (exit ${await child.exited})`)
    printed += new TextDecoder().decode(value)
  }
  reader.releaseLock()
  return { child, path: printed.trim() }
}

describe("spill directories of syncs that were killed", () => {
  test("the next spill deletes the one a killed process left, and keeps the ones live processes hold", async () => {
    const parent = tempDir("parallax-spills-")
    const gone = await holder(parent)
    const live = await holder(parent)
    expect(existsSync(join(gone.path, "live.lock"))).toBe(true)
    await killed(gone.child)
    // Nothing removes a killed process's directory by itself.
    expect(existsSync(gone.path)).toBe(true)

    const first = makeSpillDir(parent)
    // This process's own spills are kept too, however many it holds.
    const second = makeSpillDir(parent)
    expect(existsSync(gone.path)).toBe(false)
    expect(existsSync(live.path)).toBe(true)
    expect(existsSync(first.path)).toBe(true)
    expect(existsSync(second.path)).toBe(true)

    await killed(live.child)
    expect(sweepSpills(parent)).toEqual([live.path])
    expect(existsSync(first.path) && existsSync(second.path)).toBe(true)
    first.remove()
    second.remove()
    expect(existsSync(first.path) || existsSync(second.path)).toBe(false)
  }, 30_000)

  test("a directory with no lock (a binary from before the lock, or not a spill) is left alone", () => {
    const parent = tempDir("parallax-spills-")
    const old = join(parent, "parallax-stage-old")
    mkdirSync(old)
    writeFileSync(join(old, "entities"), "rows")
    const other = join(parent, "other")
    mkdirSync(other)
    writeFileSync(join(other, "live.lock"), "")
    expect(sweepSpills(parent)).toEqual([])
    expect(existsSync(join(old, "entities")) && existsSync(other)).toBe(true)
  })

  test("a parent that does not exist sweeps nothing", () => {
    expect(sweepSpills(join(tempDir("parallax-spills-"), "missing"))).toEqual([])
  })
})
