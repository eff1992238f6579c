import { describe, expect, test } from "bun:test"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { parallax, tempDir } from "./support/Binary.ts"
import { serveInventory } from "./support/InventoryServer.ts"

const connector = `import { Effect, Schema } from "effect"
import * as Option from "effect/Option"
import { Connector, entity, relationship, step } from "parallax-connect"

export default Connector.make({
  name: "outside",
  config: Schema.Struct({ token: Schema.Redacted(Schema.String), hosts: Schema.Number }),
  steps: [
    step("hosts", "Hosts").run((ctx) =>
      Effect.forEach(Array.from({ length: ctx.config.hosts }, (_, i) => i), (i) =>
        ctx.emitEntity(entity("outside_host", "h" + i).class("Host").property("some", Option.isSome(Option.some(i)))),
        { discard: true })),
    step("links", "Links").dependsOn("hosts").run((ctx) =>
      Effect.forEach([...ctx.prior.entities("outside_host")].slice(1), (host) =>
        ctx.emitRelationship(relationship("outside_host", "h0", "CONNECTS", "outside_host", host.key)),
        { discard: true }))
  ]
})
`

describe("an outside connector module", () => {
  test("loads from a directory with no node_modules, gets the binary's SDK and effect, and syncs", async () => {
    const dir = tempDir("parallax-outside-")
    writeFileSync(join(dir, "connector.ts"), connector)
    expect(existsSync(join(dir, "node_modules"))).toBe(false)
    const plan = await parallax(["plan", "./connector.ts", "--json"], { cwd: dir })
    expect(plan.code).toBe(0)
    expect(JSON.parse(plan.stdout).waves).toEqual([["hosts"], ["links"]])
    const secret = "s3cr3t-token-value"
    const ran = await parallax(["sync", "./connector.ts", "--db", "out.db", "--json", "--set", "hosts=3"], {
      cwd: dir,
      env: { PARALLAX_OUTSIDE_TOKEN: secret }
    })
    expect(ran.stderr).not.toContain(secret)
    expect(ran.code).toBe(0)
    expect(ran.stdout).not.toContain(secret)
    const result = JSON.parse(ran.stdout)
    expect(result.stats.entitiesCreated).toBe(3)
    expect(result.stats.relationshipsCreated).toBe(2)
  }, 120_000)

  test("a module may import parallax-connect/harness as a value", async () => {
    const dir = tempDir("parallax-outside-harness-")
    writeFileSync(
      join(dir, "connector.ts"),
      `import { Effect } from "effect"
import { Connector, entity, step } from "parallax-connect"
import { PROPERTY_NAMES } from "parallax-connect/harness"
export default Connector.make({
  name: "proud",
  steps: [step("a", "A").run((ctx) => ctx.emitEntity(entity("proud_thing", "1").class("Host").property("properties", PROPERTY_NAMES.length)))]
})
`
    )
    const ran = await parallax(["sync", "./connector.ts", "--db", "p.db", "--json"], { cwd: dir })
    expect(ran.stderr).not.toContain("Cannot find package")
    expect(ran.code).toBe(0)
    const entities = JSON.parse((await parallax(["entities", "--db", "p.db", "--json"], { cwd: dir })).stdout)
    expect(entities[0].properties.properties).toBeGreaterThan(0)
  }, 120_000)

  test("a module that does not build lists each error with its line and column", async () => {
    const dir = tempDir("parallax-broken-")
    writeFileSync(join(dir, "twice.ts"), "const a = 1\nconst a = 2\nlet b = 1\nlet b = 2\nexport default a\n")
    const twice = await parallax(["plan", "./twice.ts"], { cwd: dir })
    expect(twice.code).toBe(2)
    const path = join(dir, "twice.ts")
    expect(twice.stderr).toContain(`cannot load connector module ${path}: 2 errors:`)
    expect(twice.stderr).toContain(`  ${path}:2:7: "a" has already been declared`)
    expect(twice.stderr).toContain(`  ${path}:4:5: "b" has already been declared`)
    writeFileSync(
      join(dir, "syntax.ts"),
      'import { Connector } from "parallax-connect"\nexport default Connector.make({ steps: [ }\n'
    )
    const syntax = await parallax(["sync", "./syntax.ts"], { cwd: dir })
    expect(syntax.code).toBe(2)
    expect(syntax.stderr).toContain(`${join(dir, "syntax.ts")}:2:42: Unexpected }`)
  }, 120_000)

  test("init scaffolds a project that plans and syncs", async () => {
    const dir = tempDir("parallax-init-")
    const created = await parallax(["init", "my-project"], { cwd: dir })
    expect(created.code).toBe(0)
    const project = join(dir, "my-project")
    for (const file of ["connector.ts", "record.ts", "fixtures/inventory.json", "README.md", "test.sh"]) {
      expect(existsSync(join(project, file))).toBe(true)
    }
    // parallax-connect is not published: the scaffold's README must not send anyone to a registry page.
    expect(readFileSync(join(project, "README.md"), "utf8")).not.toContain("npmjs.com")
    expect((await parallax(["plan", "./connector.ts"], { cwd: project })).code).toBe(0)
    const api = serveInventory("t0ken")
    try {
      const settings = ["--set", `baseUrl=${api.url}`, "--set", "token=t0ken"]
      const ran = await parallax(["sync", "./connector.ts", "--db", "p.db", "--json", ...settings], { cwd: project })
      expect(ran.code).toBe(0)
      expect(JSON.parse(ran.stdout).status).toBe("succeeded")
      expect(JSON.parse(ran.stdout).stats.entitiesCreated).toBe(6)
    } finally {
      api.stop()
    }
    expect((await parallax(["init", "my-project"], { cwd: dir })).code).toBe(2)
  }, 120_000)
})
