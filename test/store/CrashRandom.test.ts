import { beforeAll, describe, expect, test } from "bun:test"
import { copyFileSync, existsSync, rmSync } from "node:fs"
import { join } from "node:path"
import * as fc from "fast-check"
import type { StoreDump } from "../../src/sync/Store.ts"
import { tempDir } from "../support/TempDirs.ts"
import { dumpOf, integrity } from "./support/storeFile.ts"

/**
 * C01 against SIGKILL at random points, many times: a child process (support/crashChild.ts) syncs hosts
 * h300..h3299 tagged `new` into a store holding h0..h2999 tagged `old` (300 rows deleted, 2,700 updated,
 * 300 created, then the step checksums and the run record: one write statement each, 7 in all, after the
 * new generation) and is killed at a point drawn from a seed:
 * stopped before a random write of its commit's transaction, killed a random delay after the commit
 * starts or after its first write, stopped right after the commit, or killed a random delay after it. After each kill the store
 * must pass `PRAGMA integrity_check` and hold exactly the old or the new state. The same procedure run
 * against the store's `non-atomic` mutant (every write committed on its own) must see a torn state.
 *
 * The seed is printed; `PARALLAX_CRASH_SEED=<seed>` replays the same kill points (where a timed kill lands
 * still depends on the child's speed), `PARALLAX_CRASH_KILLS=<k>` sets how many (default 40).
 */

const ROWS = 3_000
const SHIFT = 300
const KILLS = Number(process.env.PARALLAX_CRASH_KILLS ?? 40)
const SEED = Number(process.env.PARALLAX_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31))
const CHILD = join(import.meta.dir, "support", "crashChild.ts")

/** Where a child is killed: stopped at a fault point (`hold`), or `delayMs` after it printed `after`. */
interface KillPoint {
  readonly kind:
    | "before a write"
    | "timed in the commit"
    | "timed in its writes"
    | "after the commit"
    | "timed after it"
  readonly where: string
  readonly hold?: string
  readonly after?: string
  readonly delayMs?: number
}

/** How the commit of the calibration run went: its write statements and their timing. */
interface CommitShape {
  readonly writes: number
  /** From `COMMITTING` (the sync's collection done) to `COMMITTED`. */
  readonly commitMs: number
  /** From the first write (`WRITE 0`) to `COMMITTED`. */
  readonly writesMs: number
}

const timed = (kind: KillPoint["kind"], after: string, maxMs: number): fc.Arbitrary<KillPoint> =>
  fc
    .integer({ min: 0, max: Math.max(1, Math.ceil(maxMs)) })
    .map((delayMs): KillPoint => ({ kind, where: `${delayMs} ms after ${after}`, after, delayMs }))

/**
 * Kill points inside the commit and right after it: held before a random write, timed from the start of
 * the commit or from its first write (the writes take a few ms: timed kills from the start mostly land
 * in the diff before them), held right after the commit, or timed after it.
 */
const killPoints = (shape: CommitShape): fc.Arbitrary<KillPoint> =>
  fc.oneof(
    {
      weight: 3,
      arbitrary: fc.integer({ min: 0, max: shape.writes - 1 }).map(
        (index): KillPoint => ({
          kind: "before a write",
          where: `before write ${index} of ${shape.writes}`,
          hold: `write:${index}`
        })
      )
    },
    { weight: 3, arbitrary: timed("timed in the commit", "COMMITTING", shape.commitMs * 1.5) },
    { weight: 3, arbitrary: timed("timed in its writes", "WRITE 0", shape.writesMs * 1.5) },
    {
      weight: 1,
      arbitrary: fc.constant<KillPoint>({
        kind: "after the commit",
        where: "right after the commit",
        hold: "committed"
      })
    },
    { weight: 1, arbitrary: timed("timed after it", "COMMITTED", 20) }
  )

interface ChildRun {
  readonly output: string
  /** Whether the SIGKILL ended the child (a late timed kill can find it already gone). */
  readonly killed: boolean
}

/** Runs the child syncing hosts `first`.. tagged `tag`, killing it at `kill` (or letting it finish). */
const runChild = async (path: string, tag: string, first: number, kill?: KillPoint, mutant = "none") => {
  const argv = [path, String(ROWS), tag, "default", kill?.hold ?? "none", "64", mutant, String(first)]
  const child = Bun.spawn([process.execPath, CHILD, ...argv], { stdout: "pipe", stderr: "inherit" })
  const reader = child.stdout.getReader()
  const decoder = new TextDecoder()
  const until = kill === undefined ? "DONE" : kill.hold !== undefined ? "HOLDING" : (kill.after as string)
  let output = ""
  while (!output.split("\n").some((line) => line.startsWith(until))) {
    const { value, done } = await reader.read()
    if (done) break
    output += decoder.decode(value)
  }
  if (kill !== undefined) {
    if (kill.delayMs !== undefined) await Bun.sleep(kill.delayMs)
    child.kill("SIGKILL")
  }
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    output += decoder.decode(value)
  }
  await child.exited
  return { output, killed: child.signalCode === "SIGKILL" } satisfies ChildRun
}

/**
 * What a state must match, without what differs between two runs of the same sync: run ids and times,
 * step durations, and the first-seen time of rows the old state did not hold (any first-seen time of a
 * row it held must be kept).
 */
const comparable = (dump: StoreDump, old: StoreDump) => {
  const seen = new Map(old.rows.map((row) => [`${row.kind}:${row.id}`, row.firstSeenAt]))
  return {
    scopes: dump.scopes,
    rows: dump.rows.map((row) => {
      const before = seen.get(`${row.kind}:${row.id}`)
      return {
        ...row,
        firstSeenAt: before === undefined ? "new row" : before === row.firstSeenAt ? "kept" : row.firstSeenAt
      }
    }),
    runs: dump.runs.map((run) => ({
      generation: run.generation,
      status: run.status,
      stats: run.stats,
      error: run.error,
      steps: run.steps.map(({ durationMs: _, ...step }) => step)
    }))
  }
}

type Outcome = { readonly state: "old" | "new" } | { readonly state: "torn" | "corrupt"; readonly detail: string }

const describeState = (dump: StoreDump): string => {
  const tags = new Map<string, number>()
  for (const row of dump.rows) {
    const tag = String(JSON.parse(row.content.properties as string).tag)
    tags.set(tag, (tags.get(tag) ?? 0) + 1)
  }
  return (
    `scope generation ${dump.scopes.map((scope) => scope.generation).join(",")}, ${dump.runs.length} runs, ` +
    `${dump.rows.length} rows (${[...tags].map(([tag, count]) => `${count} ${tag}`).join(", ")})`
  )
}

/** Which state the store at `path` holds. */
const outcomeOf = async (path: string, old: StoreDump, neu: StoreDump): Promise<Outcome> => {
  const check = integrity(path)
  if (check !== "ok") return { state: "corrupt", detail: `integrity_check: ${check}` }
  const dump = await dumpOf(path)
  const state = comparable(dump, old)
  if (Bun.deepEquals(state, comparable(old, old), true)) return { state: "old" }
  if (Bun.deepEquals(state, comparable(neu, old), true)) return { state: "new" }
  return { state: "torn", detail: describeState(dump) }
}

interface Fixture {
  readonly dir: string
  readonly oldFile: string
  readonly old: StoreDump
  readonly neu: StoreDump
  readonly shape: CommitShape
}

let fixture: Fixture

/** A store with the old state, and the new state made from a copy of it by the same sync, killed nowhere. */
const makeFixture = async (): Promise<Fixture> => {
  const dir = tempDir("parallax-crash-random-")
  const oldFile = join(dir, "old.db")
  expect((await runChild(oldFile, "old", 0)).output).toContain("DONE")
  expect(existsSync(`${oldFile}-wal`)).toBe(false)
  const newFile = join(dir, "new.db")
  copyFileSync(oldFile, newFile)
  const calibration = await runChild(newFile, "new", SHIFT)
  expect(calibration.output).toContain("DONE")
  const committedAt = Number(/^COMMITTED (\d+)/m.exec(calibration.output)?.[1])
  const shape: CommitShape = {
    writes: calibration.output.split("\n").filter((line) => line.startsWith("WRITE ")).length,
    commitMs: committedAt,
    writesMs: committedAt - Number(/^WRITE 0 (\d+)/m.exec(calibration.output)?.[1])
  }
  console.log(`calibration: ${JSON.stringify(shape)}`)
  const neu = await dumpOf(newFile)
  expect(neu.runs.at(-1)?.stats).toMatchObject({ entitiesCreated: SHIFT, entitiesDeleted: SHIFT })
  return { dir, oldFile, old: await dumpOf(oldFile), neu, shape }
}

interface Tally {
  readonly outcomes: Array<{
    readonly kill: KillPoint
    readonly killed: boolean
    readonly output: string
    readonly outcome: Outcome
  }>
}

/**
 * The procedure: for each kill point drawn from `seed`, a copy of the old store is synced to the new
 * state by a child killed at that point, and the state it leaves is classified. `stopWhen` ends it early.
 */
const killAtRandom = async (options: {
  readonly seed: number
  readonly kills: number
  readonly mutant?: string
  readonly stopWhen?: (outcome: Outcome) => boolean
}): Promise<Tally> => {
  const points = fc.sample(killPoints(fixture.shape), { seed: options.seed, numRuns: options.kills })
  const tally: Tally = { outcomes: [] }
  const path = join(fixture.dir, `killed-${options.mutant ?? "none"}.db`)
  for (const kill of points) {
    for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true })
    copyFileSync(fixture.oldFile, path)
    const run = await runChild(path, "new", SHIFT, kill, options.mutant)
    const outcome = await outcomeOf(path, fixture.old, fixture.neu)
    tally.outcomes.push({ kill, killed: run.killed, output: run.output, outcome })
    if (kill.hold !== undefined && !run.output.includes("HOLDING")) {
      throw new Error(`seed ${options.seed}: the child never reached its hold point (${kill.where}):\n${run.output}`)
    }
    if (options.stopWhen?.(outcome)) break
  }
  return tally
}

/** Per kind of kill point: how many, how many found the child still running, and the states they left. */
const summary = (tally: Tally): string =>
  [...new Set(tally.outcomes.map((entry) => entry.kill.kind))]
    .map((kind) => {
      const of = tally.outcomes.filter((entry) => entry.kill.kind === kind)
      const states = new Map<string, number>()
      for (const entry of of) states.set(entry.outcome.state, (states.get(entry.outcome.state) ?? 0) + 1)
      const killed = of.filter((entry) => entry.killed).length
      const midCommit = of.filter(
        (entry) => entry.killed && /^WRITE /m.test(entry.output) && !/^COMMITTED/m.test(entry.output)
      )
      return (
        `${kind}: ${of.length} (${killed} killed, ${midCommit.length} of them between the first write and COMMITTED; ` +
        `${[...states].map(([state, count]) => `${count} ${state}`).join(", ")})`
      )
    })
    .join("; ")

describe("C01: SIGKILL at random points of a commit", () => {
  beforeAll(async () => {
    console.log(`crash seed ${SEED} (replay: PARALLAX_CRASH_SEED=${SEED} bun test test/store/CrashRandom.test.ts)`)
    fixture = await makeFixture()
  }, 60_000)

  test(`${KILLS} kills inside and right after the commit: integrity ok, the old or the new state each time`, async () => {
    expect(fixture.shape.writes).toBeGreaterThanOrEqual(6)
    const tally = await killAtRandom({ seed: SEED, kills: KILLS })
    console.log(`seed ${SEED}: ${summary(tally)}`)
    const bad = tally.outcomes
      .map((entry, index) => ({ index, ...entry }))
      .filter((entry) => entry.outcome.state === "torn" || entry.outcome.state === "corrupt")
      .map((entry) => `seed ${SEED}, kill ${entry.index} (${entry.kill.where}): ${JSON.stringify(entry.outcome)}`)
    expect(bad).toEqual([])
    expect(tally.outcomes.filter((entry) => entry.killed).length).toBeGreaterThan(KILLS / 2)
    // With 40 kills, both states occur (a run of only one would mean the kill points miss the commit).
    const states = new Set(tally.outcomes.map((entry) => entry.outcome.state))
    if (KILLS >= 20) expect(states).toEqual(new Set(["old", "new"]))
  }, 180_000)

  test("the same procedure sees a torn state when every write commits on its own (mutant non-atomic)", async () => {
    const tally = await killAtRandom({
      seed: SEED,
      kills: 20,
      mutant: "non-atomic",
      stopWhen: (outcome) => outcome.state === "torn"
    })
    console.log(`seed ${SEED}, mutant non-atomic: ${summary(tally)}`)
    const torn = tally.outcomes.find((entry) => entry.outcome.state === "torn")
    expect(torn?.outcome).toMatchObject({ state: "torn" })
    console.log(`torn state found, killed ${torn?.kill.where}: ${JSON.stringify(torn?.outcome)}`)
  }, 120_000)
})
