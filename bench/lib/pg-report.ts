import { MIB, RSS_TARGET_KIB, roundsNote, seconds, spread, statsCell } from "./format.ts"
import { median } from "./measure.ts"
import type { PgSample, PgScenario } from "./pg-bench.ts"
import { PG_SCENARIOS } from "./pg-bench.ts"
import { type Phases, renderPhases } from "./phases.ts"
import type { TableWrites } from "./postgres.ts"
import { inProcessMs } from "./targets.ts"

/** One PostgreSQL scenario at one size: every run's measurements. */
export interface PgRow {
  readonly n: number
  readonly scenario: PgScenario
  readonly wallMs: ReadonlyArray<number>
  readonly peakRssKiB: ReadonlyArray<number>
  readonly databaseBytes: ReadonlyArray<number>
  readonly stats: ReadonlyArray<Record<string, number> | undefined>
  readonly rowsWritten: ReadonlyArray<Record<string, TableWrites> | undefined>
  readonly detail: ReadonlyArray<unknown>
  /** Each sync's phases (absent in measurements saved before they were taken). */
  readonly phases?: ReadonlyArray<Phases | undefined>
  readonly problems: ReadonlyArray<string>
}

/** When and how a report's measurements were made. */
export interface ReportMeta {
  readonly measuredAt?: string | undefined
  readonly commit?: string | undefined
  readonly runs: number
  /** Rounds of the baselines and `same` in each run (absent in measurements saved before: 1). */
  readonly rounds?: number | undefined
}

/** The rows of one size from each run's samples (`runs[r][scenario]`). */
export const pgRows = (
  n: number,
  runs: ReadonlyArray<Record<PgScenario, ReadonlyArray<PgSample>>>
): ReadonlyArray<PgRow> =>
  // No run on PostgreSQL (`--stores sqlite`, or no server): no rows, rather than rows of empty medians.
  // A scenario measurements saved before it was added lack is left out.
  (runs.length === 0 ? [] : PG_SCENARIOS.filter((scenario) => runs.some((run) => run[scenario] !== undefined))).map(
    (scenario) => {
      const samples = runs.flatMap((run) => run[scenario] ?? [])
      return {
        n,
        scenario,
        wallMs: samples.map((s) => s.wallMs),
        peakRssKiB: samples.map((s) => s.peakRssKiB),
        databaseBytes: samples.map((s) => s.databaseBytes),
        stats: samples.map((s) => s.stats),
        rowsWritten: samples.map((s) => s.rowsWritten),
        detail: samples.map((s) => s.detail),
        phases: samples.map((s) => s.phases),
        problems: runs.flatMap((run, r) =>
          (run[scenario] ?? []).flatMap((s) => s.problems.map((problem) => `run ${r + 1}: ${problem}`))
        )
      }
    }
  )

/** The targets of issue 11 at n = 1,000,000, as ratios to the baselines measured in the same run. */
const TARGETS: Record<PgScenario, { readonly floor?: number; readonly sdk?: number; readonly label: string }> = {
  "pg-floor": { label: "(baseline)" },
  "pg-readback": { label: "(baseline: the hosts `same`'s steps read back, read from the store `first` left)" },
  "sdk-only": { label: "(baseline: nothing stored; run right before same)" },
  first: { floor: 1.5, label: "≤ 1.5× PG floor" },
  same: { sdk: 1.5, label: "0 rows written, ≤ 1.5× connector + SDK" },
  churn: { floor: 2, label: "≤ 2× PG floor" },
  "churn-users": { label: "(no target: one step's objects changed)" },
  scoped: { label: "a untouched" }
}

/** The rows that are not syncs: what the scenarios are measured against. */
const BASELINES: ReadonlySet<PgScenario> = new Set(["pg-floor", "pg-readback", "sdk-only"])

const rowsWrittenCell = (written: ReadonlyArray<Record<string, TableWrites> | undefined | null>): string => {
  const measured = written.filter((w): w is Record<string, TableWrites> => w !== undefined && w !== null)
  if (measured.length === 0) return "–"
  const totals = measured.map((w) =>
    Object.values(w).reduce((sum, table) => sum + table.inserted + table.updated + table.deleted, 0)
  )
  return `**${Math.max(...totals)}**`
}

/**
 * The PostgreSQL section of bench/RESULTS.md: per size, the scenarios beside the PostgreSQL floor and the
 * connector and SDK alone (the section's own `sdk-only`, run right before `same`; for measurements saved
 * before it was, `sdkOnlyMs`: the SQLite part's), with ratios judged against the targets at n = 1,000,000.
 */
export const renderPostgres = (
  rows: ReadonlyArray<PgRow>,
  sdkOnlyMs: (n: number) => number | undefined,
  meta: ReportMeta & { readonly server: string | undefined },
  /** What bounds `same` at `n` beyond `target`× the SDK alone given its diff (from staging's parts, measured beside SQLite). */
  sameBound: (n: number, diffMs: number | undefined, sdkMs: number, target: number) => string | undefined = () =>
    undefined
): ReadonlyArray<string> => {
  if (rows.length === 0) {
    return [
      "## PostgreSQL",
      "",
      "Not measured: no server was given (`--pg URL`, `PARALLAX_BENCH_PG_URL` or `PARALLAX_TEST_PG_URL`).",
      ""
    ]
  }
  const lines: Array<string> = ["## PostgreSQL", ""]
  lines.push(
    `Measured on ${meta.measuredAt ?? "?"}, commit ${meta.commit ?? "?"}, median of ${meta.runs} run${meta.runs === 1 ? "" : "s"} ` +
      `(min–max)${roundsNote(meta.rounds, "`sdk-only` and `same`")}. The same scenarios with \`--db postgres://...\` on ${meta.server ?? "a local server"}, each in a database of its own ` +
      "(migrated first by `parallax migrate`, not timed), beside the **PostgreSQL floor**: the same rows " +
      "generated and hashed by the SDK's functions and bulk-loaded by `COPY` into the same schema in one " +
      "transaction (bench/floor-postgres.ts), and the connector and SDK alone (`sdk-only`, bench/collect.ts) run " +
      "right before `same`, which is measured against it. Peak RSS is the parallax process's (the server's memory is not " +
      "counted); database size is `pg_database_size` after the process exits. `rows written` is what the " +
      "server counted (`pg_stat_user_tables`: inserted + updated + deleted) in the entity and relationship " +
      "tables during `same`.",
    ""
  )
  for (const n of [...new Set(rows.map((row) => row.n))]) {
    const sized = rows.filter((row) => row.n === n)
    const floor = sized.find((row) => row.scenario === "pg-floor")
    const floorMs = floor ? median(floor.wallMs) : Number.NaN
    // The section's own baseline, measured right before `same`; else (saved before it was) the SQLite part's.
    const ownSdk = sized.find((row) => row.scenario === "sdk-only")
    const sdkMs = (ownSdk === undefined ? sdkOnlyMs(n) : median(ownSdk.wallMs)) ?? Number.NaN
    lines.push(`### PostgreSQL, n = ${n.toLocaleString("en-US")}`, "")
    lines.push(
      "| scenario | wall time | × PG floor | × connector + SDK | peak RSS | database size | stats | rows written | target (n = 1M) | verdict |"
    )
    lines.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for (const row of sized) {
      const wall = median(row.wallMs)
      const rss = median(row.peakRssKiB)
      const target = TARGETS[row.scenario]
      const failures: Array<string> = []
      if (rss > RSS_TARGET_KIB) failures.push("RSS > 512 MiB")
      if (n === 1_000_000 && target.floor !== undefined && wall > target.floor * floorMs) {
        failures.push(`> ${target.floor}× PG floor`)
      }
      if (n === 1_000_000 && target.sdk !== undefined && wall > target.sdk * sdkMs) {
        failures.push(`> ${target.sdk}× connector + SDK`)
      }
      failures.push(...row.problems)
      const verdict = BASELINES.has(row.scenario)
        ? ""
        : failures.length === 0
          ? n === 1_000_000
            ? "met"
            : "ok"
          : failures.join("; ")
      lines.push(
        `| ${row.scenario} | ${spread(row.wallMs, seconds)} | ${(wall / floorMs).toFixed(2)} | ${(wall / sdkMs).toFixed(2)} | ` +
          `${spread(row.peakRssKiB, (k) => `${(k / 1024).toFixed(0)} MiB`)} | ` +
          `${spread(row.databaseBytes, (b) => `${(b / MIB).toFixed(0)} MiB`)} | ${statsCell(row.stats[0])} | ` +
          `${row.scenario === "same" ? rowsWrittenCell(row.rowsWritten) : "–"} | ${target.label} | ${verdict} |`
      )
    }
    lines.push("")
    // Where the syncs' time went, collection split at the section's own connector and SDK alone (in process).
    lines.push(
      ...renderPhases(
        sized.filter((row) => !BASELINES.has(row.scenario)),
        inProcessMs(ownSdk)
      )
    )
    const same = sized.find((row) => row.scenario === "same")
    const sameTarget = TARGETS.same.sdk
    if (n === 1_000_000 && same !== undefined && sameTarget !== undefined && median(same.wallMs) > sameTarget * sdkMs) {
      const diffs = (same.phases ?? []).flatMap((p) => (p === undefined || p === null ? [] : [p.diffMs]))
      const bound = sameBound(n, diffs.length === 0 ? undefined : median(diffs), sdkMs, sameTarget)
      const fromStore = readbackText(
        sized.find((row) => row.scenario === "pg-readback"),
        sdkMs,
        sameTarget
      )
      if (bound !== undefined) {
        lines.push(`\`same\` against ${sameTarget}× the connector and SDK alone: ${bound}.${fromStore}`, "")
      }
    }
    const detail = floor?.detail[0] as Record<string, number> | undefined
    if (detail) {
      lines.push(
        `PostgreSQL floor, run 1: rows generated and hashed in ${seconds(detail.generateMs ?? 0)}, sent by COPY in ` +
          `${seconds(detail.copyMs ?? 0)}, committed in ${seconds(detail.commitMs ?? 0)} ` +
          `(${(detail.entities ?? 0).toLocaleString("en-US")} entities, ${(detail.relationships ?? 0).toLocaleString("en-US")} relationships).`,
        ""
      )
    }
  }
  return lines
}

/**
 * What a staging that kept no copy of the rows identical to the committed ones would read from the store
 * instead (bench/floor-pg-readback.ts, in process), against the room `target` leaves beyond the SDK alone.
 */
const readbackText = (row: PgRow | undefined, sdkMs: number, target: number): string => {
  const reads = (row?.detail ?? []).flatMap((d) => {
    const readMs = (d as { readMs?: unknown } | null)?.readMs
    return typeof readMs === "number" ? [readMs] : []
  })
  if (reads.length === 0) return ""
  const readMs = median(reads)
  const room = (target - 1) * sdkMs
  return (
    " A staging that kept no copy of a row identical to the committed one would read what the steps read back " +
    `from the store instead: the hosts alone take ${seconds(readMs)} to read from the store \`first\` left ` +
    "(bench/floor-pg-readback.ts: key and properties in pages of 10,000 by id with Bun's `SQL` client, as the " +
    `driver reads), ${(readMs / sdkMs).toFixed(2)}× the SDK alone, ${readMs > room ? "more than" : "within"} the ` +
    `${(target - 1).toFixed(2)}× (${seconds(room)}) the target leaves, before the endpoints' lookups and the ` +
    "committed ids and hashes such a staging would also read."
  )
}

/**
 * `markdown` (a whole report) with its PostgreSQL section replaced by `section` (or added before "What
 * limits the figures", or at the end): how `--stores postgres` updates only that section of a report.
 */
export const withPostgresSection = (markdown: string, section: ReadonlyArray<string>): string => {
  const lines = markdown.replace(/\n+$/, "").split("\n")
  const start = lines.indexOf("## PostgreSQL")
  const nextTop = (from: number) => {
    const at = lines.findIndex((line, index) => index > from && /^## /.test(line))
    return at < 0 ? lines.length : at
  }
  if (start >= 0) lines.splice(start, nextTop(start) - start, ...section)
  else {
    const limits = lines.indexOf("## What limits the figures")
    lines.splice(limits < 0 ? lines.length : limits, 0, ...(limits < 0 ? ["", ...section] : [...section]))
  }
  return `${lines.join("\n")}\n`
}
