import { describe, expect, test } from "bun:test"
import { Effect, Logger } from "effect"
import { runConnector } from "parallax-connect"
import {
  dependents,
  emptied,
  failingDiscovery,
  type RunSchedule,
  scheduled,
  withFaults
} from "../../harness/internal/Wrap.ts"
import * as Inventory from "./support/Inventory.ts"

const hosts = [
  { name: "web", running: true, owner: "alice", services: ["nginx", "redis"] },
  { name: "db", running: false, owner: "bob", services: ["postgres"] }
]
const run = (connector: typeof Inventory.inventory, concurrency = 4) =>
  Effect.runPromise(
    runConnector(connector, { config: Inventory.config, layer: Inventory.Inventory.layer(hosts), concurrency }).pipe(
      Effect.provide(Logger.remove(Logger.defaultLogger))
    )
  )
const statuses = (output: Awaited<ReturnType<typeof run>>) =>
  Object.fromEntries(output.steps.map((outcome) => [outcome.id, outcome.status]))

describe("step wrapping", () => {
  test("injected faults fail, time out and skip exactly the planned steps", async () => {
    const output = await run(withFaults(Inventory.inventory, ["fail-after", "none", "timeout"]))
    expect(statuses(output)).toEqual({ hosts: "failed", services: "skipped", owners: "timed_out" })
    expect(output.entities).toEqual([])
  })

  test("a step failing after it emitted leaves nothing staged", async () => {
    const output = await run(withFaults(Inventory.inventory, ["none", "fail-after", "none"]))
    expect(statuses(output)).toEqual({ hosts: "succeeded", services: "failed", owners: "succeeded" })
    expect(output.entities.map((record) => record.type).sort()).toEqual(["host", "host", "user", "user"])
  })

  test("emptied and failing discovery", async () => {
    expect((await run(emptied(Inventory.inventory))).entities).toEqual([])
    const failed = await Effect.runPromise(
      Effect.flip(runConnector(failingDiscovery(Inventory.inventory), { config: Inventory.config }))
    )
    expect(failed._tag).toBe("AuthFailed")
  })

  test("a schedule re-orders, delays and shuffles without changing a correct connector's output", async () => {
    const plan: RunSchedule = {
      concurrency: 3,
      order: [9, 5, 1],
      delays: [3, 0, 1],
      yields: [2, 1, 0],
      shuffles: [7, 0, 3]
    }
    const wrapped = scheduled(Inventory.inventory, plan)
    expect(wrapped.steps.map((step) => step.id)).toEqual(["owners", "services", "hosts"])
    const sort = (output: Awaited<ReturnType<typeof run>>) => output.entities.map((record) => record.id).sort()
    expect(sort(await run(wrapped, 3))).toEqual(sort(await run(Inventory.inventory, 1)))
  })

  test("dependents are transitive", () => {
    expect([...dependents(Inventory.inventory, new Set(["hosts"]))]).toEqual(["services"])
    expect([...dependents(Inventory.inventory, new Set(["owners"]))]).toEqual([])
  })
})
