import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { Store, type StoreDump } from "../../src/store/Store.ts"
import * as SqliteStore from "../../src/store/sqlite/SqliteStore.ts"

/** C01 against a real crash: a child process killed with SIGKILL in the middle of a large commit. */

const N = 150_000
const CHILD = join(import.meta.dir, "support", "crashChild.ts")

const runChild = async (path: string, tag: string, killAfterMs?: number): Promise<string> => {
  const child = Bun.spawn([process.execPath, CHILD, path, String(N), tag], { stdout: "pipe", stderr: "inherit" })
  const reader = child.stdout.getReader()
  let output = ""
  while (!output.includes(killAfterMs === undefined ? "DONE" : "COMMITTING")) {
    const { value, done } = await reader.read()
    if (done) break
    output += new TextDecoder().decode(value)
  }
  if (killAfterMs !== undefined) {
    await Bun.sleep(killAfterMs)
    child.kill("SIGKILL")
  }
  await child.exited
  return output
}

const dumpOf = (path: string): Promise<StoreDump> =>
  Effect.runPromise(
    Effect.flatMap(Store, (store) => store.dump()).pipe(Effect.provide(SqliteStore.layerWith({ path })), Effect.scoped)
  )

describe("C01: SIGKILL during a large commit", () => {
  for (const delay of [0, 250, 700]) {
    test(`killed ${delay} ms into the commit: old or new state, integrity ok`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "parallax-crash-"))
      try {
        const path = join(dir, "crash.db")
        expect(await runChild(path, "old")).toContain("DONE")
        const old = await dumpOf(path)
        const output = await runChild(path, "new", delay)
        expect(output).toContain("COMMITTING")
        const check = new Database(path)
        expect(check.query("PRAGMA integrity_check").get()).toEqual({ integrity_check: "ok" })
        check.close()
        const after = await dumpOf(path)
        console.log(`killed ${delay} ms into the commit: ${after.runs.length === 1 ? "old" : "new"} state`)
        if (after.runs.length === 1) {
          expect(after).toEqual(old)
        } else {
          expect(after.runs.map((run) => run.generation)).toEqual([1, 2])
          expect(after.rows).toHaveLength(N)
          const tags = new Set(after.rows.map((row) => JSON.parse(row.content.properties as string).tag))
          expect([...tags]).toEqual(["new"])
          expect(after.rows.every((row) => row.generation === 2)).toBe(true)
        }
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    }, 120_000)
  }
})
