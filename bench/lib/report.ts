import { cpus, totalmem } from "node:os"
import { MIB, RSS_TARGET_KIB, roundsNote, seconds, spread, statsCell } from "./format.ts"
import { median } from "./measure.ts"
import { type PgRow, type ReportMeta, renderPostgres } from "./pg-report.ts"
import { type Phases, renderPhases } from "./phases.ts"
import type { ReadRow } from "./reads.ts"
import { renderReads } from "./reads-report.ts"
import { renderStartup, type StartupResult } from "./startup.ts"
import {
  type ChurnPages,
  churnFloorText,
  churnPagesText,
  emitRatios,
  inProcessMs,
  renderIssue14,
  sameBoundText,
  stagingPartsText
} from "./targets.ts"

/** Measurements that are not syncs, in the report's order: what the scenarios are compared with. */
const BASELINES = [
  "sdk-only",
  "floor-emit",
  "emit-model",
  "staging-parts",
  "floor",
  "floor-sorted",
  "floor-churn"
] as const

/** Every measurement of the SQLite part, in the report's order: the baselines, then the syncs. */
export const SCENARIOS = [...BASELINES, "first", "same", "churn", "churn-users", "scoped"] as const

/** One scenario at one size: every run's measurements. */
export interface Row {
  readonly n: number
  readonly scenario: (typeof SCENARIOS)[number]
  readonly wallMs: ReadonlyArray<number>
  readonly peakRssKiB: ReadonlyArray<number>
  readonly storeBytes: ReadonlyArray<number>
  readonly stats: ReadonlyArray<Record<string, number> | undefined>
  readonly detail: ReadonlyArray<unknown>
  /** Where each run's time went (syncs only; absent in measurements saved before it was added). */
  readonly phases?: ReadonlyArray<Phases | undefined>
  readonly problems: ReadonlyArray<string>
}

/** Cross-run findings for the report. */
export interface Verdicts {
  sameWrittenPages?: number
  /**
   * By n (the last run's): pages of the entity and relationship tables and indexes that `churn` wrote, and
   * how many they occupied before it.
   */
  churnPages?: Record<number, ChurnPages>
  readonly notes: Array<string>
}

const targets: Record<string, { readonly wallMs?: number; readonly floorRatio?: number; readonly label: string }> = {
  first: { wallMs: 30_000, floorRatio: 1.3, label: "≤ 30 s, ≤ 1.3× floor" },
  same: { wallMs: 8_000, label: "≤ 8 s, 0 rows written" },
  churn: { wallMs: 20_000, label: "≤ 20 s" },
  "churn-users": { label: "(no target: one step's objects changed)" },
  scoped: { label: "a untouched" },
  "sdk-only": { label: "(baseline: nothing stored)" },
  "floor-emit": { label: "(baseline: no SDK, nothing stored)" },
  "emit-model": { label: "(baseline: the SDK's builders and records in a bare loop, no steps, nothing stored)" },
  "staging-parts": { label: "(staging's parts alone, on objects built beforehand)" },
  floor: { label: "(baseline)" },
  "floor-sorted": { label: "(baseline)" },
  "floor-churn": { label: "(churn's changes known beforehand, written by a bare script: the floor of its store work)" }
}
/** Measurements that are not syncs: what the scenarios are compared with. */
export const BASELINE_ROWS: ReadonlySet<string> = new Set(BASELINES)

/** The ratio issue 14 targets for the connector and the SDK alone, against the bare emit loop. */
const EMIT_TARGET = 1.5

/**
 * The connector and the SDK alone against the emit floor, per object (in-process time of each, without
 * start-up): every run's ratio, paired by run, and the median.
 */
const renderEmit = (sized: ReadonlyArray<Row>): ReadonlyArray<string> => {
  const totals = (scenario: Row["scenario"]) =>
    (sized.find((row) => row.scenario === scenario)?.detail ?? []).map((d) => d as Record<string, number> | null)
  const sdk = totals("sdk-only")
  const bare = totals("floor-emit")
  const pairs = sdk.flatMap((run, index) => {
    const floor = bare[index]
    if (!run || !floor || !run.totalMs || !floor.totalMs) return []
    const objects = (run.entities ?? 0) + (run.relationships ?? 0)
    return [{ sdkUs: (1000 * run.totalMs) / objects, floorUs: (1000 * floor.totalMs) / objects }]
  })
  const emit = emitRatios(
    sized.find((row) => row.scenario === "sdk-only"),
    sized.find((row) => row.scenario === "floor-emit")
  )
  if (pairs.length === 0 || emit === undefined) return []
  const { ratios, median: ratio } = emit
  return [
    `Connector + SDK alone, per object: **${median(pairs.map((p) => p.sdkUs)).toFixed(2)} µs**, ` +
      `against **${median(pairs.map((p) => p.floorUs)).toFixed(2)} µs** for a bare loop that builds the same objects' ` +
      "strings and properties, serialises them and computes the same ids and content hashes (bench/floor-emit.ts): " +
      `**${ratio.toFixed(2)}×** (samples: ${ratios.map((r) => r.toFixed(2)).join(", ")}; target ≤ ${EMIT_TARGET}×: ` +
      `${ratio <= EMIT_TARGET ? "met" : "not met"}). In-process time of each, start-up excluded.${emitSplitText(sized)}`,
    ""
  ]
}

/**
 * Where the SDK's time beyond the bare loop goes, from the same rounds: its object model (bench/emit-model.ts)
 * and running the connector's steps; nothing when the model was not measured.
 */
const emitSplitText = (sized: ReadonlyArray<Row>): string => {
  const at = (scenario: Row["scenario"]) => inProcessMs(sized.find((row) => row.scenario === scenario))
  const [sdk, model, bare] = [at("sdk-only"), at("emit-model"), at("floor-emit")]
  if (sdk === undefined || model === undefined || bare === undefined) return ""
  return (
    ` Of the ${seconds(sdk - bare)} the SDK adds (medians), its object model takes ${seconds(model - bare)}: the ` +
    `connector's builders turned into records by a bare loop (bench/emit-model.ts: ${(model / bare).toFixed(2)}× the ` +
    "bare loop), with each value validated and the records and properties objects made; running the connector's " +
    `steps takes the other ${seconds(sdk - model)}: each emit's effect and bookkeeping, and what the connector does ` +
    "beyond building objects (its loops, and the services step reading the hosts back)."
  )
}

const git = (...args: ReadonlyArray<string>) =>
  Bun.spawnSync(["git", ...args])
    .stdout.toString()
    .trim()

/**
 * The commit measured: HEAD, and whether the tree had changes on top of it (bench/RESULTS.md aside: an
 * earlier run's report is not code that this run measures).
 */
export const commitNow = (): string =>
  `${git("rev-parse", "--short", "HEAD")}${
    git("status", "--porcelain", "--", ".", ":(exclude)bench/RESULTS.md").length > 0 ? " + uncommitted changes" : ""
  }`

/**
 * What limits each scenario that misses its target, from the baselines measured beside it: the
 * connector and the SDK alone (`sdk-only`) are the least any sync of this workload can take here.
 */
const limits = (rows: ReadonlyArray<Row>): ReadonlyArray<string> => {
  const largest = Math.max(...rows.map((row) => row.n))
  const at = (scenario: Row["scenario"], n = largest) => rows.find((row) => row.n === n && row.scenario === scenario)
  const sdk = at("sdk-only")
  if (sdk === undefined) return []
  const sdkMs = median(sdk.wallMs)
  const out: Array<string> = []
  for (const scenario of ["first", "same", "churn"] as const) {
    const row = at(scenario)
    const target = targets[scenario]?.wallMs
    if (row === undefined || target === undefined) continue
    const wall = median(row.wallMs)
    const share = Math.round((100 * sdkMs) / wall)
    out.push(
      `- \`${scenario}\`: ${seconds(wall)} (target ${seconds(target)}); the connector and the SDK alone, with nothing ` +
        `stored, take ${seconds(sdkMs)} of it (${share}%), the store ${seconds(wall - sdkMs)}.` +
        (wall <= target
          ? ""
          : sdkMs >= target
            ? " The target is below what building, validating and hashing the workload's objects costs on this machine."
            : "")
    )
  }
  const smallest = Math.min(...rows.map((row) => row.n))
  if (smallest !== largest) {
    for (const scenario of ["first", "same", "churn"] as const) {
      const small = at(scenario, smallest)
      const large = at(scenario, largest)
      if (small === undefined || large === undefined) continue
      const from = median(small.peakRssKiB) / 1024
      const to = median(large.peakRssKiB) / 1024
      out.push(
        `- peak RSS of \`${scenario}\`: ${from.toFixed(0)} MiB at n = ${smallest.toLocaleString("en-US")}, ` +
          `${to.toFixed(0)} MiB at n = ${largest.toLocaleString("en-US")}: ${(((to - from) * MIB) / (3.5 * (largest - smallest))).toFixed(0)} ` +
          "bytes more per object staged (the staging index: id, content hash, owner and row of each object; a re-sync's log spill, 2 bytes per row); " +
          "the page caches (the store's 16 MiB, a first sync's staging table's 4 MiB) stay the same size."
      )
    }
  }
  return out
}

/** The PostgreSQL section of the report, its ratios to the connector and SDK alone taken from `rows`' `sdk-only`. */
export const postgresSection = (
  rows: ReadonlyArray<Row>,
  postgres: {
    readonly rows: ReadonlyArray<PgRow>
    readonly reads?: ReadonlyArray<ReadRow>
    readonly server?: string | undefined
  },
  meta: ReportMeta
): ReadonlyArray<string> => {
  const reads = renderReads(postgres.reads ?? [], "postgres")
  return [...postgresTables(rows, postgres, meta), ...(reads.length > 0 ? ["", ...reads] : [])]
}

const postgresTables = (
  rows: ReadonlyArray<Row>,
  postgres: { readonly rows: ReadonlyArray<PgRow>; readonly server?: string | undefined },
  meta: ReportMeta
): ReadonlyArray<string> =>
  renderPostgres(
    postgres.rows,
    (n) => {
      const sdk = rows.find((row) => row.n === n && row.scenario === "sdk-only")
      return sdk === undefined ? undefined : median(sdk.wallMs)
    },
    { server: postgres.server, measuredAt: meta.measuredAt, commit: meta.commit, runs: meta.runs, rounds: meta.rounds },
    (n, diffMs, sdkMs, target) =>
      sameBoundText(
        rows.find((row) => row.n === n && row.scenario === "staging-parts"),
        diffMs,
        sdkMs,
        target
      )
  )

/** The markdown of `bench/RESULTS.md`. */
export const renderResults = (input: {
  readonly rows: ReadonlyArray<Row>
  /** Start-up against the compiled floors (absent in measurements saved before it was added). */
  readonly startup?: StartupResult
  readonly runs: number
  /** Rounds of `sdk-only`, `floor-emit` and `same` in each run (absent in measurements saved before: 1). */
  readonly rounds?: number
  readonly quick: boolean
  readonly gnuTime: boolean
  readonly verdicts: Verdicts
  /** The read commands beside their floors (absent in measurements saved before they were added). */
  readonly reads?: ReadonlyArray<ReadRow>
  /** When the measurements were made and on which commit (a report written again keeps them). */
  readonly measuredAt?: string
  readonly commit?: string
  /** The PostgreSQL scenarios (absent in measurements saved before they were added), and the server, masked. */
  readonly postgres?: {
    readonly rows: ReadonlyArray<PgRow>
    readonly reads?: ReadonlyArray<ReadRow>
    readonly server?: string | undefined
  }
}): string => {
  const { rows, runs } = input
  const lines: Array<string> = []
  lines.push("# Benchmark results", "")
  lines.push(
    `Produced by \`npm run bench${input.quick ? " -- --quick" : ""}\` (bench/run.ts) on ${input.measuredAt ?? new Date().toISOString()}, ` +
      `commit ${input.commit ?? commitNow()}; ${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, ` +
      `${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Bun ${Bun.version}. Workload: WORKLOAD.md ` +
      `(2.5·n entities, n relationships). Median of ${runs} run${runs === 1 ? "" : "s"} (min–max)${roundsNote(input.rounds)}; wall time of ` +
      `the whole process, peak RSS from ${input.gnuTime ? "GNU `time -v`" : "/proc VmHWM sampling"}, store size = ` +
      "db + wal after the process exits. Stats: entities created ~updated −deleted / relationships likewise.",
    ""
  )
  if (input.startup !== undefined) lines.push(...renderStartup(input.startup), "")
  for (const n of [...new Set(rows.map((row) => row.n))]) {
    const sized = rows.filter((row) => row.n === n)
    const floor = sized.find((row) => row.scenario === "floor")
    const floorMs = floor ? median(floor.wallMs) : Number.NaN
    const sortedFloor = sized.find((row) => row.scenario === "floor-sorted")
    const sortedMs = sortedFloor ? median(sortedFloor.wallMs) : Number.NaN
    lines.push(
      `## n = ${n.toLocaleString("en-US")} (${(2.5 * n).toLocaleString("en-US")} entities, ${n.toLocaleString("en-US")} relationships)`,
      ""
    )
    lines.push(
      "| scenario | wall time | × floor | × sorted floor | peak RSS | store size | stats | target (n = 1M) | verdict |"
    )
    lines.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for (const row of sized) {
      const wall = median(row.wallMs)
      const rss = median(row.peakRssKiB)
      const target = targets[row.scenario]
      const failures: Array<string> = []
      if (rss > RSS_TARGET_KIB) failures.push("RSS > 512 MiB")
      if (n === 1_000_000 && target?.wallMs !== undefined && wall > target.wallMs) failures.push("too slow")
      if (n === 1_000_000 && target?.floorRatio !== undefined && wall > target.floorRatio * floorMs) {
        failures.push(`> ${target.floorRatio}× floor`)
      }
      failures.push(...row.problems)
      const isFloor = BASELINE_ROWS.has(row.scenario)
      if (isFloor) failures.length = 0
      const verdict = isFloor ? "" : failures.length === 0 ? (n === 1_000_000 ? "met" : "ok") : failures.join("; ")
      lines.push(
        `| ${row.scenario} | ${spread(row.wallMs, seconds)} | ${(wall / floorMs).toFixed(2)} | ${(wall / sortedMs).toFixed(2)} | ` +
          `${spread(row.peakRssKiB, (k) => `${(k / 1024).toFixed(0)} MiB`)} | ` +
          `${spread(row.storeBytes, (b) => `${(b / MIB).toFixed(0)} MiB`)} | ${statsCell(row.stats[0])} | ` +
          `${target?.label ?? ""} | ${verdict} |`
      )
    }
    lines.push("")
    lines.push(...renderEmit(sized))
    const sdkInProcess = inProcessMs(sized.find((row) => row.scenario === "sdk-only"))
    const parts = stagingPartsText(
      sized.find((row) => row.scenario === "staging-parts"),
      sdkInProcess
    )
    if (parts !== undefined) lines.push(`${parts[0]?.toUpperCase()}${parts.slice(1)}.`, "")
    lines.push(
      ...renderPhases(
        sized.filter((row) => !BASELINE_ROWS.has(row.scenario)),
        sdkInProcess
      )
    )
    for (const [label, row] of [
      ["Floor (rows inserted as generated)", floor],
      ["Sorted floor (every row held in memory and sorted by id first)", sortedFloor]
    ] as const) {
      const detail = row?.detail[0] as Record<string, number> | undefined
      if (detail) {
        lines.push(
          `${label}, run 1: rows generated and hashed${row === sortedFloor ? " and sorted" : ""} in ` +
            `${seconds(detail.generateMs ?? 0)}, inserted in ${seconds(detail.insertMs ?? 0)}, committed in ` +
            `${seconds(detail.commitMs ?? 0)}.`
        )
      }
    }
    const churnFloor = churnFloorText(sized.find((row) => row.scenario === "floor-churn"))
    if (churnFloor !== undefined) lines.push(`Churn floor, median of the runs: ${churnFloor}.`)
    lines.push("")
  }
  if (input.verdicts.sameWrittenPages !== undefined) {
    lines.push(
      `\`same\`: pages of entity/relationship tables and indexes written (compared page by page after a checkpoint): ` +
        `**${input.verdicts.sameWrittenPages}**.`,
      ""
    )
  }
  for (const [n, pages] of Object.entries(input.verdicts.churnPages ?? {})) {
    lines.push(`\`churn\` at n = ${Number(n).toLocaleString("en-US")}: ${churnPagesText(pages)}.`, "")
  }
  for (const note of input.verdicts.notes) lines.push(`- ${note}`)
  const reads = renderReads(input.reads ?? [])
  if (reads.length > 0) lines.push("", ...reads)
  if (input.postgres !== undefined) lines.push("", ...postgresSection(rows, input.postgres, input))
  const issue14 = renderIssue14(rows, input.startup, input.verdicts.sameWrittenPages, input.verdicts.churnPages)
  if (issue14.length > 0) lines.push("", ...issue14)
  const limited = limits(rows)
  if (limited.length > 0) lines.push("", "## What limits the figures", "", ...limited)
  return `${lines.join("\n")}\n`
}
