import { describe, expect, test } from "bun:test"
import { join } from "node:path"
import { binary, parallax, tempDir } from "./support/Binary.ts"

const FULL = "but the report could not be written: ENOSPC: no space left on device, write"

/** `parallax <args> > /dev/full`: the exit code and the last line on standard error. */
const toFullDisk = async (args: ReadonlyArray<string>) => {
  const quoted = args.map((arg) => `'${arg.replace(/'/g, "'\\''")}'`).join(" ")
  const ran = Bun.spawnSync(["bash", "-c", `'${await binary()}' ${quoted} > /dev/full`], {
    env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" }
  })
  return { code: ran.exitCode, last: ran.stderr.toString().trim().split("\n").at(-1) }
}

const generations = async (db: string) =>
  (JSON.parse((await parallax(["history", "--db", db, "--json"])).stdout) as ReadonlyArray<{ generation: number }>)
    .map((run) => run.generation)
    .sort()

describe("a sync whose report cannot be written (the compiled binary)", () => {
  test("says that it committed, and which generation, then exits 1", async () => {
    const db = join(tempDir(), "store.db")
    expect(await toFullDisk(["sync", "synthetic", "--db", db])).toEqual({
      code: 1,
      last: `parallax: committed generation 1 (succeeded) of synthetic (account default), ${FULL}`
    })
    expect(await toFullDisk(["sync", "synthetic", "--db", db, "--json", "--set", "failSteps=users"])).toEqual({
      code: 1,
      last: `parallax: committed generation 2 (partial) of synthetic (account default), ${FULL}`
    })
    expect(await generations(db)).toEqual([1, 2])
  }, 120_000)

  test("a dry run says that nothing was committed; a failed sync says why it failed", async () => {
    const db = join(tempDir(), "store.db")
    expect((await parallax(["sync", "synthetic", "--db", db])).code).toBe(0)
    expect(await toFullDisk(["sync", "synthetic", "--db", db, "--dry-run"])).toEqual({
      code: 1,
      last: `parallax: dry run of synthetic (account default) finished, nothing committed, ${FULL}`
    })
    expect(await generations(db)).toEqual([1])
    const massDeletion = await toFullDisk(["sync", "synthetic", "--db", db, "--json", "--set", "instances=0"])
    expect(massDeletion.code).toBe(1)
    expect(massDeletion.last).toStartWith("parallax: sync of synthetic (account default) failed: ")
    expect(massDeletion.last).toEndWith(FULL)
  }, 120_000)
})
