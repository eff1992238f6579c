import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { SyncStats } from "parallax-connect/runtime"
import { binary, parallax, tempDir } from "./support/Binary.ts"

const json = (text: string) => JSON.parse(text) as Record<string, unknown> & { stats: SyncStats }

/** Every row of the store, for "nothing written" checks. */
const snapshot = (db: string) => {
  const sqlite = new Database(db, { readonly: true })
  try {
    return {
      entities: sqlite.query("SELECT * FROM entities ORDER BY scope_id, id").all(),
      relationships: sqlite.query("SELECT * FROM relationships ORDER BY scope_id, id").all(),
      runs: sqlite.query("SELECT run_id, status FROM runs ORDER BY run_id").all()
    }
  } finally {
    sqlite.close()
  }
}

describe("parallax sync (the compiled binary)", () => {
  test("builds, and answers --version and --help", async () => {
    await binary()
    const version = await parallax(["--version"])
    expect(version.code).toBe(0)
    expect(version.stdout).toBe("0.1.0\n")
    const help = await parallax(["sync", "--help"])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain("--dry-run")
  }, 120_000)

  test("a first sync creates, a re-sync changes nothing, --json is the documented shape", async () => {
    const dir = tempDir()
    const db = join(dir, "store.db")
    const first = await parallax(["sync", "synthetic", "--db", db, "--json"])
    expect(first.code).toBe(0)
    const result = json(first.stdout)
    expect(Object.keys(result).sort()).toEqual(
      [
        "account",
        "connector",
        "dryRun",
        "durationMs",
        "generation",
        "stats",
        "status",
        "steps",
        "syncId",
        "warnings"
      ].sort()
    )
    expect(result.status).toBe("succeeded")
    expect(result.generation).toBe(1)
    expect(result.stats.entitiesCreated).toBeGreaterThan(0)
    const again = json((await parallax(["sync", "synthetic", "--db", db, "--json"])).stdout)
    expect(again.generation).toBe(2)
    expect(again.stats.entitiesCreated + again.stats.entitiesUpdated + again.stats.entitiesDeleted).toBe(0)
    expect(again.stats.relationshipsCreated + again.stats.relationshipsUpdated + again.stats.relationshipsDeleted).toBe(
      0
    )
    expect(again.stats.entitiesUnchanged).toBe(result.stats.entitiesCreated)
  }, 120_000)

  test("two accounts of one connector keep their own rows", async () => {
    const db = join(tempDir(), "store.db")
    expect((await parallax(["sync", "synthetic", "--db", db, "--account", "a"])).code).toBe(0)
    const before = snapshot(db)
    expect((await parallax(["sync", "synthetic", "--db", db, "--account", "b", "--set", "seed=9"])).code).toBe(0)
    // account b with other data, then account b with no instances: account a is untouched throughout
    const stats = JSON.parse((await parallax(["stats", "--db", db, "--json"])).stdout) as {
      scopes: ReadonlyArray<{ account: string; entities: number }>
    }
    expect(stats.scopes.map((scope) => scope.account).sort()).toEqual(["a", "b"])
    const after = snapshot(db)
    const scopeA = (rows: ReadonlyArray<unknown>) => rows.filter((row) => (row as { scope_id: number }).scope_id === 1)
    expect(scopeA(after.entities)).toEqual(scopeA(before.entities))
    expect(scopeA(after.relationships)).toEqual(scopeA(before.relationships))
  }, 120_000)

  test("a failing step exits 3 and keeps the rows it owned", async () => {
    const db = join(tempDir(), "store.db")
    const first = json((await parallax(["sync", "synthetic", "--db", db, "--json"])).stdout)
    const failed = await parallax([
      "sync",
      "synthetic",
      "--db",
      db,
      "--json",
      "--set",
      "failSteps=agents",
      "--set",
      "generation=3"
    ])
    expect(failed.code).toBe(3)
    const partial = json(failed.stdout)
    expect(partial.status).toBe("partial")
    const steps = partial.steps as unknown as ReadonlyArray<{ id: string; status: string; error?: string }>
    expect(steps.find((step) => step.id === "agents")?.status).toBe("failed")
    const agents = JSON.parse((await parallax(["entities", "--db", db, "--type", "synthetic_agent", "--json"])).stdout)
    expect(agents.length).toBeGreaterThan(0)
    expect(first.status).toBe("succeeded")
  }, 120_000)

  test("bad config exits 2, names every invalid field, and writes nothing", async () => {
    const dir = tempDir()
    const db = join(dir, "store.db")
    expect((await parallax(["sync", "synthetic", "--db", db])).code).toBe(0)
    const before = snapshot(db)
    const config = join(dir, "bad.yaml")
    writeFileSync(config, "instances: lots\nusers: -3\n")
    const bad = await parallax(["sync", "synthetic", "--db", db, "--config", config])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("instances")
    expect(bad.stderr).toContain("users")
    expect(bad.stderr).not.toContain("    at ")
    expect(snapshot(db)).toEqual(before)
    const fresh = join(dir, "never.db")
    expect((await parallax(["sync", "synthetic", "--db", fresh, "--set", "instances=lots"])).code).toBe(2)
    expect(() => readFileSync(fresh)).toThrow()
  }, 120_000)

  test("a dry run reports the change and writes nothing", async () => {
    const db = join(tempDir(), "store.db")
    expect((await parallax(["sync", "synthetic", "--db", db])).code).toBe(0)
    const before = snapshot(db)
    const dry = json(
      (await parallax(["sync", "synthetic", "--db", db, "--dry-run", "--json", "--set", "generation=2"])).stdout
    )
    expect(dry.dryRun).toBe(true)
    expect(dry.stats.entitiesCreated + dry.stats.entitiesDeleted + dry.stats.entitiesUpdated).toBeGreaterThan(0)
    expect(snapshot(db)).toEqual(before)
  }, 120_000)

  test("--json steps count identical re-emits; the summary shows each kind of warning, its count and samples", async () => {
    const dir = tempDir("parallax-noisy-")
    writeFileSync(
      join(dir, "noisy.ts"),
      `import { Effect } from "effect"
import { Connector, entity, relationship, step } from "parallax-connect"
export default Connector.make({
  name: "noisy",
  steps: [
    step("things", "things").run((ctx) =>
      Effect.gen(function* () {
        for (let i = 0; i < 8; i++) yield* ctx.emitEntity(entity("noisy_thing", "t" + i).class("Gizmo"))
        yield* ctx.emitEntity(entity("noisy_thing", "t0").class("Gizmo"))
        yield* ctx.emitEntity(entity("noisy_thing", "t1").class("Gizmo"))
      })
    ),
    step("links", "links").dependsOn("things").run((ctx) =>
      Effect.gen(function* () {
        yield* ctx.emitEntity(entity("noisy_host", "h").class("Host"))
        yield* ctx.emitRelationship(relationship("noisy_host", "h", "FROBS", "noisy_thing", "t0"))
      })
    )
  ]
})
`
    )
    const ran = await parallax(["sync", "./noisy.ts", "--db", "n.db", "--json"], { cwd: dir })
    expect(ran.code).toBe(0)
    const steps = json(ran.stdout).steps as unknown as ReadonlyArray<Record<string, unknown>>
    expect(steps.map((step) => [step.id, step.entities, step.duplicates])).toEqual([
      ["things", 8, 2],
      ["links", 1, 0]
    ])
    expect(Object.keys(steps[0] ?? {}).sort()).toEqual(
      ["duplicates", "durationMs", "entities", "id", "relationships", "status"].sort()
    )
    const human = await parallax(["sync", "./noisy.ts", "--db", "n.db"], { cwd: dir })
    expect(human.code).toBe(0)
    const lines = human.stdout.split("\n")
    const table = lines.findLastIndex((line) => line.startsWith("└"))
    expect(lines.slice(table + 1)).toEqual([
      "11 warnings:",
      '  things: unknown class "Gizmo" (10×): entity noisy_thing/t0, entity noisy_thing/t1, entity noisy_thing/t2, entity noisy_thing/t3, entity noisy_thing/t4 and 5 more',
      '  links: unknown verb "FROBS" (1×): relationship noisy_host/h -FROBS-> noisy_thing/t0',
      ""
    ])
    expect(human.stderr).toContain("collection finished: 2/2 steps succeeded, 2 identical re-emits kept once")
  }, 120_000)

  test("a failed sync still prints the --json object (status failed, error), matching the recorded run", async () => {
    const dir = tempDir("parallax-down-")
    writeFileSync(
      join(dir, "down.ts"),
      `import { Effect } from "effect"
import { Connector, ConnectorFailed, entity, step } from "parallax-connect"
export default Connector.make({
  name: "down",
  discover: () => Effect.fail(new ConnectorFailed({ reason: "the source is down" })),
  steps: [step("a", "A").run((ctx) => ctx.emitEntity(entity("down_thing", "1").class("Host")))]
})
`
    )
    const ran = await parallax(["sync", "./down.ts", "--db", "d.db", "--json"], { cwd: dir })
    expect(ran.code).toBe(1)
    expect(ran.stderr).toContain("sync of down (account default) failed: the source is down")
    const result = json(ran.stdout)
    expect(Object.keys(result).sort()).toEqual(
      [
        "account",
        "connector",
        "dryRun",
        "durationMs",
        "error",
        "generation",
        "stats",
        "status",
        "steps",
        "syncId",
        "warnings"
      ].sort()
    )
    expect(result).toMatchObject({ connector: "down", status: "failed", error: "the source is down", steps: [] })
    const history = JSON.parse((await parallax(["history", "--db", "d.db", "--json"], { cwd: dir })).stdout)
    expect(history).toHaveLength(1)
    expect(history[0]).toMatchObject({ syncId: result.syncId, generation: result.generation, status: "failed" })
  }, 120_000)

  test("a dry run without a store creates nothing", async () => {
    const dir = tempDir()
    const dry = await parallax(["sync", "synthetic", "--db", "fresh.db", "--dry-run", "--json"], { cwd: dir })
    expect(dry.code).toBe(0)
    expect(json(dry.stdout)).toMatchObject({ dryRun: true, status: "succeeded" })
    expect(json(dry.stdout).stats.entitiesCreated).toBeGreaterThan(0)
    expect(readdirSync(dir)).toEqual([])
  }, 120_000)

  test("an empty --account is bad usage", async () => {
    const dir = tempDir()
    for (const account of ["", "  "]) {
      const ran = await parallax(["sync", "synthetic", "--db", "s.db", "--account", account], { cwd: dir })
      expect(ran.code).toBe(2)
      expect(ran.stderr).toContain("--account must not be empty")
    }
    expect(readdirSync(dir)).toEqual([])
  }, 120_000)

  test("unknown connectors and broken modules exit 2 with a clear message", async () => {
    const dir = tempDir()
    const unknown = await parallax(["sync", "nope", "--db", join(dir, "x.db")])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown connector "nope"')
    const missing = await parallax(["sync", "./missing.ts"], { cwd: dir })
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("not found")
    writeFileSync(join(dir, "none.ts"), "export const x = 1\n")
    const none = await parallax(["sync", "./none.ts"], { cwd: dir })
    expect(none.code).toBe(2)
    expect(none.stderr).toContain("default export")
    writeFileSync(
      join(dir, "cycle.ts"),
      `import { Effect } from "effect"
import { Connector, step } from "parallax-connect"
export default Connector.make({
  name: "cyclic",
  steps: [
    step("a", "A").dependsOn("b").run(() => Effect.void),
    step("b", "B").dependsOn("a").run(() => Effect.void)
  ]
})
`
    )
    const cycle = await parallax(["plan", "./cycle.ts"], { cwd: dir })
    expect(cycle.code).toBe(2)
    expect(cycle.stderr).toMatch(/cycle: (a -> b -> a|b -> a -> b)/)
  }, 120_000)
})
