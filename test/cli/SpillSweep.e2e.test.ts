import { describe, expect, test } from "bun:test"
import { existsSync, mkdirSync, readdirSync } from "node:fs"
import { join } from "node:path"
import { binary, parallax, tempDir } from "./support/Binary.ts"

/**
 * A sync killed with SIGKILL (the out-of-memory killer, `kill -9`, a container stopped without grace) cannot
 * delete its spill; the next sync on the host does, through the real binary.
 */

const spillsIn = (dir: string) => readdirSync(dir).filter((name) => name.startsWith("parallax-stage-"))

describe("spills of killed syncs", () => {
  test("a sync killed while staging leaves its spill; the next sync, of any scope, deletes it", async () => {
    const dir = tempDir("parallax-spill-sweep-")
    const spills = join(dir, "spills")
    mkdirSync(spills)
    const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NO_COLOR: "1", SQLITE_TMPDIR: spills }
    const db = join(dir, "store.db")
    const child = Bun.spawn(
      [await binary(), "sync", "bench", "--db", db, "--account", "a", "--set", "n=300000", "--log-format", "json"],
      { cwd: dir, env, stdout: "ignore", stderr: "pipe", stdin: "ignore" }
    )
    // Killed once its first step has emitted: its spill exists by then, and its commit is far off.
    const reader = child.stderr.getReader()
    let stderr = ""
    while (!/"event":"StepStarted"/.test(stderr)) {
      const { value, done } = await reader.read()
      if (done) break
      stderr += new TextDecoder().decode(value)
    }
    while (spillsIn(spills).length === 0 && child.exitCode === null) await Bun.sleep(10)
    await Bun.sleep(200)
    child.kill("SIGKILL")
    expect(await child.exited).not.toBe(0)
    expect(child.signalCode).toBe("SIGKILL")
    const left = spillsIn(spills)
    expect(left).toHaveLength(1)
    expect(existsSync(join(spills, left[0] as string, "live.lock"))).toBe(true)

    const next = await parallax(["sync", "bench", "--db", db, "--account", "b", "--set", "n=100"], { cwd: dir, env })
    expect(next.code).toBe(0)
    expect(spillsIn(spills)).toEqual([])
  }, 60_000)
})
