import { resolve } from "node:path"
import { lastJson, type Measured, measure } from "./measure.ts"

/**
 * The read commands of issue 15, measured through the compiled binary on the store the `first` scenario
 * wrote (generation 0 of account `a`: 2.5·n entities, n relationships), each a separate process, beside
 * `parallax --help` (start-up) and the floors of bench/floor-reads.ts on the same file.
 */

/** How a read is judged: against a floor (≤ 2×), against start-up (≤ 50 ms more), or not at all. */
export type ReadKind = "startup" | "floor" | "scan" | "limit"

interface ReadSpec {
  readonly name: string
  readonly kind: ReadKind
  /** The command after the program: the binary's arguments (before `--db`), or bun's for a floor. */
  readonly argv: ReadonlyArray<string>
  /** `scan` reads: the floor row that they are compared with. */
  readonly floor?: string
  /**
   * Run `SHORT_SAMPLES` times in each run, in rounds with the other short reads (see `measureReads`); start-up
   * and the `--limit` reads always are.
   */
  readonly short?: boolean
  /** Standard output to /dev/null instead of a pipe (then only the exit code and stderr can be checked). */
  readonly devNull?: boolean
  /** What is wrong with the output for a store of size `n`, if anything. */
  readonly check?: (run: Measured, n: number) => string | undefined
}

const FLOOR_SCRIPT = resolve(import.meta.dir, "..", "floor-reads.ts")

/** The floor script doing nothing, and opening the store and running `SELECT 1`: see `READS`. */
export const OPEN_BASE = "floor: no store"
export const OPEN_FLOOR = "floor: open the store"

/** The last integer on the first line of `text` containing `label`. */
const countOn = (text: string, label: string): number | undefined => {
  const line = text.split("\n").find((candidate) => candidate.includes(label))
  const numbers = line?.match(/\d+/g)
  return numbers ? Number(numbers[numbers.length - 1]) : undefined
}

const expectedTypes = (n: number): Record<string, number> => ({
  bench_host: n,
  bench_user: n,
  bench_service: n / 2,
  RUNS: n / 2,
  USES: n / 2
})

const wrongCounts = (actual: (type: string) => number | undefined, n: number): string | undefined => {
  const wrong = Object.entries(expectedTypes(n))
    .filter(([type, count]) => actual(type) !== count)
    .map(([type, count]) => `${type}=${actual(type)} (want ${count})`)
  return wrong.length === 0 ? undefined : wrong.join(", ")
}

/** `--limit 100` table output: exactly 100 rows of account a, each containing `every` when given. */
const hundredRows =
  (every?: string) =>
  (run: Measured): string | undefined => {
    const rows = run.stdout.split("\n").filter((line) => line.includes("bench/a"))
    if (rows.length !== 100) return `${rows.length} rows (want 100)`
    if (every !== undefined && !rows.every((line) => line.includes(every))) return `a row without ${every}`
    return undefined
  }

const floorStatsCheck = (run: Measured, n: number): string | undefined => {
  const counts = lastJson(run.stdout) as
    | Record<"entities" | "relationships", ReadonlyArray<{ type: string; count: number }>>
    | undefined
  if (counts === undefined) return "no JSON output"
  const all = [...counts.entities, ...counts.relationships]
  return wrongCounts((type) => all.find((row) => row.type === type)?.count, n)
}

const floorExportCheck = (run: Measured, n: number): string | undefined => {
  const counts = lastJson(run.stderr) as Record<string, number> | undefined
  return counts?.entities === 2.5 * n && counts.relationships === n
    ? undefined
    : `wrote ${JSON.stringify(counts)} (want ${2.5 * n} entities, ${n} relationships)`
}

/** Every read measured, in the order they run and are reported. */
export const READS: ReadonlyArray<ReadSpec> = [
  // The command line's start-up: `--help` loads the command line (effect, @effect/cli) and no command;
  // `--version` is answered before any of it is loaded (src/bin.ts), so it no longer stands for it.
  { name: "parallax --help", kind: "startup", argv: ["--help"] },
  // What opening the store costs any program before it reads (for PostgreSQL: connecting, authenticating and
  // one statement on the new server process), as the difference of these two: the bound under `--limit`.
  { name: OPEN_BASE, kind: "floor", argv: [FLOOR_SCRIPT, "none"], short: true },
  { name: OPEN_FLOOR, kind: "floor", argv: [FLOOR_SCRIPT, "open"], short: true },
  { name: "floor: stats", kind: "floor", argv: [FLOOR_SCRIPT, "stats"], short: true, check: floorStatsCheck },
  { name: "floor: export", kind: "floor", argv: [FLOOR_SCRIPT, "export"], devNull: true, check: floorExportCheck },
  {
    name: "stats",
    kind: "scan",
    argv: ["stats"],
    floor: "floor: stats",
    short: true,
    check: (run, n) => wrongCounts((type) => countOn(run.stdout, ` ${type} `), n)
  },
  // Standard output to /dev/null, as the floor's: read into this process, a gigabyte of output at n = 1M
  // cost the export more than its own work (22.8 s against 9.8 s, by hand). Its content is the tests' business.
  {
    name: "export --format ndjson",
    kind: "scan",
    argv: ["export", "--format", "ndjson"],
    floor: "floor: export",
    devNull: true
  },
  {
    name: "export --format json",
    kind: "scan",
    argv: ["export", "--format", "json"],
    floor: "floor: export",
    devNull: true
  },
  { name: "entities --limit 100", kind: "limit", argv: ["entities", "--limit", "100"], check: hundredRows() },
  {
    name: "entities --type bench_service --limit 100",
    kind: "limit",
    argv: ["entities", "--type", "bench_service", "--limit", "100"],
    check: hundredRows("bench_service")
  },
  { name: "relationships --limit 100", kind: "limit", argv: ["relationships", "--limit", "100"], check: hundredRows() },
  {
    name: "relationships --verb USES --limit 100",
    kind: "limit",
    argv: ["relationships", "--verb", "USES", "--limit", "100"],
    check: hundredRows("USES")
  },
  {
    name: "history --limit 100",
    kind: "limit",
    argv: ["history", "--limit", "100"],
    check: (run) => (run.stdout.includes("succeeded") ? undefined : "no succeeded run listed")
  }
]

/**
 * How many times the short reads (start-up, `stats` and its floor, the `--limit` reads) run in each run: their
 * medians are compared, and one sample of a process of a few hundred ms says little on a busy machine.
 */
export const SHORT_SAMPLES = 7

/** Whether `read` runs `SHORT_SAMPLES` times in each run. */
const isShort = (read: ReadSpec): boolean => read.short === true || read.kind === "startup" || read.kind === "limit"

/** One read at one size: every run's measurements (`SHORT_SAMPLES` per run for the short reads). */
export interface ReadRow {
  readonly n: number
  readonly name: string
  readonly kind: ReadKind
  readonly floor?: string
  readonly wallMs: ReadonlyArray<number>
  readonly peakRssKiB: ReadonlyArray<number>
  readonly problems: ReadonlyArray<string>
}

/** The samples of every read at one size, filled run by run. */
export type ReadSamples = Map<string, { wallMs: Array<number>; peakRssKiB: Array<number>; problems: Array<string> }>

/**
 * Runs every read against the store at `db` and adds the measurements to `samples`: first `SHORT_SAMPLES`
 * rounds of the short reads, each round running each of them once (so that start-up and the reads compared
 * with it meet the same state of the machine, and a slow spell falls on all of them), then each scan once.
 * A failed or wrong read is recorded as a problem, not thrown.
 */
export const measureReads = async (options: {
  readonly binary: string
  readonly db: string
  readonly n: number
  readonly run: number
  readonly samples: ReadSamples
  readonly log: (message: string) => void
}): Promise<void> => {
  const { binary, db, n, run, samples } = options
  const once = async (read: ReadSpec) => {
    const entry = samples.get(read.name) ?? { wallMs: [], peakRssKiB: [], problems: [] }
    samples.set(read.name, entry)
    const argv =
      read.kind === "floor"
        ? [process.execPath, ...read.argv, "--db", db]
        : read.kind === "startup"
          ? [binary, ...read.argv]
          : [binary, ...read.argv, "--db", db]
    const measured = await measure(argv, { devNull: read.devNull ?? false })
    entry.wallMs.push(measured.wallMs)
    entry.peakRssKiB.push(measured.peakRssKiB)
    const problem =
      measured.exitCode !== 0
        ? `exit ${measured.exitCode}: ${measured.stderr.trim().slice(-300)}`
        : read.devNull && read.kind !== "floor" && measured.stderr.trim() !== ""
          ? `stderr: ${measured.stderr.trim().slice(-300)}`
          : read.check?.(measured, n)
    if (problem !== undefined) entry.problems.push(`run ${run}: ${problem}`)
  }
  const short = READS.filter(isShort)
  for (let round = 0; round < SHORT_SAMPLES; round++) {
    for (const read of short) await once(read)
  }
  for (const read of READS.filter((read) => !isShort(read))) await once(read)
  for (const read of READS) {
    const times = isShort(read) ? SHORT_SAMPLES : 1
    options.log(
      `${read.name}: ${(samples.get(read.name)?.wallMs ?? [])
        .slice(-times)
        .map((ms) => (ms / 1000).toFixed(3))
        .join(", ")} s`
    )
  }
}

/** The rows of one size from its samples, in the order of `READS`. */
export const readRows = (n: number, samples: ReadSamples): ReadonlyArray<ReadRow> =>
  READS.flatMap((read) => {
    const entry = samples.get(read.name)
    if (entry === undefined) return []
    return [
      {
        n,
        name: read.name,
        kind: read.kind,
        ...(read.floor === undefined ? {} : { floor: read.floor }),
        wallMs: entry.wallMs,
        peakRssKiB: entry.peakRssKiB,
        problems: entry.problems
      }
    ]
  })
