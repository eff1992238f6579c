import { describe, expect, test } from "bun:test"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { binary, parallax, tempDir } from "./support/Binary.ts"

describe("commands' edges (the compiled binary)", () => {
  test("init where a parent is a file: one clear line, exit 1", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, "afile"), "")
    const ran = await parallax(["init", join(dir, "afile", "sub")], { cwd: dir })
    expect(ran.code).toBe(1)
    expect(ran.stderr).toBe(`parallax: cannot create ${join(dir, "afile", "sub")}: not a directory\n`)
    const onFile = await parallax(["init", join(dir, "afile")], { cwd: dir })
    expect(onFile.code).toBe(2)
    expect(onFile.stderr).toContain("exists and is not a directory")
  }, 120_000)

  test("output to a full disk: one clear line, exit 1, no source dump", async () => {
    const db = join(tempDir(), "store.db")
    expect((await parallax(["sync", "synthetic", "--db", db])).code).toBe(0)
    for (const command of [`export --db "${db}"`, `stats --db "${db}" --json`, "connectors"]) {
      const ran = Bun.spawnSync(["bash", "-c", `"${await binary()}" ${command} > /dev/full`], {
        env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" }
      })
      expect(ran.exitCode).toBe(1)
      expect(ran.stderr.toString()).toBe("parallax: cannot write the output: ENOSPC: no space left on device, write\n")
    }
  }, 120_000)

  test("help and version: one line of version, each option's notes once", async () => {
    expect((await parallax(["--version"])).stdout).toBe("0.1.0\n")
    const help = (await parallax(["history", "--help"])).stdout
    const limit = help.slice(help.indexOf("\n--limit integer"), help.indexOf("\n--completions"))
    expect(limit).toContain("at most this many rows (default 50)")
    expect(limit.split("This setting is optional.").length - 1).toBe(1)
  }, 120_000)

  test("connectors --json is one object, as its help says, with every built-in and its steps", async () => {
    const help = (await parallax(["connectors", "--help"])).stdout
    expect(help).toContain("print one JSON object")
    const ran = await parallax(["connectors", "--json"])
    expect(ran.code).toBe(0)
    const listed = JSON.parse(ran.stdout) as {
      connectors: ReadonlyArray<{ name: string; description: string; steps: ReadonlyArray<{ id: string }> }>
    }
    expect(listed.connectors.map((connector) => connector.name)).toEqual(["bench", "synthetic", "host", "github"])
    expect(listed.connectors.find((connector) => connector.name === "host")?.steps.map((s) => s.id)).toContain("users")
    const human = await parallax(["connectors"])
    expect(human.stdout).toContain("github")
  }, 120_000)
  test("a listing cut at --limit says so on standard error, and an empty one says nothing matched; --json prints the rows alone", async () => {
    const db = join(tempDir(), "store.db")
    expect((await parallax(["sync", "synthetic", "--db", db])).code).toBe(0)
    const rowsOf = (table: string) => table.split("\n").filter((line) => line.startsWith("│")).length - 1
    const cut = await parallax(["entities", "--db", db, "--limit", "2"])
    expect(cut.code).toBe(0)
    expect(rowsOf(cut.stdout)).toBe(2)
    expect(cut.stderr).toBe(
      "parallax: showing the first 2 entities; more match: raise --limit or narrow with --type, --account or --connector\n"
    )
    const one = await parallax(["relationships", "--db", db, "--limit", "1"])
    expect(rowsOf(one.stdout)).toBe(1)
    expect(one.stderr).toContain("showing the first 1 relationship; more match")
    // Exactly as many as the limit: nothing was left out, nothing to say.
    const all = JSON.parse(
      (await parallax(["entities", "--db", db, "--json", "--limit", "100000"])).stdout
    ) as unknown[]
    const exact = await parallax(["entities", "--db", db, "--limit", String(all.length)])
    expect(rowsOf(exact.stdout)).toBe(all.length)
    expect(exact.stderr).toBe("")
    const json = await parallax(["entities", "--db", db, "--json", "--limit", "2"])
    expect(JSON.parse(json.stdout)).toEqual(all.slice(0, 2))
    expect(json.stderr).toBe("")
    const none = await parallax(["history", "--db", db, "--account", "nobody"])
    expect(none.code).toBe(0)
    expect(none.stderr).toBe("parallax: no runs match\n")
  }, 120_000)
})
