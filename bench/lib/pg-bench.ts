import { resolve } from "node:path"
import { type BenchConfig, generationsOf } from "../../connectors/bench/index.ts"
import { type ExpectedStats, expectedStats } from "./expected.ts"
import { lastJson, type Measured, measure } from "./measure.ts"
import { pgScopeDigest } from "./pg-scope.ts"
import { type Phases, phasesOf } from "./phases.ts"
import {
  createDatabase,
  databaseBytes,
  dropDatabase,
  settle,
  type TableWrites,
  tableWrites,
  writesAfter
} from "./postgres.ts"
import { measureReads, type ReadSamples } from "./reads.ts"

/**
 * The four scenarios of WORKLOAD.md and `churn-users` on PostgreSQL (issue 11, point 9), through the compiled binary with
 * `--db postgres://...`, beside the PostgreSQL floor (bench/floor-postgres.ts: the same rows bulk-loaded
 * by COPY into the same schema in one transaction). On the store `first` left, `pg-readback`
 * (bench/floor-pg-readback.ts) reads back the hosts the steps of `same` read, from the store. Every scenario runs in a database of its own on the
 * server, migrated first by `parallax migrate` (not timed) and dropped afterwards: `first` (generation 0
 * of account a into an empty schema), `same` (generation 0 again: must write no entity or relationship
 * row, by the server's own counters), `churn` (generation 1 on top of 0), `churn-users` (generation 1 of the
 * users alone, `changes=users`, on top of 0, in a copy of the database `same` left) and `scoped` (generation 0 of
 * account b into a copy of the database `first` left; a must be untouched). The connector and the SDK
 * alone (bench/collect.ts, `sdk-only`) run right before `same`, the scenario measured against them: the
 * machine's speed drifts over minutes, so a baseline taken before the floor and `first` (some ten minutes
 * at n = 1M) is not the one `same` ran beside.
 */

/** The PostgreSQL scenarios, in the order they are reported (`churn-users` runs before `churn`, on a copy). */
export const PG_SCENARIOS = [
  "pg-floor",
  "first",
  "pg-readback",
  "sdk-only",
  "same",
  "churn",
  "churn-users",
  "scoped"
] as const
export type PgScenario = (typeof PG_SCENARIOS)[number]

/** One scenario's measurement in one run. */
export interface PgSample extends Measured {
  readonly databaseBytes: number
  readonly stats: Record<string, number> | undefined
  /** What the floor script printed (its timings). */
  readonly detail: unknown
  /** `same`: the rows the server counted as written to the entity and relationship tables. */
  readonly rowsWritten?: Record<string, TableWrites>
  /** A sync's phases, from its `--log-format json` events. */
  readonly phases?: Phases | undefined
  readonly problems: ReadonlyArray<string>
}

const FLOOR = resolve(import.meta.dir, "..", "floor-postgres.ts")
const COLLECT = resolve(import.meta.dir, "..", "collect.ts")
const READBACK = resolve(import.meta.dir, "..", "floor-pg-readback.ts")

const statsOf = (result: unknown): Record<string, number> | undefined => {
  const stats = (result as { stats?: unknown } | undefined)?.stats
  return typeof stats === "object" && stats !== null ? (stats as Record<string, number>) : undefined
}

const wrongStats = (run: Measured, stats: Record<string, number> | undefined, expected: ExpectedStats) => {
  if (run.exitCode !== 0) return [`exit ${run.exitCode}: ${(run.stderr || run.stdout).trim().slice(-500)}`]
  if (stats === undefined) return ["no stats in --json output"]
  const wrong = Object.entries(expected).filter(([key, value]) => stats[key] !== value)
  return wrong.length === 0 ? [] : [wrong.map(([key, value]) => `${key}=${stats[key]} (want ${value})`).join(", ")]
}

/** Tables holding entity or relationship rows (the ones `same` must not write). */
const ROW_TABLES = /(^|\.)(entit|relationship)/
/** The tables a run record goes to: once the server counts a write there, the sync's counters are in. */
const RUN_TABLES = /(^|\.)runs$/

/**
 * Runs the PostgreSQL scenarios once at size `n` on `server`; every sample, keyed by scenario (`sdk-only`
 * and `same` one after the other `rounds` times, the others once).
 */
export const measurePostgres = async (options: {
  readonly binary: string
  readonly server: string
  readonly n: number
  readonly run: number
  /** Rounds of the connector and SDK alone and `same` (see `rounds` in bench/run.ts); 1 by default. */
  readonly rounds?: number
  readonly log: (message: string) => void
  /** Where the read commands' measurements on the store of `first` go (issue 15: every driver). */
  readonly reads: ReadSamples
}): Promise<Record<PgScenario, ReadonlyArray<PgSample>>> => {
  const { binary, server, n, log } = options
  const prefix = `parallax_bench_${process.pid}_${n}_${options.run}`
  const names = {
    floor: `${prefix}_floor`,
    main: `${prefix}_main`,
    users: `${prefix}_users`,
    scoped: `${prefix}_scoped`
  }
  const migrate = async (url: string) => {
    const ran = await measure([binary, "migrate", "--db", url])
    if (ran.exitCode !== 0) throw new Error(`parallax migrate failed: ${ran.stderr}`)
  }
  const sync = async (
    url: string,
    account: string,
    generation: number,
    expected: ExpectedStats,
    changes?: BenchConfig["changes"]
  ) => {
    const argv = [binary, "sync", "bench", "--account", account, "--db", url, "--set", `n=${n}`]
    argv.push("--set", `generation=${generation}`, "--json", "--log-format", "json")
    if (changes !== undefined) argv.push("--set", `changes=${changes}`)
    const ran = await measure(argv)
    const result = lastJson(ran.stdout)
    const stats = statsOf(result)
    const problems = wrongStats(ran, stats, expected)
    if (problems.length > 0) log(`sync ${account} g${generation}: ${problems.join("; ")}`)
    const phases = phasesOf(ran.stderr, ran.wallMs)
    return { ...ran, databaseBytes: await databaseBytes(url), stats, detail: undefined, phases, problems }
  }
  try {
    log("pg-floor")
    const floorUrl = await createDatabase(server, names.floor)
    await migrate(floorUrl)
    const floorRun = await measure([process.execPath, FLOOR, "--n", String(n), "--url", floorUrl])
    if (floorRun.exitCode !== 0) throw new Error(`the PostgreSQL floor failed: ${floorRun.stderr}`)
    const floor: PgSample = {
      ...floorRun,
      databaseBytes: await databaseBytes(floorUrl),
      stats: undefined,
      detail: lastJson(floorRun.stdout),
      problems: []
    }
    await dropDatabase(server, names.floor)

    const url = await createDatabase(server, names.main)
    await migrate(url)
    log("first")
    const first = await sync(url, "a", 0, expectedStats(n, undefined, 0))
    // `scoped` starts from a copy of what `first` left (nobody is connected to it now).
    const scopedUrl = await createDatabase(server, names.scoped, names.main)
    // The reads are measured on a settled store, as an operator reads one some minutes after a sync.
    const settling = performance.now()
    await settle(url)
    log(`settled (VACUUM ANALYZE) in ${((performance.now() - settling) / 1000).toFixed(1)} s`)
    await measureReads({ binary, db: url, n, run: options.run, samples: options.reads, log: (m) => log(`read ${m}`) })
    // What the steps of `same` read back, read from the store `first` left (the bound of a staging that kept
    // no copy of the rows identical to the committed ones).
    log("pg-readback")
    const readbackRun = await measure([process.execPath, READBACK, "--url", url, "--account", "a", "--n", String(n)])
    if (readbackRun.exitCode !== 0) throw new Error(`pg-readback failed: ${readbackRun.stderr}`)
    const readback: PgSample = {
      ...readbackRun,
      databaseBytes: 0,
      stats: undefined,
      detail: lastJson(readbackRun.stdout),
      problems: []
    }

    const sdk: Array<PgSample> = []
    const same: Array<PgSample> = []
    const rounds = options.rounds ?? 1
    for (let round = 1; round <= rounds; round++) {
      const at = rounds === 1 ? "" : ` (round ${round}/${rounds})`
      log(`sdk-only${at}`)
      const sdkRun = await measure([process.execPath, COLLECT, "--n", String(n)])
      if (sdkRun.exitCode !== 0) throw new Error(`sdk-only failed: ${sdkRun.stderr}`)
      sdk.push({ ...sdkRun, databaseBytes: 0, stats: undefined, detail: lastJson(sdkRun.stdout), problems: [] })

      log(`same${at}`)
      const before = await tableWrites(url)
      const sameRun = await sync(url, "a", 0, expectedStats(n, 0, 0))
      const written = await writesAfter(url, before, RUN_TABLES)
      const rowsWritten = Object.fromEntries(Object.entries(written).filter(([name]) => ROW_TABLES.test(name)))
      const sameProblems = [...sameRun.problems]
      if (!Object.keys(written).some((name) => RUN_TABLES.test(name))) {
        sameProblems.push("the server's counters never showed the run record: rows written unknown")
      }
      if (Object.keys(rowsWritten).length > 0) sameProblems.push(`wrote rows: ${JSON.stringify(rowsWritten)}`)
      same.push({ ...sameRun, rowsWritten, problems: sameProblems.map((problem) => `${problem}${at}`) })
    }

    // One step's objects changed (and the relationships to them), in a copy of what `same` left.
    log("churn-users")
    const usersUrl = await createDatabase(server, names.users, names.main)
    const usersOnly = expectedStats(n, 0, generationsOf({ generation: 1, changes: "users" }))
    const churnUsers = await sync(usersUrl, "a", 1, usersOnly, "users")
    await dropDatabase(server, names.users)

    log("churn")
    const churn = await sync(url, "a", 1, expectedStats(n, 0, 1))
    await dropDatabase(server, names.main)

    log("scoped")
    const digestBefore = await pgScopeDigest(scopedUrl, "a")
    const scopedRun = await sync(scopedUrl, "b", 0, expectedStats(n, undefined, 0))
    const digestAfter = await pgScopeDigest(scopedUrl, "a")
    const scoped: PgSample = {
      ...scopedRun,
      detail: { digest: digestAfter },
      problems: [
        ...scopedRun.problems,
        ...(digestBefore === digestAfter ? [] : [`account a changed (${digestBefore} → ${digestAfter})`])
      ]
    }
    return {
      "pg-floor": [floor],
      first: [first],
      "pg-readback": [readback],
      "sdk-only": sdk,
      same,
      churn: [churn],
      "churn-users": [churnUsers],
      scoped: [scoped]
    }
  } finally {
    for (const name of Object.values(names)) await dropDatabase(server, name)
  }
}
