import { describe, expect, test } from "bun:test"
import type { PgSample, PgScenario } from "../../bench/lib/pg-bench.ts"
import { type PgRow, pgRows, renderPostgres } from "../../bench/lib/pg-report.ts"

/** A PostgreSQL row at n = 1M with one run's wall time and, for a baseline, what its script printed. */
const row = (scenario: PgScenario, wallMs: number, detail?: unknown): PgRow => ({
  n: 1_000_000,
  scenario,
  wallMs: [wallMs],
  peakRssKiB: [100 * 1024],
  databaseBytes: [0],
  stats: [undefined],
  rowsWritten: [undefined],
  detail: [detail],
  phases: [scenario === "same" ? { collectionMs: 9000, sealMs: 0, diffMs: 300, writesMs: 0, otherMs: 700 } : undefined],
  problems: []
})

const meta = { runs: 1, server: "postgres://parallax:***@127.0.0.1:5432/x" }
const spillBound = () => "the spill's bound"

/** The report's sentence about `same` against its target, with the SDK alone at 4 s and `same` at 10 s. */
const sameSentence = (readback: PgRow | undefined): string | undefined => {
  const rows = [row("pg-floor", 60_000), row("sdk-only", 4_000), row("same", 10_000)]
  if (readback !== undefined) rows.splice(1, 0, readback)
  return renderPostgres(rows, () => undefined, meta, spillBound).find((line) => line.startsWith("`same` against"))
}

describe("the PostgreSQL report's bound of same", () => {
  test("reading back from the store is set against the room the target leaves: more than it", () => {
    const sentence = sameSentence(row("pg-readback", 3_100, { readMs: 3_000 }))
    expect(sentence).toContain("the spill's bound.")
    expect(sentence).toContain("the hosts alone take 3.00 s to read")
    expect(sentence).toContain("0.75× the SDK alone, more than the 0.50× (2.00 s) the target leaves")
  })

  test("or within it", () => {
    const sentence = sameSentence(row("pg-readback", 1_600, { readMs: 1_500 }))
    expect(sentence).toContain("0.38× the SDK alone, within the 0.50× (2.00 s) the target leaves")
  })

  test("without a read-back measurement, only the spill's bound is given", () => {
    const sentence = sameSentence(undefined)
    expect(sentence).toContain("the spill's bound.")
    expect(sentence).not.toContain("from the store")
  })

  test("the read back is a baseline: one row, with no verdict", () => {
    const lines = renderPostgres(
      [row("pg-floor", 60_000), row("pg-readback", 3_100, { readMs: 3_000 }), row("sdk-only", 4_000)],
      () => undefined,
      meta
    )
    const line = lines.find((l) => l.startsWith("| pg-readback |"))
    expect(line).toEndWith("| (baseline: the hosts `same`'s steps read back, read from the store `first` left) |  |")
    expect(lines.some((l) => l.startsWith("| pg-readback | 3.10 s | 0.05 |"))).toBe(true)
    expect(lines.filter((l) => l.includes("pg-readback"))).toHaveLength(1)
  })
})

describe("measurements saved before a scenario was added", () => {
  const sample = (wallMs: number): PgSample => ({
    wallMs,
    peakRssKiB: 1024,
    exitCode: 0,
    stdout: "",
    stderr: "",
    databaseBytes: 0,
    stats: undefined,
    detail: undefined,
    problems: []
  })

  test("give no row for it, rather than one of empty medians", () => {
    const saved = { "pg-floor": [sample(1)], first: [sample(2)], "sdk-only": [sample(3)], same: [sample(4)] }
    const rows = pgRows(1000, [saved as unknown as Record<PgScenario, ReadonlyArray<PgSample>>])
    expect(rows.map((r) => r.scenario)).toEqual(["pg-floor", "first", "sdk-only", "same"])
  })
})
