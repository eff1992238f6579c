import { median } from "./measure.ts"
import { OPEN_BASE, OPEN_FLOOR, type ReadRow, SHORT_SAMPLES } from "./reads.ts"

/** The targets of issue 15 for the read commands. */
export const READ_TARGETS = {
  /** `stats` and `export`: wall time at most this many times their floor's. */
  floorRatio: 2,
  /** A `--limit 100` read: wall time at most this many ms more than `parallax --help`'s. */
  overStartupMs: 50
} as const

const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`)
const mib = (kib: number) => `${(kib / 1024).toFixed(0)} MiB`
const spread = (values: ReadonlyArray<number>, format: (v: number) => string) =>
  values.length === 1
    ? format(values[0] as number)
    : `**${format(median(values))}** (${format(Math.min(...values))}–${format(Math.max(...values))})`

/** What opening the store costs a bare script (`floor: open the store` − `floor: no store`), if measured. */
const openCost = (sized: ReadonlyArray<ReadRow>): number | undefined => {
  const base = sized.find((row) => row.name === OPEN_BASE)
  const open = sized.find((row) => row.name === OPEN_FLOOR)
  return base === undefined || open === undefined ? undefined : median(open.wallMs) - median(base.wallMs)
}

/** What a read's figures say against its target: the cells `× floor`, `− start-up`, target and verdict. */
const judge = (row: ReadRow, sized: ReadonlyArray<ReadRow>) => {
  const wall = median(row.wallMs)
  const startup = sized.find((other) => other.kind === "startup")
  const floor = sized.find((other) => other.name === row.floor)
  const failures: Array<string> = []
  let ratio = ""
  let over = ""
  let target = ""
  if (row.kind === "scan" && floor !== undefined) {
    const times = wall / median(floor.wallMs)
    ratio = times.toFixed(2)
    target = `≤ ${READ_TARGETS.floorRatio}× floor`
    if (times > READ_TARGETS.floorRatio) {
      // The floor is a bare script; the command line's start-up alone may already exceed what the read may take.
      const bound = startup === undefined ? 0 : median(startup.wallMs) / median(floor.wallMs)
      failures.push(
        `NOT met: ${times.toFixed(1)}× its floor` +
          (bound > READ_TARGETS.floorRatio ? ` (start-up alone, \`--help\`: ${bound.toFixed(1)}× it)` : "")
      )
    }
  }
  if (row.kind === "limit" && startup !== undefined) {
    const extra = wall - median(startup.wallMs)
    over = `${extra.toFixed(0)} ms`
    target = `≤ ${READ_TARGETS.overStartupMs} ms + start-up`
    if (extra > READ_TARGETS.overStartupMs) {
      const opening = openCost(sized)
      failures.push(
        `NOT met: ${(extra - READ_TARGETS.overStartupMs).toFixed(0)} ms over` +
          (opening === undefined ? "" : ` (opening the store alone: ${opening.toFixed(0)} ms)`)
      )
    }
  }
  if (row.kind === "startup") target = "(baseline)"
  if (row.kind === "floor") target = "(baseline)"
  failures.push(...row.problems)
  const judged = row.kind === "scan" || row.kind === "limit"
  const verdict = failures.length > 0 ? failures.join("; ") : judged ? "met" : ""
  return { ratio, over, target, verdict }
}

/**
 * What a read command costs beyond start-up whatever it reads: `history --limit 100` on a store of one run
 * reads one row, so its time beyond `--help` is the command's fixed cost (loading the read path,
 * opening the store); the other `--limit` reads are set against it.
 */
const fixedCost = (sized: ReadonlyArray<ReadRow>): string | undefined => {
  const startup = sized.find((row) => row.kind === "startup")
  const history = sized.find((row) => row.name === "history --limit 100")
  if (startup === undefined || history === undefined) return undefined
  const base = median(history.wallMs)
  const others = sized
    .filter((row) => row.kind === "limit" && row !== history)
    .map((row) => `\`${row.name}\` ${(median(row.wallMs) - base).toFixed(0)} ms`)
  const opening = openCost(sized)
  return (
    `\`history --limit 100\` reads the one run stored: its ${(base - median(startup.wallMs)).toFixed(0)} ms beyond ` +
    "start-up are what any read command costs before it reads (loading the read path, opening the store). " +
    `The other \`--limit 100\` reads take beyond it: ${others.join(", ")}.` +
    (opening === undefined
      ? ""
      : ` Opening the store and running one statement costs a bare Bun script ${opening.toFixed(0)} ms ` +
        `(\`${OPEN_FLOOR}\` − \`${OPEN_BASE}\`), ${((100 * opening) / READ_TARGETS.overStartupMs).toFixed(0)}% of ` +
        `the ${READ_TARGETS.overStartupMs} ms a \`--limit\` read may take beyond start-up: no client of this store ` +
        "reads for less.")
  )
}

/**
 * The "Reads" section of bench/RESULTS.md: per size, every read's wall time and peak RSS, its ratio to
 * its floor or its time beyond start-up, the target and the verdict; then how each read's memory grows.
 */
export const renderReads = (
  rows: ReadonlyArray<ReadRow>,
  store: "sqlite" | "postgres" = "sqlite"
): ReadonlyArray<string> => {
  if (rows.length === 0) return []
  const lines: Array<string> = [store === "sqlite" ? "## Reads" : "### PostgreSQL reads", ""]
  lines.push(
    "Each read is a separate process of the compiled binary (`--db` the store of `first`: generation 0 of " +
      "account a), standard output to a pipe read by the bench, except `export` and its floor (`> /dev/null`). " +
      "`parallax --help` (start-up), `stats`, its floor and each `--limit` read run " +
      `${SHORT_SAMPLES} times in each run, in rounds (each round runs each of them once, so that a slow spell of ` +
      "the machine falls on all of them), the exports and their floor once; `× floor` is the ratio of medians, " +
      "`− start-up` = median wall time − median start-up. " +
      (store === "sqlite"
        ? "Floors (bench/floor-reads.ts, `bun` with `bun:sqlite`, the same file opened read-only): "
        : "The store is settled first (`VACUUM (ANALYZE)` of its tables, what autovacuum does soon after a large " +
          "load; otherwise its worker scans the new rows during the reads). Floors (bench/floor-reads.ts with " +
          "Bun's `SQL` client on the same database; the export read in pages of 10,000 rows by key, as the client " +
          "buffers a result set whole): ") +
      `\`${OPEN_FLOOR}\` opens the store (on PostgreSQL: connects and authenticates), runs \`SELECT 1\` and ` +
      `closes it; \`${OPEN_BASE}\` is the same script doing nothing (run in the same rounds as the short reads); ` +
      "`floor: stats` runs `SELECT scope_id, type, count(*) FROM entities GROUP BY scope_id, type` and the same " +
      "for relationships by verb (no check that an edge's endpoints exist); `floor: export` runs " +
      "`SELECT * FROM entities`, then `SELECT * FROM relationships`, in key order, and writes every row as one " +
      "JSON line (all columns, BLOBs as hex, properties left as the stored JSON text) in 1 MiB chunks to " +
      "/dev/null (no merging of scopes, no endpoint check). Targets (issue 15): `stats` and `export` " +
      `≤ ${READ_TARGETS.floorRatio}× their floor, a \`--limit 100\` read ≤ ${READ_TARGETS.overStartupMs} ms ` +
      "more than start-up."
  )
  for (const n of [...new Set(rows.map((row) => row.n))]) {
    const sized = rows.filter((row) => row.n === n)
    lines.push("", `${store === "sqlite" ? "###" : "####"} n = ${n.toLocaleString("en-US")}`, "")
    lines.push("| read | wall time | peak RSS | × floor | − start-up | target | verdict |")
    lines.push("| --- | --- | --- | --- | --- | --- | --- |")
    for (const row of sized) {
      const { ratio, over, target, verdict } = judge(row, sized)
      lines.push(
        `| \`${row.name}\` | ${spread(row.wallMs, ms)} | ${spread(row.peakRssKiB, mib)} | ${ratio} | ${over} | ` +
          `${target} | ${verdict} |`
      )
    }
    const fixed = fixedCost(sized)
    if (fixed !== undefined) lines.push("", fixed)
  }
  const sizes = [...new Set(rows.map((row) => row.n))].sort((a, b) => a - b)
  const smallest = sizes[0] as number
  const largest = sizes[sizes.length - 1] as number
  if (smallest !== largest) {
    const growth = rows
      .filter((row) => row.n === smallest && row.kind !== "startup")
      .flatMap((small) => {
        const large = rows.find((row) => row.n === largest && row.name === small.name)
        if (large === undefined) return []
        return [`\`${small.name}\` ${mib(median(small.peakRssKiB))} → ${mib(median(large.peakRssKiB))}`]
      })
    lines.push(
      "",
      `Peak RSS from n = ${smallest.toLocaleString("en-US")} to n = ${largest.toLocaleString("en-US")} ` +
        `(${largest / smallest}× the rows): ${growth.join("; ")}.`
    )
  }
  return lines
}
