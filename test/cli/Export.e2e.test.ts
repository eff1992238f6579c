import { describe, expect, test } from "bun:test"
import { join } from "node:path"
import { parallax, tempDir } from "./support/Binary.ts"

describe("parallax export and the read commands", () => {
  test("every export format parses back to the same graph", async () => {
    const db = join(tempDir(), "store.db")
    expect((await parallax(["sync", "synthetic", "--db", db])).code).toBe(0)
    const entities = JSON.parse((await parallax(["entities", "--db", db, "--json", "--limit", "100000"])).stdout)
    const relationships = JSON.parse(
      (await parallax(["relationships", "--db", db, "--json", "--limit", "100000"])).stdout
    )

    const ndjson = (await parallax(["export", "--db", db, "--format", "ndjson"])).stdout
    const lines = ndjson
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line))
    expect(lines.filter((item) => item.kind === "entity").length).toBe(entities.length)
    expect(lines.filter((item) => item.kind === "relationship").length).toBe(relationships.length)

    const json = JSON.parse((await parallax(["export", "--db", db, "--format", "json"])).stdout)
    expect(json).toEqual(lines)

    const dot = (await parallax(["export", "--db", db, "--format", "dot"])).stdout
    expect(dot.startsWith("digraph parallax {")).toBe(true)
    expect((dot.match(/ -> /g) ?? []).length).toBe(relationships.length)
    expect((dot.match(/\[label=/g) ?? []).length).toBe(entities.length + relationships.length)

    const graphml = (await parallax(["export", "--db", db, "--format", "graphml"])).stdout
    expect((graphml.match(/<node /g) ?? []).length).toBe(entities.length)
    expect((graphml.match(/<edge /g) ?? []).length).toBe(relationships.length)
    const ids = new Set([...graphml.matchAll(/<node id="([^"]+)"/g)].map((match) => match[1]))
    for (const edge of graphml.matchAll(/source="([^"]+)" target="([^"]+)"/g)) {
      expect(ids.has(edge[1])).toBe(true)
      expect(ids.has(edge[2])).toBe(true)
    }
  }, 120_000)

  test("history lists runs newest first; read commands on a missing store exit 2", async () => {
    const dir = tempDir()
    const db = join(dir, "store.db")
    await parallax(["sync", "synthetic", "--db", db])
    await parallax(["sync", "synthetic", "--db", db, "--set", "generation=1"])
    const history = JSON.parse((await parallax(["history", "--db", db, "--json"])).stdout)
    expect(history.map((run: { generation: number }) => run.generation)).toEqual([2, 1])
    const missing = await parallax(["stats", "--db", join(dir, "missing.db")])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("no store at")
    const { connectors } = JSON.parse((await parallax(["connectors", "--json"])).stdout)
    expect(connectors.map((c: { name: string }) => c.name)).toContain("synthetic")
  }, 120_000)
})
