import { describe, expect, test } from "bun:test"
import { readFileSync, writeFileSync } from "node:fs"
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
