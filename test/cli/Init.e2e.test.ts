import { describe, expect, test } from "bun:test"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { EXAMPLE_BASE_URL } from "../../src/cli/commands/InitTemplates.ts"
import { parallax, tempDir } from "./support/Binary.ts"
import { serveInventory } from "./support/InventoryServer.ts"

describe("parallax init's recorded HTTP fixture (the compiled binary)", () => {
  test("record.ts records what the test replays; the shipped recording is what recording produces; no token in it", async () => {
    const dir = tempDir("parallax-init-record-")
    expect((await parallax(["init", "inventory"], { cwd: dir })).code).toBe(0)
    const project = join(dir, "inventory")
    const fixture = join(project, "fixtures", "inventory.json")
    const shipped = readFileSync(fixture, "utf8")
    const token = "tok_live-9f2/+="
    const api = serveInventory(token)
    try {
      const recorded = await parallax(["sync", "./record.ts", "--dry-run", "--set", `baseUrl=${api.url}`], {
        cwd: project,
        env: { PARALLAX_INVENTORY_TOKEN: token }
      })
      expect(recorded.code).toBe(0)
    } finally {
      api.stop()
    }
    const text = readFileSync(fixture, "utf8")
    expect(text).not.toContain(token)
    expect(text).not.toContain(encodeURIComponent(token))
    expect(text.split(api.url).join(EXAMPLE_BASE_URL)).toBe(shipped)
    // The test replays the new recording with no server: every property holds.
    const checked = await parallax(["check", "./connector.ts", "--runs", "2", "--seed", "3"], { cwd: project })
    expect(checked.code).toBe(0)
    expect(checked.stdout).toContain("7 passed, 0 failed")
  }, 120_000)

  test("a request the recording lacks fails the test and names the request", async () => {
    const dir = tempDir("parallax-init-unrecorded-")
    expect((await parallax(["init", "inventory"], { cwd: dir })).code).toBe(0)
    const fixture = join(dir, "inventory", "fixtures", "inventory.json")
    const recording = JSON.parse(readFileSync(fixture, "utf8")) as { exchanges: Array<{ request: { url: string } }> }
    recording.exchanges = recording.exchanges.filter((exchange) => !exchange.request.url.endsWith("/web-01/services"))
    writeFileSync(fixture, JSON.stringify(recording))
    const checked = await parallax(
      ["check", "./connector.ts", "--runs", "1", "--seed", "3", "--property", "idempotency"],
      {
        cwd: join(dir, "inventory")
      }
    )
    expect(checked.code).toBe(1)
    expect(checked.stdout).toContain(
      `no recorded exchange for GET ${EXAMPLE_BASE_URL}/hosts/web-01/services in ${fixture}`
    )
  }, 120_000)
})
