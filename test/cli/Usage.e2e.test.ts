import { describe, expect, test } from "bun:test"
import { readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { parallax, tempDir } from "./support/Binary.ts"

/** Runs `args` in a fresh directory: bad usage exits 2 with `message` and leaves the directory empty. */
const badUsage = async (args: ReadonlyArray<string>, message: string, files: Record<string, string> = {}) => {
  const dir = tempDir("parallax-usage-")
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  const ran = await parallax(args, { cwd: dir })
  expect({ args, code: ran.code }).toEqual({ args, code: 2 })
  expect(ran.stderr).toContain(message)
  expect(ran.stderr).not.toContain("    at ")
  // Our error lines and @effect/cli's read alike: `parallax: ...` (a config error's fields indented below).
  for (const line of ran.stderr.trimEnd().split("\n")) expect(line).toMatch(/^(parallax: | {2}- )/)
  expect(readdirSync(dir).sort()).toEqual(Object.keys(files).sort())
}

describe("bad usage exits 2 and writes nothing (the compiled binary)", () => {
  test('--db "" for every command that takes --db', async () => {
    for (const command of [
      ["sync", "synthetic"],
      ["stats"],
      ["entities"],
      ["relationships"],
      ["history"],
      ["export"]
    ]) {
      await badUsage([...command, "--db", ""], "--db must not be empty")
    }
  }, 120_000)

  test("--concurrency, --limit and check --runs below 1, or not integers", async () => {
    await badUsage(["sync", "synthetic", "--concurrency", "abc"], "parallax: --concurrency: 'abc' is not an integer")
    await badUsage(["entities", "--limit", "1.5"], "parallax: --limit: '1.5' is not an integer")
    await badUsage(["entities", "--limit=x", "--account", "x"], "parallax: --limit: 'x' is not an integer")
    await badUsage(["check", "synthetic", "--runs", "2", "--seed", "2x"], "parallax: --seed: '2x' is not an integer")
    await badUsage(["sync"], "parallax: Missing argument <connector>")
    for (const value of ["0", "-1"]) {
      await badUsage(["sync", "synthetic", "--concurrency", value], "--concurrency must be a positive integer")
      await badUsage(["check", "synthetic", "--runs", value], "--runs must be a positive integer")
      for (const command of ["entities", "relationships", "history"]) {
        await badUsage([command, "--limit", value], "--limit must be a positive integer")
      }
    }
  }, 120_000)

  test("a value that is not one of an option's words names the option, as given, and the value", async () => {
    const formats = "Expected one of the following cases: ndjson, json, dot, graphml"
    await badUsage(["export", "--format", "xml"], `parallax: --format: ${formats}; got "xml"`)
    await badUsage(["export", "-f", "yaml"], `parallax: -f: ${formats}; got "yaml"`)
    // The option whose words the message lists, not another one given a value that is not among them.
    await badUsage(["export", "--db", "xml", "--format=svg"], `parallax: --format: ${formats}; got "svg"`)
    await badUsage(
      ["sync", "synthetic", "--log-format", "ndjson", "--account", "text"],
      'parallax: --log-format: Expected one of the following cases: text, json; got "ndjson"'
    )
  }, 120_000)

  test("--set __proto__, constructor and prototype are unknown keys like any other", async () => {
    for (const pair of ["__proto__.x=1", "__proto__=1", "constructor.x=1", "prototype=1", "seed.__proto__=1"]) {
      const key = pair.slice(0, pair.indexOf("="))
      await badUsage(["sync", "synthetic", "--set", pair], `(from --set ${key})`)
    }
    await badUsage(["sync", "synthetic", "--set", "__proto__.x=1"], "  - __proto__: is unexpected")
    await badUsage(["sync", "synthetic", "--config", "c.json"], "  - __proto__: is unexpected", {
      "c.json": '{"seed": 1, "__proto__": {"x": 1}}'
    })
    await badUsage(["sync", "synthetic", "--config", "c.yaml"], "  - __proto__: is unexpected", {
      "c.yaml": "seed: 1\n__proto__:\n  x: 1\n"
    })
  }, 120_000)
})
