/**
 * The benchmark suite of WORKLOAD.md, through the real compiled binary:
 *
 *   npm run bench                 # n = 100,000 and 1,000,000, three runs each, writes bench/RESULTS.md
 *   npm run bench -- --quick      # n = 10,000, one run: fast iteration (writes bench/out/RESULTS-quick.md)
 *   npm run bench -- --sizes 100000 --runs 3 --rounds 5 --no-build
 *   npm run bench -- --render      # write bench/RESULTS.md again from bench/out/RESULTS.json, measuring nothing
 *   npm run bench -- --stores postgres --pg postgres://...  # only the PostgreSQL scenarios (and sdk-only)
 *
 * For each n and run: the floor (bench/floor.ts, bare bun:sqlite), then on a fresh store `first`
 * (generation 0 of account a), the connector and the SDK alone (bench/collect.ts) and the emit floor beside
 * it (bench/floor-emit.ts, the same objects built, serialised and hashed without the SDK), right before
 * `same` (generation 0 again: must change and write nothing), staging's parts timed alone on the rows
 * `same` stages (bench/staging-parts.ts), the floor of churn's store work (bench/floor-churn.ts: generation
 * 1's changes, known beforehand, written by a bare script over a copy of the store `same` left), `churn`
 * (generation 1 on top of 0), `churn-users` (generation 1 of the users alone, `changes=users`, on top of
 * 0: one step's objects changed, and the relationships to them) and `scoped` (generation 0 of account b into a store holding a's generation
 * 0; a must be untouched). Each is a separate process measured for wall time and peak RSS; a sync's
 * `--log-format json` events also say how its time split into collection, sealing, the diff and writes.
 * Right after `first`, the read commands run on its store beside their floors (bench/lib/reads.ts).
 * Then, when a PostgreSQL server is given (`--pg URL`, else `PARALLAX_BENCH_PG_URL`, else `PARALLAX_TEST_PG_URL`),
 * the same scenarios on it beside a PostgreSQL floor (bench/lib/pg-bench.ts); without one they are
 * skipped with a message. `--stores sqlite|postgres|sqlite,postgres` (default both) picks the stores.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { basename, dirname, join, resolve } from "node:path"
import { type BenchConfig, generationsOf } from "../connectors/bench/index.ts"
import { type ExpectedStats, expectedStats } from "./lib/expected.ts"
import { hasGnuTime, lastJson, type Measured, measure, median, storeBytes } from "./lib/measure.ts"
import { changedPages, pagesOf, snapshotPages } from "./lib/pages.ts"
import { measurePostgres, type PgSample, type PgScenario } from "./lib/pg-bench.ts"
import { type PgRow, pgRows, withPostgresSection } from "./lib/pg-report.ts"
import { type Phases, phasesOf } from "./lib/phases.ts"
import { benchPostgresUrl, masked } from "./lib/postgres.ts"
import { measureReads, type ReadRow, type ReadSamples, readRows } from "./lib/reads.ts"
import {
  BASELINE_ROWS,
  commitNow,
  postgresSection,
  type Row,
  renderResults,
  SCENARIOS,
  type Verdicts
} from "./lib/report.ts"
import { scopeDigest } from "./lib/scope.ts"
import { measureStartup } from "./lib/startup.ts"

const root = resolve(dirname(new URL(import.meta.url).pathname), "..")
const args = process.argv.slice(2)
const flag = (name: string) => args.includes(`--${name}`)
const option = (name: string) => {
  const index = args.indexOf(`--${name}`)
  return index >= 0 ? args[index + 1] : undefined
}

const quick = flag("quick")
const sizes = (option("sizes") ?? (quick ? "10000" : "100000,1000000")).split(",").map(Number)
const runs = Number(option("runs") ?? (quick ? 1 : 3))
/**
 * Rounds, in each run, of the connector and SDK alone, the emit floor and `same` one after the other: the
 * ratios of `same` to the SDK alone and of the SDK to the emit floor are medians of samples taken side by
 * side, since the machine's speed drifts by more than the margins these targets are judged by.
 */
const rounds = Number(option("rounds") ?? (quick ? 1 : 3))
if (!Number.isSafeInteger(rounds) || rounds < 1)
  throw new Error(`--rounds must be a positive integer, got ${option("rounds")}`)
const binary = resolve(root, option("bin") ?? "dist/parallax")
const out = resolve(root, "bench/out")
const resultsFile = resolve(root, option("out") ?? (quick ? "bench/out/RESULTS-quick.md" : "bench/RESULTS.md"))
const keep = flag("keep")
const stores = (option("stores") ?? "sqlite,postgres").split(",")
const onSqlite = stores.includes("sqlite")
const pgServer = stores.includes("postgres") ? benchPostgresUrl(option("pg")) : undefined

const log = (message: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`)

/**
 * The measurements behind a report, kept beside it so that `--render` can write the report again (those of a
 * PostgreSQL-only run apart, since that run rewrites only the report's PostgreSQL section).
 */
const rawFile = resolve(out, `${basename(resultsFile, ".md")}${onSqlite ? "" : "-postgres"}.json`)

// `--render`: write the report again from the measurements of the last run, measuring nothing.
if (flag("render")) {
  const saved = JSON.parse(readFileSync(rawFile, "utf8")) as Parameters<typeof renderResults>[0]
  writeFileSync(resultsFile, renderResults(saved))
  console.error(`wrote ${resultsFile} from ${rawFile}`)
  process.exit(0)
}

if (!flag("no-build")) {
  log("building dist/parallax (npm run build)")
  const build = Bun.spawnSync(["npm", "run", "build"], { cwd: root, stdout: "inherit", stderr: "inherit" })
  if (build.exitCode !== 0) throw new Error("npm run build failed")
}
if (!existsSync(binary)) throw new Error(`no binary at ${binary}: run npm run build`)
mkdirSync(out, { recursive: true })

interface SyncRun extends Measured {
  readonly result: Record<string, unknown> | undefined
  readonly storeBytes: number
  /** Where a sync's time went (its `--log-format json` events); none for a baseline. */
  readonly phases?: Phases | undefined
}

const sync = async (
  db: string,
  account: string,
  n: number,
  generation: number,
  changes?: BenchConfig["changes"]
): Promise<SyncRun> => {
  const argv = [binary, "sync", "bench", "--account", account, "--db", db]
  argv.push("--set", `n=${n}`, "--set", `generation=${generation}`, "--json", "--log-format", "json")
  if (changes !== undefined) argv.push("--set", `changes=${changes}`)
  const measured = await measure(argv)
  const result = lastJson(measured.stdout) as Record<string, unknown> | undefined
  if (measured.exitCode !== 0) {
    log(`sync exited ${measured.exitCode}: ${measured.stderr.slice(-2000)}${measured.stdout.slice(-2000)}`)
  }
  return { ...measured, result, storeBytes: storeBytes(db), phases: phasesOf(measured.stderr, measured.wallMs) }
}

const statsOf = (run: SyncRun): Record<string, number> | undefined => {
  const stats = run.result?.stats
  return typeof stats === "object" && stats !== null ? (stats as Record<string, number>) : undefined
}

/** The counts of `expected` (those `only` keeps) that `counts` has otherwise, in words; undefined when none. */
const countsDiffer = (
  counts: Record<string, unknown>,
  expected: ExpectedStats,
  only: (key: string) => boolean = () => true
): string | undefined => {
  const wrong = Object.entries(expected).filter(([key, value]) => only(key) && counts[key] !== value)
  return wrong.length === 0
    ? undefined
    : wrong.map(([key, value]) => `${key}=${counts[key]} (want ${value})`).join(", ")
}

const statsMatch = (run: SyncRun, expected: ExpectedStats): string | undefined => {
  const stats = statsOf(run)
  if (run.exitCode !== 0) return `exit ${run.exitCode}`
  if (stats === undefined) return "no stats in --json output"
  return countsDiffer(stats, expected)
}

const measuredCommit = commitNow()
const rows: Array<Row> = []
const reads: Array<ReadRow> = []
const postgres: Array<PgRow> = []
const pgReads: Array<ReadRow> = []
const save = () => {
  const input = {
    rows,
    reads,
    startup,
    runs,
    rounds,
    quick,
    gnuTime: hasGnuTime,
    verdicts,
    measuredAt: new Date().toISOString(),
    commit: measuredCommit,
    postgres: { rows: postgres, reads: pgReads, server: pgServer === undefined ? undefined : masked(pgServer) }
  }
  writeFileSync(rawFile, `${JSON.stringify(input, null, 1)}\n`)
  if (onSqlite || !existsSync(resultsFile)) writeFileSync(resultsFile, renderResults(input))
  else {
    // Only PostgreSQL was measured: replace that section of the report and keep the rest as it was.
    const section = postgresSection(rows, input.postgres, input)
    writeFileSync(resultsFile, withPostgresSection(readFileSync(resultsFile, "utf8"), section))
  }
}
const verdicts: Verdicts = { notes: [] }

log(`peak RSS from ${hasGnuTime ? "GNU time -v" : "/proc/<pid>/status VmHWM sampling"}`)
// Start-up against a hello-world compiled by the same Bun, before the syncs load the machine's caches.
const startup = await measureStartup({ root, binary, rounds: quick ? 7 : 21, log })
for (const row of startup.rows) log(`start-up: ${row.name}: median ${median(row.wallMs).toFixed(1)} ms`)
if (stores.includes("postgres") && pgServer === undefined) {
  log("PostgreSQL skipped: no server given (--pg URL, PARALLAX_BENCH_PG_URL or PARALLAX_TEST_PG_URL)")
} else if (pgServer !== undefined) log(`PostgreSQL: ${masked(pgServer)}`)

for (const n of sizes) {
  const expectFirst = expectedStats(n, undefined, 0)
  const expectSame = expectedStats(n, 0, 0)
  const expectChurn = expectedStats(n, 0, 1)
  const expectChurnUsers = expectedStats(n, 0, generationsOf({ generation: 1, changes: "users" }))
  const samples: Record<string, Array<SyncRun>> = Object.fromEntries(SCENARIOS.map((scenario) => [scenario, []]))
  const checks: Record<string, Array<string>> = { first: [], same: [], churn: [], "churn-users": [], scoped: [] }
  const readSamples: ReadSamples = new Map()
  const pgSamples: Array<Record<PgScenario, ReadonlyArray<PgSample>>> = []
  const pgReadSamples: ReadSamples = new Map()
  for (let r = 1; r <= runs; r++) {
    const dir = join(out, `n${n}`, `run${r}`)
    rmSync(dir, { recursive: true, force: true })
    mkdirSync(dir, { recursive: true })

    if (pgServer !== undefined) {
      pgSamples.push(
        await measurePostgres({
          binary,
          server: pgServer,
          n,
          run: r,
          rounds,
          log: (message) => log(`n=${n} run ${r}/${runs}: postgres ${message}`),
          reads: pgReadSamples
        })
      )
    }
    if (!onSqlite) continue

    // The floor twice: rows inserted as generated (a plain script), and all held and sorted by id first.
    let floor: Measured | undefined
    for (const [scenario, order] of [
      ["floor", []],
      ["floor-sorted", ["--order", "id"]]
    ] as const) {
      log(`n=${n} run ${r}/${runs}: ${scenario}`)
      const floorDb = join(dir, `${scenario}.db`)
      const argv = [process.execPath, resolve(root, "bench/floor.ts"), "--n", String(n), "--db", floorDb, ...order]
      const measured = await measure(argv)
      if (measured.exitCode !== 0) throw new Error(`${scenario} failed: ${measured.stderr}`)
      samples[scenario]?.push({
        ...measured,
        result: lastJson(measured.stdout) as Record<string, unknown>,
        storeBytes: storeBytes(floorDb)
      })
      floor ??= measured
      if (!keep) rmSync(floorDb, { force: true })
    }

    const db = join(dir, "store.db")
    log(`n=${n} run ${r}/${runs}: first`)
    const first = await sync(db, "a", n, 0)
    samples.first?.push(first)
    const firstWrong = statsMatch(first, expectFirst)
    if (firstWrong) checks.first?.push(`run ${r}: ${firstWrong}`)

    // The read commands on the store `first` wrote, before `same` (whose page snapshot then follows them).
    await measureReads({
      binary,
      db,
      n,
      run: r,
      samples: readSamples,
      log: (message) => log(`n=${n} run ${r}/${runs}: read ${message}`)
    })

    // The connector and the SDK alone, with nothing stored (what every scenario costs at least), then the
    // emit floor beside it (the same objects built, serialised and hashed by a bare loop, without the SDK),
    // then `same`, in `rounds` rounds: right before `same` and `churn`, the scenarios measured against them,
    // since the machine's speed drifts over minutes (the floors and `first` take some five at n = 1M).
    const before = snapshotPages(db)
    for (let round = 1; round <= rounds; round++) {
      const at = rounds === 1 ? "" : ` (round ${round}/${rounds})`
      for (const [scenario, script] of [
        ["sdk-only", "bench/collect.ts"],
        ["floor-emit", "bench/floor-emit.ts"],
        ["emit-model", "bench/emit-model.ts"]
      ] as const) {
        log(`n=${n} run ${r}/${runs}: ${scenario}${at}`)
        const measured = await measure([process.execPath, resolve(root, script), "--n", String(n)])
        if (measured.exitCode !== 0) throw new Error(`${scenario} failed: ${measured.stderr}`)
        samples[scenario]?.push({
          ...measured,
          result: lastJson(measured.stdout) as Record<string, unknown>,
          storeBytes: 0
        })
      }
      // The bare loop and the SDK's model must have built the same ids, hashes and JSON (their lengths' sum).
      const [bare, model] = [samples["floor-emit"]?.at(-1)?.result, samples["emit-model"]?.at(-1)?.result]
      if (typeof bare?.sink !== "number" || bare.sink !== model?.sink) {
        throw new Error(`floor-emit and emit-model built different objects (sums ${bare?.sink}, ${model?.sink})`)
      }
      log(`n=${n} run ${r}/${runs}: same${at}`)
      const same = await sync(db, "a", n, 0)
      samples.same?.push(same)
      const sameWrong = statsMatch(same, expectSame)
      if (sameWrong) checks.same?.push(`run ${r}${at}: ${sameWrong}`)
    }
    // What staging's parts cost alone on the rows `same` stages (the bound of `same`), once per run.
    log(`n=${n} run ${r}/${runs}: staging-parts`)
    const parts = await measure([process.execPath, resolve(root, "bench/staging-parts.ts"), "--n", String(n)])
    if (parts.exitCode !== 0) throw new Error(`staging-parts failed: ${parts.stderr}`)
    samples["staging-parts"]?.push({
      ...parts,
      result: lastJson(parts.stdout) as Record<string, unknown>,
      storeBytes: 0
    })

    // Every round of `same` together wrote no page of the entity and relationship tables and indexes.
    const after = snapshotPages(db)
    const written = [...changedPages(before, after)].filter(([name]) => /entit|relation/i.test(name))
    if (written.length > 0) {
      checks.same?.push(`run ${r}: wrote pages of ${written.map(([name, pages]) => `${name} (${pages})`).join(", ")}`)
    }
    verdicts.sameWrittenPages = Math.max(
      verdicts.sameWrittenPages ?? 0,
      written.reduce((t, [, p]) => t + p, 0)
    )

    // The floor of churn's store work: generation 1's changes, known beforehand, written by a bare script over a
    // copy of the state `same` left (the one churn starts from).
    const churnFloorDb = join(dir, "churn-floor.db")
    copyFileSync(db, churnFloorDb)
    log(`n=${n} run ${r}/${runs}: floor-churn`)
    const churnFloor = await measure([
      process.execPath,
      resolve(root, "bench/floor-churn.ts"),
      "--n",
      String(n),
      "--db",
      churnFloorDb
    ])
    if (churnFloor.exitCode !== 0) throw new Error(`floor-churn failed: ${churnFloor.stderr}`)
    const churnFloorResult = lastJson(churnFloor.stdout) as Record<string, unknown>
    // It must write exactly the changes churn reports, or it measures other work.
    const churnFloorWrong = countsDiffer(churnFloorResult, expectChurn, (key) => !key.endsWith("Unchanged"))
    if (churnFloorWrong !== undefined) throw new Error(`floor-churn wrote other changes: ${churnFloorWrong}`)
    samples["floor-churn"]?.push({ ...churnFloor, result: churnFloorResult, storeBytes: storeBytes(churnFloorDb) })
    rmSync(churnFloorDb, { force: true })

    // One step's objects changed (and the relationships to them): generation 1 of the users alone, on a copy
    // of the state `same` left, while the SDK-alone baseline is still recent.
    const usersDb = join(dir, "churn-users.db")
    copyFileSync(db, usersDb)
    log(`n=${n} run ${r}/${runs}: churn-users`)
    const churnUsers = await sync(usersDb, "a", n, 1, "users")
    samples["churn-users"]?.push(churnUsers)
    const churnUsersWrong = statsMatch(churnUsers, expectChurnUsers)
    if (churnUsersWrong) checks["churn-users"]?.push(`run ${r}: ${churnUsersWrong}`)
    rmSync(usersDb, { force: true })

    const scopedDb = join(dir, "scoped.db")
    copyFileSync(db, scopedDb)

    log(`n=${n} run ${r}/${runs}: churn`)
    const churn = await sync(db, "a", n, 1)
    samples.churn?.push(churn)
    const churnWrong = statsMatch(churn, expectChurn)
    if (churnWrong) checks.churn?.push(`run ${r}: ${churnWrong}`)
    // What churn wrote, page by page, against the snapshot taken after `same` (the state churn started from).
    const rowTables = /entit|relation/i
    const churnWritten = [...changedPages(after, snapshotPages(db))].filter(([name]) => rowTables.test(name))
    verdicts.churnPages = {
      ...verdicts.churnPages,
      [n]: {
        written: churnWritten.reduce((t, [, p]) => t + p, 0),
        total: pagesOf(after, rowTables),
        rowsChanged: Object.entries(expectChurn)
          .filter(([key]) => !key.endsWith("Unchanged"))
          .reduce((t, [, count]) => t + count, 0),
        rows: 3.5 * n
      }
    }
    if (!keep) rmSync(db, { force: true })

    log(`n=${n} run ${r}/${runs}: scoped`)
    const digestBefore = scopeDigest(scopedDb, "a")
    const scoped = await sync(scopedDb, "b", n, 0)
    samples.scoped?.push(scoped)
    const scopedWrong = statsMatch(scoped, expectFirst)
    if (scopedWrong) checks.scoped?.push(`run ${r}: ${scopedWrong}`)
    const digestAfter = scopeDigest(scopedDb, "a")
    if (digestBefore !== digestAfter)
      checks.scoped?.push(`run ${r}: account a changed (${digestBefore} → ${digestAfter})`)
    else if (r === 1) verdicts.notes.push(`n=${n}: account a digest before/after scoped: ${digestAfter}`)
    if (!keep) rmSync(dir, { recursive: true, force: true })
    log(
      `n=${n} run ${r}: floor ${((floor?.wallMs ?? 0) / 1000).toFixed(2)} s, first ${(first.wallMs / 1000).toFixed(2)} s, ` +
        `same ${((samples.same?.at(-1)?.wallMs ?? 0) / 1000).toFixed(2)} s, churn ${(churn.wallMs / 1000).toFixed(2)} s, ` +
        `churn-users ${(churnUsers.wallMs / 1000).toFixed(2)} s, ` +
        `scoped ${(scoped.wallMs / 1000).toFixed(2)} s`
    )
  }
  for (const scenario of SCENARIOS) {
    const list = samples[scenario] ?? []
    if (list.length === 0) continue
    rows.push({
      n,
      scenario,
      wallMs: list.map((s) => s.wallMs),
      peakRssKiB: list.map((s) => s.peakRssKiB),
      storeBytes: list.map((s) => s.storeBytes),
      stats: list.map((s) => (BASELINE_ROWS.has(scenario) ? undefined : statsOf(s))),
      detail: list.map((s) => (BASELINE_ROWS.has(scenario) ? s.result : undefined)),
      phases: list.map((s) => s.phases),
      problems: BASELINE_ROWS.has(scenario) ? [] : (checks[scenario] ?? [])
    })
  }
  reads.push(...readRows(n, readSamples))
  postgres.push(...pgRows(n, pgSamples))
  pgReads.push(...readRows(n, pgReadSamples))
  save()
  log(`wrote ${resultsFile}`)
}
save()
log(`wrote ${resultsFile}`)
