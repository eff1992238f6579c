import { describe, expect, test } from "bun:test"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { EXAMPLE_BASE_URL } from "../../src/cli/commands/InitTemplates.ts"
import { parallax, tempDir } from "./support/Binary.ts"
import { serveInventory } from "./support/InventoryServer.ts"

describe("parallax init's recorded HTTP fixture (the compiled binary)", () => {
  test("record.ts records what the test replays; the shipped recording is what recording produces; no token in it", async () => {
    const dir = tempDir("parallax-init-record-")
    expect((await parallax(["init", "inventory"], { cwd: dir })).code).toBe(0)
    const project = join(dir, "inventory")
    const fixture = join(project, "fixtures", "inventory.json")
    const shipped = readFileSync(fixture, "utf8")
    const token = "tok_live-9f2/+="
    const api = serveInventory(token)
    try {
      const recorded = await parallax(["sync", "./record.ts", "--dry-run", "--set", `baseUrl=${api.url}`], {
        cwd: project,
        env: { PARALLAX_INVENTORY_TOKEN: token }
      })
      expect(recorded.code).toBe(0)
    } finally {
      api.stop()
    }
    const text = readFileSync(fixture, "utf8")
    expect(text).not.toContain(token)
    expect(text).not.toContain(encodeURIComponent(token))
    expect(text.split(api.url).join(EXAMPLE_BASE_URL)).toBe(shipped)
    // The test replays the new recording with no server: every property holds.
    const checked = await parallax(["check", "./connector.ts", "--runs", "2", "--seed", "3"], { cwd: project })
    expect(checked.code).toBe(0)
    expect(checked.stdout).toContain("8 passed, 0 failed")
  }, 120_000)

  test("a request the recording lacks fails the test and names the request", async () => {
    const dir = tempDir("parallax-init-unrecorded-")
    expect((await parallax(["init", "inventory"], { cwd: dir })).code).toBe(0)
    const fixture = join(dir, "inventory", "fixtures", "inventory.json")
    const recording = JSON.parse(readFileSync(fixture, "utf8")) as { exchanges: Array<{ request: { url: string } }> }
    recording.exchanges = recording.exchanges.filter((exchange) => !exchange.request.url.endsWith("/web-01/services"))
    writeFileSync(fixture, JSON.stringify(recording))
    const checked = await parallax(
      ["check", "./connector.ts", "--runs", "1", "--seed", "3", "--property", "idempotency"],
      {
        cwd: join(dir, "inventory")
      }
    )
    expect(checked.code).toBe(1)
    expect(checked.stdout).toContain(
      `no recorded exchange for GET ${EXAMPLE_BASE_URL}/hosts/web-01/services in ${fixture}`
    )
  }, 120_000)
})

// `parallax init` writes a project that the real TypeScript compiler checks under --strict with nothing
// but what init wrote (no node_modules anywhere up the tree): tsconfig.json and parallax.d.ts, the bundled
// declarations of parallax-connect, parallax-connect/harness, effect and @effect/platform.

const tsc = join(resolve(import.meta.dir, "../.."), "node_modules/typescript/bin/tsc")

const typeCheck = async (project: string) => {
  const child = Bun.spawn([process.execPath, tsc, "-p", project], { cwd: project, stdout: "pipe", stderr: "pipe" })
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited
  ])
  return { code, output: `${stdout}${stderr}` }
}

describe("parallax init's types (the compiled binary)", () => {
  test("the project type-checks under tsc --strict without node_modules, and a type error is reported", async () => {
    const dir = tempDir("parallax-init-types-")
    expect((await parallax(["init", "typed"], { cwd: dir })).code).toBe(0)
    const project = join(dir, "typed")
    expect(readdirSync(project).sort()).toEqual([
      "README.md",
      "connector.ts",
      "fixtures",
      "parallax.d.ts",
      "record.ts",
      "test.sh",
      "tsconfig.json"
    ])
    for (let up = project; up !== "/"; up = resolve(up, "..")) expect(existsSync(join(up, "node_modules"))).toBe(false)
    const tsconfig = JSON.parse(readFileSync(join(project, "tsconfig.json"), "utf8"))
    expect(tsconfig.compilerOptions).toMatchObject({ strict: true, types: [] })
    const declarations = readFileSync(join(project, "parallax.d.ts"), "utf8")
    for (const name of [
      "parallax-connect",
      "parallax-connect/harness",
      "effect",
      "effect/Schema",
      "@effect/platform"
    ]) {
      expect(declarations).toContain(`declare module "${name}" {`)
    }
    // The scaffold's steps are typed from its config with no type written anywhere.
    const source = readFileSync(join(project, "connector.ts"), "utf8")
    expect(source).toContain("steps: (step) => [")
    expect(source).not.toContain(".run<")

    const clean = await typeCheck(project)
    expect(clean.output).toBe("")
    expect(clean.code).toBe(0)
    // Skipping the declarations' own checks hides a module missing from the bundle (it would type as any):
    // checked, effect's internals report their own quirks, but no module may be missing.
    const tsconfigPath = join(project, "tsconfig.json")
    const strictLib = { ...tsconfig, compilerOptions: { ...tsconfig.compilerOptions, skipLibCheck: false } }
    writeFileSync(tsconfigPath, JSON.stringify(strictLib))
    expect((await typeCheck(project)).output).not.toMatch(/TS2307|TS2305/)
    writeFileSync(tsconfigPath, JSON.stringify(tsconfig))

    // ctx.config is the decoded config (not any): reading a setting type-checks, a misspelt one does not.
    const emitting = '.property("os", host.os))'
    expect(source).toContain(emitting)
    const reads = (expression: string) =>
      source.replace(emitting, `.property("os", host.os).property("api", ${expression}))`)
    writeFileSync(join(project, "connector.ts"), reads("ctx.config.baseUrl.length"))
    expect(await typeCheck(project)).toEqual({ code: 0, output: "" })
    writeFileSync(join(project, "connector.ts"), reads("ctx.config.baseURL.length"))
    const misspelt = await typeCheck(project)
    expect(misspelt.code).not.toBe(0)
    expect(misspelt.output).toContain(
      "error TS2551: Property 'baseURL' does not exist on type '{ readonly baseUrl: string; readonly token: Redacted<string>; }'. Did you mean 'baseUrl'?"
    )
    // And the SDK's own types hold: a property value must be flat.
    writeFileSync(join(project, "connector.ts"), reads("{ nested: true }"))
    const nested = await typeCheck(project)
    expect(nested.code).not.toBe(0)
    expect(nested.output).toContain("connector.ts(")
  }, 180_000)
})
