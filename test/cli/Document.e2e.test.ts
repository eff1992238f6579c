import { describe, expect, test } from "bun:test"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { parallax, tempDir } from "./support/Binary.ts"

const root = join(import.meta.dir, "..", "..")

describe("parallax document (the compiled binary)", () => {
  test("prints the committed document of a built-in; --check exits 0 when current, 1 with a hint when not", async () => {
    const printed = await parallax(["document", "github"])
    expect(printed.code).toBe(0)
    expect(printed.stdout).toBe(readFileSync(join(root, "docs", "connectors", "github.md"), "utf8"))
    const dir = tempDir("parallax-document-")
    const file = join(dir, "github.md")
    writeFileSync(file, printed.stdout)
    const current = await parallax(["document", "github", "--check", file])
    expect(current.code).toBe(0)
    expect(current.stdout).toBe(`${file} is current\n`)
    writeFileSync(file, printed.stdout.replace("| `github_team` | `Team` |", "| `github_team` | `Group` |"))
    const stale = await parallax(["document", "github", "--check", file])
    expect(stale.code).toBe(1)
    const line = printed.stdout.split("\n").findIndex((text) => text.startsWith("| `github_team` | `Team` |")) + 1
    expect(stale.stderr).toBe(
      [
        `parallax: ${file} is out of date: regenerate it with \`parallax document github > ${file}\``,
        `first difference at line ${line}:`,
        `  expected ${JSON.stringify("| `github_team` | `Team` | `teams` |")}`,
        `  found    ${JSON.stringify("| `github_team` | `Group` | `teams` |")}`,
        ""
      ].join("\n")
    )
    const missing = await parallax(["document", "github", "--check", join(dir, "none.md")])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("none.md does not exist: regenerate it with")
  }, 120_000)

  test("documents a connector module: its config keys from the schema, a step that declares nothing", async () => {
    const dir = tempDir("parallax-document-module-")
    writeFileSync(
      join(dir, "inventory.ts"),
      `import { Effect, Schema } from "effect"
import { Connector, entity, relationship, step } from "parallax-connect"
export default Connector.make({
  name: "inventory",
  description: "Hosts and what runs on them",
  config: Schema.Struct({
    apiUrl: Schema.propertySignature(Schema.String).annotations({ description: "The inventory API" }),
    apiKey: Schema.Redacted(Schema.String),
    pageSize: Schema.optionalWith(Schema.NumberFromString, { default: () => 50 })
  }),
  steps: [
    step("hosts", "Hosts").entities({ type: "inv_host", class: "Host" }).run(() => Effect.void),
    step("services", "Services and the hosts that run them")
      .dependsOn("hosts")
      .entities({ type: "inv_service", class: "Service" })
      .relationships({ from: "inv_host", verb: "RUNS", to: "inv_service" })
      .run(() => Effect.void),
    step("extras", "Anything else").run((ctx) => ctx.emitEntity(entity("inv_extra", "x").class("Device")))
  ]
})
`
    )
    const ran = await parallax(["document", "./inventory.ts"], { cwd: dir })
    expect(ran.code).toBe(0)
    expect(ran.stdout).toContain("| `apiUrl` | string | yes |  |  | The inventory API |")
    expect(ran.stdout).toContain("| `apiKey` | string | yes |  | yes |  |")
    expect(ran.stdout).toContain("| `pageSize` | number | no | `50` |  |  |")
    expect(ran.stdout).toContain("| `inv_host` | `RUNS` | `inv_service` | `services` |")
    expect(ran.stdout).toContain("One step declares nothing (`extras`)")
    const unknown = await parallax(["document", "nope"])
    expect(unknown.code).toBe(2)
  }, 120_000)
})
