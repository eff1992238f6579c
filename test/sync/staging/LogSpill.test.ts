import { describe, expect, test } from "bun:test"
import { existsSync } from "node:fs"
import { entity, relationship } from "../../../src/index.ts"
import type { EntityRecord, RelationshipRecord } from "../../../src/model/Records.ts"
import { LogSpill } from "../../../src/sync/staging/LogSpill.ts"
import { MemorySpill } from "../../../src/sync/staging/MemorySpill.ts"
import type { Spill } from "../../../src/sync/staging/Spill.ts"

/**
 * The log spill returns exactly what the memory spill does, for rows read from its file, from its write
 * buffer, across blocks of its sparse index, of any size and in any script (lone surrogates too), after
 * owners change and steps are dropped; a scan sees the rows appended before it began.
 */

const STEPS = ["a", "b", "c"] as const

const host = (i: number): EntityRecord =>
  entity(i % 3 === 0 ? "host" : "user", i % 11 === 0 ? `k${i} lone \uD800` : `k${i}`)
    .class(i % 3 === 0 ? "Host" : "User")
    .displayName(i % 7 === 0 ? `Zoë ✓ 名前 ${i} 🚀 "quoted" \\ back\nline` : i % 13 === 0 ? `\uDC00 n${i}` : `n${i}`)
    .property("v", i)
    .property("pad", i % 1000 === 0 ? "x".repeat(1_500_000) : "é".repeat(i % 50))
    .toRecord("acme") as EntityRecord

const edge = (i: number): RelationshipRecord => {
  // A surrogate pair split between two columns (the target's key and the relationship's key): lone in each.
  const split = i % 51 === 0
  const to = split ? `k${i + 1}\uD83D` : `k${i + 1}`
  const built = relationship("host", `k${i}`, i % 2 === 0 ? "USES" : "RUNS", "user", to).property("w", i)
  if (i % 5 === 0) built.toAccount("other")
  if (i % 3 === 0) built.key(split ? `\uDE00d${i}` : i % 11 === 0 ? `d${i} \uDBFF` : `d${i}`)
  return built.toRecord("acme") as RelationshipRecord
}

/** Everything a reader can ask of a spill, after the same appends and changes. */
const observe = (spill: Spill, rows: number) => {
  const all = (items: Iterable<{ row: number; step: string; json: string; record: unknown }>) =>
    [...items].map(({ row, step, json, record }) => ({ row, step, json, record }))
  // Scattered rows, and runs across the large rows (each bigger than the read window and the write buffer).
  const picks = [
    ...Array.from({ length: 200 }, (_, i) => 1 + ((i * 7919) % (rows + 10))),
    ...Array.from({ length: 40 }, (_, i) => 985 + i),
    ...Array.from({ length: 40 }, (_, i) => 3985 + i)
  ]
  return {
    hosts: all(spill.entitiesOfType("host")),
    everything: all(spill.entitiesOfType(undefined)).length,
    missingType: all(spill.entitiesOfType("nothing")),
    picked: all(spill.entities(picks)),
    reversed: all(spill.entities([...picks].reverse())),
    one: spill.entityAt(picks[3] as number)?.record,
    uses: all(spill.relationships("USES")),
    edgesAt: [...spill.edges(picks)],
    edges: [...spill.edges()].length,
    relationshipsAt: all(spill.relationshipsAt(picks))
  }
}

const fill = (spill: Spill, rows: number) => {
  for (let row = 1; row <= rows; row++) {
    spill.appendEntity(row, STEPS[row % 3] as string, host(row), JSON.stringify(host(row).properties))
    spill.appendRelationship(row, STEPS[(row + 1) % 3] as string, edge(row), JSON.stringify(edge(row).properties))
    if (row % 997 === 0) spill.setStep(0, row - 5, "c")
    if (row === 3000) spill.dropStep(0, "b")
    if (row === 3500) spill.dropStep(1, "a")
  }
}

describe("LogSpill", () => {
  test("reads back what the memory spill does: from file and buffer, every block, any size and script", () => {
    const rows = 4200
    const log = new LogSpill()
    const memory = new MemorySpill()
    try {
      fill(log, rows)
      fill(memory, rows)
      // Before sealing: some rows are still in the write buffer.
      expect(observe(log, rows)).toEqual(observe(memory, rows))
      log.seal()
      memory.seal()
      expect(observe(log, rows)).toEqual(observe(memory, rows))
    } finally {
      log.close()
      memory.close()
    }
  }, 60_000)

  test("a scan sees the rows appended before it began, not those appended while it runs", () => {
    const log = new LogSpill()
    try {
      for (let row = 1; row <= 100; row++) log.appendEntity(row, "a", host(row), "{}")
      let next = 101
      const seen: Array<number> = []
      for (const item of log.entitiesOfType(undefined)) {
        seen.push(item.row)
        log.appendEntity(next, "a", host(next), "{}")
        next++
      }
      expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i + 1))
      expect(log.entityAt(150)?.record.key).toBe("k150")
    } finally {
      log.close()
    }
  })

  test("past its byte limit a write fails as on a full disk; closing deletes its directory", () => {
    const log = new LogSpill(64 * 1024)
    const directory = log.directory
    let failure: unknown
    try {
      for (let row = 1; row <= 1000; row++) log.appendEntity(row, "a", host(row), "x".repeat(200))
    } catch (error) {
      failure = error
    }
    expect((failure as { code?: string }).code).toBe("ENOSPC")
    expect(log.bytes).toBeLessThanOrEqual(64 * 1024)
    log.close()
    expect(existsSync(directory)).toBe(false)
  })
})
