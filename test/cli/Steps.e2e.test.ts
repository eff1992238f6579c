import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { parallax, tempDir } from "./support/Binary.ts"

interface StepJson {
  readonly id: string
  readonly status: string
  readonly skippedBecause?: string
}

const stepsOf = (stdout: string) =>
  (JSON.parse(stdout) as { steps: ReadonlyArray<StepJson> }).steps.map((step) => [step.id, step.status])

/** The rows one step owns, as stored. */
const rowsOf = (db: string, step: string) => {
  const sqlite = new Database(db, { readonly: true })
  try {
    return [
      ...sqlite.query("SELECT * FROM entities WHERE step = ? ORDER BY id").all(step),
      ...sqlite.query("SELECT * FROM relationships WHERE step = ? ORDER BY id").all(step)
    ]
  } finally {
    sqlite.close()
  }
}

// An outside module with async steps and a step disabled by config, loaded by the binary.
const moduleSource = `import { Schema } from "effect"
import { Connector, entity } from "parallax-connect"

export default Connector.make({
  name: "audited",
  config: Schema.Struct({ audit: Schema.optionalWith(Schema.BooleanFromString, { default: () => true }) }),
  steps: (step) => [
    step("hosts", "Hosts").run(async (ctx) => {
      await ctx.emitEntity(entity("host", "web-01").class("Host"))
    }),
    step("audit", "Audit records")
      .enabledWhen((config) => config.audit, "audit is off (--set audit=false)")
      .run(async (ctx) => {
        await ctx.emitEntity(entity("audit_record", "r1").class("Record"))
      })
  ]
})
`

describe("parallax sync --step and disabled steps (the compiled binary)", () => {
  test("--step runs those steps and their dependencies; the others' rows are kept; the history says not_selected", async () => {
    const db = join(tempDir(), "store.db")
    expect((await parallax(["sync", "synthetic", "--db", db])).code).toBe(0)
    const untouched = ["users", "buckets", "user-roles", "instances", "agents"]
    const before = untouched.map((step) => rowsOf(db, step))
    const selected = await parallax([
      "sync",
      "synthetic",
      "--db",
      db,
      "--step",
      "roles",
      "--step",
      "security-groups",
      "--set",
      "generation=4",
      "--force",
      "--json"
    ])
    expect(selected.code).toBe(0)
    expect(JSON.parse(selected.stdout).status).toBe("succeeded")
    expect(stepsOf(selected.stdout)).toEqual([
      ["policies", "succeeded"],
      ["security-groups", "succeeded"],
      ["users", "not_selected"],
      ["buckets", "not_selected"],
      ["roles", "succeeded"],
      ["user-roles", "not_selected"],
      ["instances", "not_selected"],
      ["agents", "not_selected"]
    ])
    expect(untouched.map((step) => rowsOf(db, step))).toEqual(before)
    const history = JSON.parse((await parallax(["history", "--db", db, "--json", "--limit", "1"])).stdout) as [
      { steps: ReadonlyArray<StepJson> }
    ]
    expect(history[0].steps.find((step) => step.id === "users")).toMatchObject({
      status: "not_selected",
      skippedBecause: "not selected (roles, security-groups)"
    })
  }, 120_000)

  test("an unknown --step is bad usage (exit 2), naming the connector's steps; nothing is written", async () => {
    const dir = tempDir()
    const run = await parallax(["sync", "synthetic", "--db", join(dir, "store.db"), "--step", "nope"])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('connector "synthetic" has no step "nope" (its steps: policies, security-groups,')
    expect(await Bun.file(join(dir, "store.db")).exists()).toBe(false)
  }, 120_000)

  test("a step disabled by config is reported disabled with its reason, keeps its rows, and the sync succeeds", async () => {
    const dir = tempDir()
    const db = join(dir, "store.db")
    writeFileSync(join(dir, "connector.ts"), moduleSource)
    expect((await parallax(["sync", "./connector.ts", "--db", db], { cwd: dir })).code).toBe(0)
    const audit = rowsOf(db, "audit")
    expect(audit).toHaveLength(1)
    const off = await parallax(["sync", "./connector.ts", "--db", db, "--set", "audit=false"], { cwd: dir })
    expect(off.code).toBe(0)
    expect(off.stderr).toContain("step audit: disabled, audit is off (--set audit=false)")
    expect(off.stdout).toContain(
      "steps left out (their rows were kept):\n  audit: disabled: audit is off (--set audit=false)"
    )
    expect(off.stdout).not.toContain("did not succeed")
    expect(rowsOf(db, "audit")).toEqual(audit)
    const json = await parallax(["sync", "./connector.ts", "--db", db, "--set", "audit=false", "--json"], { cwd: dir })
    expect(JSON.parse(json.stdout).steps[1]).toMatchObject({
      id: "audit",
      status: "disabled",
      skippedBecause: "audit is off (--set audit=false)"
    })
  }, 120_000)
})
