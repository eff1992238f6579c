import { describe, expect, test } from "bun:test"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { binary, parallax, tempDir } from "./support/Binary.ts"

const instances = async (db: string) =>
  (JSON.parse((await parallax(["entities", "--db", db, "--type", "synthetic_instance", "--json"])).stdout) as unknown[])
    .length

describe("configuration sources and output (the compiled binary)", () => {
  test("file < PARALLAX_<CONNECTOR>_<KEY> < --set, each typed by the connector's schema", async () => {
    const dir = tempDir()
    const yaml = join(dir, "synthetic.yaml")
    writeFileSync(yaml, "instances: 3\nfailSteps: []\n")
    const json = join(dir, "synthetic.json")
    writeFileSync(json, JSON.stringify({ instances: 2 }))
    const env = { PARALLAX_SYNTHETIC_INSTANCES: "4" }

    const fromYaml = join(dir, "yaml.db")
    expect((await parallax(["sync", "synthetic", "--db", fromYaml, "--config", yaml])).code).toBe(0)
    expect(await instances(fromYaml)).toBe(3)
    const fromJson = join(dir, "json.db")
    expect((await parallax(["sync", "synthetic", "--db", fromJson, "--config", json])).code).toBe(0)
    expect(await instances(fromJson)).toBe(2)
    const fromEnv = join(dir, "env.db")
    expect((await parallax(["sync", "synthetic", "--db", fromEnv, "--config", yaml], { env })).code).toBe(0)
    expect(await instances(fromEnv)).toBe(4)
    const fromSet = join(dir, "set.db")
    const set = ["sync", "synthetic", "--db", fromSet, "--config", yaml, "--set", "instances=5"]
    expect((await parallax(set, { env })).code).toBe(0)
    expect(await instances(fromSet)).toBe(5)
  }, 120_000)

  test("a secret never appears in output, errors or the store, even when it is invalid", async () => {
    const dir = tempDir("parallax-secret-")
    writeFileSync(
      join(dir, "connector.ts"),
      `import { Schema } from "effect"
import { Connector, entity, step } from "parallax-connect"
export default Connector.make({
  name: "keeper",
  config: Schema.Struct({ token: Schema.Redacted(Schema.String.pipe(Schema.minLength(12))), hosts: Schema.Number }),
  steps: [step("hosts", "Hosts").run((ctx) => ctx.emitEntity(entity("keeper_host", "h").class("Host")))]
})
`
    )
    const short = "tiny-secret"
    const bad = await parallax(
      ["sync", "./connector.ts", "--db", "k.db", "--set", `token=${short}`, "--set", "hosts=x"],
      {
        cwd: dir
      }
    )
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("token")
    expect(bad.stderr).toContain("hosts")
    expect(bad.stderr + bad.stdout).not.toContain(short)
    const good = "a-long-enough-secret-value"
    const ran = await parallax(["sync", "./connector.ts", "--db", "k.db", "--set", "hosts=1", "--log-format", "json"], {
      cwd: dir,
      env: { PARALLAX_KEEPER_TOKEN: good }
    })
    expect(ran.code).toBe(0)
    expect(ran.stderr + ran.stdout).not.toContain(good)
    expect(readFileSync(join(dir, "k.db")).includes(good)).toBe(false)
  }, 120_000)

  test("hiding a one-character secret garbles nothing: the other field's message reads as written", async () => {
    const dir = tempDir()
    const bad = await parallax(
      ["sync", "github", "--db", "g.db", "--set", "org=x", "--set", "token=t", "--set", "baseUrl=notaurl"],
      { cwd: dir }
    )
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("baseUrl: expected an http(s) URL (from --set baseUrl)")
    expect(bad.stderr).not.toContain("<redacted>")
    expect(bad.stderr).not.toContain('"t"')
    expect(existsSync(join(dir, "g.db"))).toBe(false)
  }, 120_000)

  test("nested settings: --set a.b=v and PARALLAX_<CONNECTOR>_<A>_<B>, typed by the schema", async () => {
    const dir = tempDir("parallax-nested-")
    writeFileSync(
      join(dir, "nested.ts"),
      `import { Schema } from "effect"
import { Connector, entity, step } from "parallax-connect"
export default Connector.make({
  name: "nested",
  config: Schema.Struct({ limits: Schema.Struct({ depth: Schema.Number, deep: Schema.Boolean }) }),
  steps: [step("one", "One").run((ctx) =>
    ctx.emitEntity(entity("nested_thing", "1").class("Host").property("depth", ctx.config.limits.depth).property("deep", ctx.config.limits.deep)))]
})
`
    )
    const depth = async (db: string) =>
      (
        JSON.parse((await parallax(["entities", "--db", db, "--json"], { cwd: dir })).stdout) as ReadonlyArray<{
          properties: { depth: number; deep: boolean }
        }>
      )[0]?.properties
    const set = await parallax(
      ["sync", "./nested.ts", "--db", "a.db", "--set", "limits.depth=3", "--set", "limits.deep=true"],
      { cwd: dir }
    )
    expect(set.stderr).not.toContain("Expected")
    expect(set.code).toBe(0)
    expect(await depth("a.db")).toEqual({ depth: 3, deep: true })
    const env = await parallax(["sync", "./nested.ts", "--db", "b.db"], {
      cwd: dir,
      env: { PARALLAX_NESTED_LIMITS_DEPTH: "7", PARALLAX_NESTED_LIMITS_DEEP: "false" }
    })
    expect(env.code).toBe(0)
    expect(await depth("b.db")).toEqual({ depth: 7, deep: false })
    const wrong = await parallax(["sync", "./nested.ts", "--db", "c.db", "--set", "limits.deep=true"], {
      cwd: dir,
      env: { PARALLAX_NESTED_LIMITS_DEPTH: "deep" }
    })
    expect(wrong.code).toBe(2)
    expect(wrong.stderr).toContain('limits.depth: Expected number, actual "deep" (from PARALLAX_NESTED_LIMITS_DEPTH)')
  }, 120_000)

  test("a config file that does not parse is named with the line and column of the error", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, "bad.json"), '{\n  "instances": 3,\n  "users": \n}\n')
    const json = await parallax(["sync", "synthetic", "--db", "s.db", "--config", "bad.json"], { cwd: dir })
    expect(json.code).toBe(2)
    expect(json.stderr.trim()).toBe("parallax: config file bad.json is not valid JSON: line 4, column 1: ValueExpected")
    writeFileSync(join(dir, "bad.yaml"), "instances: 3\nusers: [1\n  x: : y\n")
    const yaml = await parallax(["sync", "synthetic", "--db", "s.db", "--config", "bad.yaml"], { cwd: dir })
    expect(yaml.code).toBe(2)
    expect(yaml.stderr.trim().split("\n")).toHaveLength(1)
    expect(yaml.stderr).toContain("config file bad.yaml is not valid YAML: line 2, column 9: ")
    writeFileSync(join(dir, "typed.yaml"), "instances: lots\n")
    const typed = await parallax(["sync", "synthetic", "--db", "s.db", "--config", "typed.yaml"], { cwd: dir })
    expect(typed.code).toBe(2)
    // One line for the field, though its schema is a union (a number, or its decimal text).
    expect(typed.stderr).toContain(
      '\n  - instances: expected a number (or its decimal text), got "lots" (from typed.yaml)\n'
    )
    expect(existsSync(join(dir, "s.db"))).toBe(false)
  }, 120_000)

  test("a config error from the environment names the variable", async () => {
    const bad = await parallax(["sync", "synthetic", "--db", join(tempDir(), "s.db")], {
      env: { PARALLAX_SYNTHETIC_INSTANCES: "lots" }
    })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("(from PARALLAX_SYNTHETIC_INSTANCES)")
  }, 120_000)

  test("a connector without a config schema rejects every setting", async () => {
    const dir = tempDir("parallax-noconfig-")
    writeFileSync(
      join(dir, "plain.ts"),
      `import { Effect } from "effect"
import { Connector, step } from "parallax-connect"
export default Connector.make({ name: "plain", steps: [step("a", "A").run(() => Effect.void)] })
`
    )
    const bad = await parallax(["sync", "./plain.ts", "--db", "p.db", "--set", "typo=1"], { cwd: dir })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain("typo: is unexpected: this connector takes no settings (from --set typo)")
    expect(existsSync(join(dir, "p.db"))).toBe(false)
    expect((await parallax(["sync", "./plain.ts", "--db", "p.db"], { cwd: dir })).code).toBe(0)
  }, 120_000)

  test("without a terminal: one line per event, no colour; --log-format json gives JSON lines", async () => {
    const db = join(tempDir(), "store.db")
    const lines = await parallax(["sync", "synthetic", "--db", db, "--set", "failSteps=agents"])
    expect(lines.code).toBe(3)
    expect(lines.stderr).toContain("step policies: succeeded")
    expect(lines.stderr).toContain("step agents: failed")
    expect(lines.stdout).toContain("partial")
    expect(lines.stdout + lines.stderr).not.toContain("\u001b[")
    const json = await parallax(["sync", "synthetic", "--db", db, "--log-format", "json"])
    const events = json.stderr
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { event: string })
    expect(events[0]?.event).toBe("SyncStarted")
    expect(events.map((event) => event.event)).toContain("SyncCommitted")
    const help = await parallax(["--help"])
    expect(help.stdout).not.toContain("\u001b[")
    expect(help.stdout).toContain("sync")
  }, 120_000)

  test("plan shows steps, dependencies and waves; a closed pipe is not an error", async () => {
    const plan = JSON.parse((await parallax(["plan", "synthetic", "--json"])).stdout) as {
      waves: ReadonlyArray<ReadonlyArray<string>>
      steps: ReadonlyArray<{ id: string; dependsOn: ReadonlyArray<string>; wave: number }>
    }
    expect(plan.waves[0]).toContain("policies")
    for (const step of plan.steps) {
      for (const dependency of step.dependsOn) {
        expect(plan.steps.find((other) => other.id === dependency)!.wave).toBeLessThan(step.wave)
      }
    }
    const human = await parallax(["plan", "synthetic"])
    expect(human.stdout).toContain("waves")
    const db = join(tempDir(), "store.db")
    expect((await parallax(["sync", "synthetic", "--db", db, "--set", "instances=2000"])).code).toBe(0)
    const closed = Bun.spawnSync([
      "bash",
      "-c",
      `"${await binary()}" export --db "${db}" --format ndjson | head -n 1 >/dev/null; echo "\${PIPESTATUS[0]}"`
    ])
    expect(closed.stdout.toString().trim()).toBe("0")
    expect(closed.stderr.toString()).not.toContain("EPIPE")
  }, 120_000)

  test("Ctrl-C interrupts the running steps, commits nothing and exits 130", async () => {
    const dir = tempDir("parallax-interrupt-")
    writeFileSync(
      join(dir, "slow.ts"),
      `import { Effect } from "effect"
import { Connector, entity, step } from "parallax-connect"
export default Connector.make({
  name: "slow",
  steps: [step("wait", "Waits").run((ctx) => Effect.zipRight(Effect.sleep("20 seconds"), ctx.emitEntity(entity("slow_thing", "1").class("Host"))))]
})
`
    )
    const child = Bun.spawn([await binary(), "sync", "./slow.ts", "--db", "slow.db"], {
      cwd: dir,
      stdout: "pipe",
      stderr: "pipe"
    })
    const started = (async () => {
      const reader = child.stderr.getReader()
      let seen = ""
      while (!seen.includes("step wait: started")) {
        const chunk = await reader.read()
        if (chunk.done) break
        seen += new TextDecoder().decode(chunk.value)
      }
    })()
    await started
    child.kill("SIGINT")
    expect(await child.exited).toBe(130)
    const history = await parallax(["history", "--db", join(dir, "slow.db"), "--json"])
    expect(JSON.parse(history.stdout)).toEqual([])
  }, 120_000)

  test("init's project is tested with the binary alone: parallax check ./connector.ts", async () => {
    const dir = tempDir("parallax-init-check-")
    expect((await parallax(["init", "probe"], { cwd: dir })).code).toBe(0)
    const checked = await parallax(["check", "./connector.ts", "--runs", "2", "--seed", "7"], {
      cwd: join(dir, "probe")
    })
    expect(checked.code).toBe(0)
  }, 120_000)
})
