import { describe, expect, test } from "bun:test"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { parallax, tempDir } from "./support/Binary.ts"

// `parallax init` writes a project that the real TypeScript compiler checks under --strict with nothing
// but what init wrote (no node_modules anywhere up the tree): the tsconfig.json and parallax.d.ts, the
// bundled declarations of parallax-connect, parallax-connect/harness and effect.

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

describe("parallax init (the compiled binary)", () => {
  test("writes a project that type-checks under tsc --strict without node_modules, and reports a type error", async () => {
    const dir = tempDir("parallax-init-types-")
    expect((await parallax(["init", "typed"], { cwd: dir })).code).toBe(0)
    const project = join(dir, "typed")
    expect(readdirSync(project).sort()).toEqual([
      "README.md",
      "connector.ts",
      "parallax.d.ts",
      "test.sh",
      "tsconfig.json"
    ])
    for (let up = project; up !== "/"; up = resolve(up, "..")) expect(existsSync(join(up, "node_modules"))).toBe(false)
    const tsconfig = JSON.parse(readFileSync(join(project, "tsconfig.json"), "utf8"))
    expect(tsconfig.compilerOptions).toMatchObject({ strict: true, types: [] })
    const declarations = readFileSync(join(project, "parallax.d.ts"), "utf8")
    for (const name of ["parallax-connect", "parallax-connect/harness", "effect", "effect/Schema", "fast-check"]) {
      expect(declarations).toContain(`declare module "${name}" {`)
    }
    // The scaffold reads ctx.config in its steps with no type written anywhere.
    const source = readFileSync(join(project, "connector.ts"), "utf8")
    expect(source).toContain("steps: (step) => [")
    expect(source).not.toContain(".run<")

    const clean = await typeCheck(project)
    expect(clean.output).toBe("")
    expect(clean.code).toBe(0)

    // ctx.config is typed from the schema (not any): a misspelt setting is an error, as is a wrong type.
    writeFileSync(
      join(project, "connector.ts"),
      source.replace("length: ctx.config.hosts", "length: ctx.config.hostCount")
    )
    const misspelt = await typeCheck(project)
    expect(misspelt.code).not.toBe(0)
    expect(misspelt.output).toContain(
      "connector.ts(32,43): error TS2339: Property 'hostCount' does not exist on type '{ readonly hosts: number; }'."
    )
    writeFileSync(
      join(project, "connector.ts"),
      source.replace('.property("port", 22)', '.property("port", { number: 22 })')
    )
    const nested = await typeCheck(project)
    expect(nested.code).not.toBe(0)
    expect(nested.output).toContain("connector.ts(45,116): error TS2353")
  }, 180_000)

  test("the scaffold passes its own test: the harness, with nothing but the binary", async () => {
    const dir = tempDir("parallax-init-check-")
    expect((await parallax(["init", "checked"], { cwd: dir })).code).toBe(0)
    const check = await parallax(["check", "./connector.ts", "--runs", "5", "--seed", "1"], {
      cwd: join(dir, "checked")
    })
    expect(check.code).toBe(0)
    expect(check.stdout).toContain("7 passed, 0 failed, 1 not run")
  }, 180_000)
})
