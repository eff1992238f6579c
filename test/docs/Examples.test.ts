import { afterAll, describe, expect, test } from "bun:test"
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { Effect } from "effect"
import { type Connector, runConnector } from "parallax-connect"
import { statusOf } from "parallax-connect/runtime"

// Every ```ts block of the README and of docs/ is an example that must keep compiling (tsc --strict,
// the project's own settings) and running. The blocks of one document form one project: a block's
// info string may name its file (`file=src/inventory.ts`, so another block can import it) and the raw
// config its connector runs with (`config={"hosts":"2"}`; `$API` is the loopback inventory API below).
// How a block runs: a `bun:test` file with `bun test`; a module whose default export is a connector
// through `runConnector` (every step must succeed); anything else as a program with `bun` (exit 0).
// A ```typescript block is a fragment shown within a larger whole (a test file of this repository, a
// project's client): it is not run.

const root = resolve(import.meta.dir, "../..")
const work = join(root, ".tmp", "examples")

interface Example {
  readonly doc: string
  readonly line: number
  readonly file: string
  readonly config: string | undefined
  readonly source: string
}

const attributes = (info: string): Map<string, string> =>
  new Map(
    info
      .split(/\s+/)
      .filter((word) => word.includes("="))
      .map((word) => [word.slice(0, word.indexOf("=")), word.slice(word.indexOf("=") + 1)] as const)
  )

/** The ```ts blocks of one Markdown document. */
const examplesOf = (doc: string): ReadonlyArray<Example> => {
  const lines = readFileSync(join(root, doc), "utf8").split("\n")
  const found: Array<Example> = []
  for (let index = 0; index < lines.length; index++) {
    const open = /^```ts(\s.*)?$/.exec(lines[index] as string)
    if (open === null) continue
    const start = index
    const body: Array<string> = []
    for (index++; index < lines.length && !/^```\s*$/.test(lines[index] as string); index++)
      body.push(lines[index] as string)
    const info = attributes(open[1] ?? "")
    found.push({
      doc,
      line: start + 1,
      file: info.get("file") ?? `example-${start + 1}.ts`,
      config: info.get("config"),
      source: `${body.join("\n")}\n`
    })
  }
  return found
}

const documents = [
  "README.md",
  ...readdirSync(join(root, "docs"), { recursive: true })
    .map(String)
    .filter((name) => name.endsWith(".md"))
    .map((name) => join("docs", name))
]
const examples = documents.flatMap(examplesOf)
const projectOf = (example: Example) => join(work, example.doc.replace(/\.md$/, "").replace(/[/\\]/g, "-"))
const pathOf = (example: Example) => join(projectOf(example), example.file)

/** The inventory API the examples read: two hosts, their services, two regions. */
const api = Bun.serve({
  port: 0,
  fetch: (request) => {
    const path = new URL(request.url).pathname
    if (path === "/hosts")
      return Response.json([
        { name: "web-01", running: true },
        { name: "db-01", running: false }
      ])
    const services = /^\/hosts\/([^/]+)\/services$/.exec(path)
    if (services) return Response.json(services[1] === "web-01" ? ["nginx"] : ["postgres"])
    if (path === "/regions") return Response.json(["eu-west-1", "us-east-1"])
    return new Response("not found", { status: 404 })
  }
})
const apiUrl = `http://127.0.0.1:${api.port}`
afterAll(() => api.stop(true))

rmSync(work, { recursive: true, force: true })
for (const example of examples) {
  mkdirSync(dirname(pathOf(example)), { recursive: true })
  writeFileSync(pathOf(example), example.source)
}
writeFileSync(
  join(work, "tsconfig.json"),
  JSON.stringify({ extends: relative(work, join(root, "tsconfig.json")), include: ["**/*.ts"] })
)

const where = (example: Example) => `${example.doc}:${example.line}`

const spawn = async (args: ReadonlyArray<string>, cwd: string) => {
  const child = Bun.spawn([...args], {
    cwd,
    env: { ...process.env, INVENTORY_URL: apiUrl, NO_COLOR: "1" },
    stdout: "pipe",
    stderr: "pipe"
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited
  ])
  return { code, output: `${stdout}${stderr}` }
}

const isConnector = (value: unknown): value is Connector<unknown, never> =>
  typeof value === "object" && value !== null && "name" in value && "steps" in value && "config" in value

describe("the examples of the README and docs/", () => {
  test("there are examples, and every one of them type-checks under tsc --strict", async () => {
    expect(examples.length).toBeGreaterThan(8)
    const tsc = await spawn([process.execPath, join(root, "node_modules/typescript/bin/tsc"), "-p", work], root)
    expect(tsc.output).toBe("")
    expect(tsc.code).toBe(0)
  }, 120_000)

  for (const example of examples) {
    test(`${where(example)} (${example.file}) runs`, async () => {
      const path = pathOf(example)
      if (example.source.includes('from "bun:test"')) {
        const run = await spawn([process.execPath, "test", `./${example.file}`], projectOf(example))
        expect(run.code, run.output).toBe(0)
        return
      }
      if (!/^export default /m.test(example.source)) {
        const run = await spawn([process.execPath, path], projectOf(example))
        expect(run.code, run.output).toBe(0)
        return
      }
      const module = (await import(path)) as { readonly default: unknown }
      if (!isConnector(module.default)) throw new Error(`${where(example)}: the default export is not a connector`)
      const config = example.config === undefined ? {} : JSON.parse(example.config.replaceAll("$API", apiUrl))
      const output = await Effect.runPromise(runConnector(module.default, { config }))
      const failed = output.steps.filter((step) => step.status !== "succeeded" && step.status !== "disabled")
      expect(failed.map((step) => `${step.id}: ${step.error?.message ?? step.skippedBecause}`)).toEqual([])
      expect(statusOf(output.steps)).toBe("succeeded")
      expect(output.entities.length).toBeGreaterThan(0)
    }, 120_000)
  }
})
