import { describe, expect, test } from "bun:test"
import { join } from "node:path"
import { BunContext } from "@effect/platform-bun"
import { Console, Effect, Either } from "effect"
import { cli } from "../../src/cli/Cli.ts"
import { tempDir } from "../support/TempDirs.ts"

/** Runs the command line in-process with an argv array; returns its exit code (or error) and what it printed. */
const run = (...args: ReadonlyArray<string>) => {
  const printed: Array<string> = []
  const program = Console.consoleWith((console) =>
    Effect.withConsole(cli(["bun", "parallax", ...args]), {
      ...console,
      log: (...items: ReadonlyArray<unknown>) => Effect.sync(() => printed.push(items.map(String).join(" ")))
    })
  )
  return Effect.runPromise(program.pipe(Effect.either, Effect.provide(BunContext.layer))).then((result) => ({
    result,
    output: printed.join("\n")
  }))
}

const exitCode = (result: Either.Either<unknown, unknown>) =>
  Either.match(result, {
    onLeft: (error) => (error as { readonly exitCode?: number }).exitCode ?? "error",
    onRight: (code) => code
  })

describe("the command line spec, run with an argv array", () => {
  test("connectors and plan print JSON and exit 0", async () => {
    const connectors = await run("connectors", "--json")
    expect(exitCode(connectors.result)).toBe(0)
    const listed = JSON.parse(connectors.output) as { connectors: ReadonlyArray<{ name: string }> }
    expect(listed.connectors.map((c) => c.name)).toContain("synthetic")
    const plan = await run("plan", "synthetic", "--json")
    expect(exitCode(plan.result)).toBe(0)
    expect((JSON.parse(plan.output) as { connector: string }).connector).toBe("synthetic")
  })

  test("plan --json and connectors --json carry each step's declarations", async () => {
    type Declared = { id: string; entities: ReadonlyArray<unknown>; relationships: ReadonlyArray<unknown> }
    const instances = {
      id: "instances",
      entities: [{ type: "synthetic_instance", class: "Host" }],
      relationships: [
        { from: "synthetic_instance", verb: "USES", to: "synthetic_role" },
        { from: "synthetic_instance", verb: "HAS", to: "synthetic_security_group" }
      ]
    }
    const plan = JSON.parse((await run("plan", "synthetic", "--json")).output) as { steps: ReadonlyArray<Declared> }
    expect(plan.steps.find((step) => step.id === "instances")).toMatchObject(instances)
    const listed = JSON.parse((await run("connectors", "--json")).output) as {
      connectors: ReadonlyArray<{ name: string; steps: ReadonlyArray<Declared> }>
    }
    const synthetic = listed.connectors.find((connector) => connector.name === "synthetic")
    expect(synthetic?.steps.find((step) => step.id === "instances")).toMatchObject(instances)
    const human = (await run("plan", "synthetic")).output
    expect(human).toContain("synthetic_instance (Host), synthetic_instance -USES-> synthetic_role")
  })

  test("sync maps outcomes to exit codes: 0 succeeded, 3 partial, 2 bad config or unknown connector", async () => {
    const db = join(tempDir("parallax-cli-"), "store.db")
    const ok = await run("sync", "synthetic", "--db", db, "--json")
    expect(exitCode(ok.result)).toBe(0)
    expect((JSON.parse(ok.output) as { status: string }).status).toBe("succeeded")
    const partial = await run("sync", "synthetic", "--db", db, "--json", "--set", "failSteps=users")
    expect(exitCode(partial.result)).toBe(3)
    expect(exitCode((await run("sync", "synthetic", "--db", db, "--set", "instances=many")).result)).toBe(2)
    expect(exitCode((await run("sync", "no-such-connector", "--db", db)).result)).toBe(2)
  })
})
