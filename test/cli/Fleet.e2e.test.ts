import { describe, expect, test } from "bun:test"
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import fc from "fast-check"
import { expectedStats } from "../../bench/lib/expected.ts"
import { type HostTree, hostTreeArbitrary, render } from "../../connectors/host/testing/HostTree.ts"
import { binary, parallax, type Ran, tempDir } from "./support/Binary.ts"
import { type FreshDatabase, freshDatabase, testPostgresUrl } from "./support/PostgresDatabase.ts"
import { databaseDigest, sessionsGone, untilBlocked } from "./support/PostgresWatch.ts"

/**
 * Issue 11, point 7: many hosts, one graph, through the compiled binary. Sixteen processes, each syncing a
 * different generated machine (the `host` connector over its own tree), commit into one PostgreSQL database
 * at once; two processes sync one scope at once; a process is killed with SIGKILL inside its commit's
 * transaction. Each test has a database of its own. The timings are printed for the closing note; only
 * behaviour is asserted.
 */

const HOSTS = 16
/** Packages added to each generated machine, so that the sixteen commits are large enough to overlap. */
const PACKAGES = 2000
const env = { TMPDIR: process.env.TMPDIR ?? "/tmp" }

const trees: ReadonlyArray<HostTree> = fc.sample(hostTreeArbitrary, { seed: 11, numRuns: HOSTS }).map((tree, i) => ({
  ...tree,
  hostname: `host-${String(i).padStart(2, "0")}`,
  // Names with a dot: the generated ones never have one, so these never collide with them.
  packages: [
    ...tree.packages,
    ...Array.from({ length: PACKAGES }, (_, j) => ({
      name: `fleet.pkg.${j}`,
      version: `1.${i}-${j % 7}`,
      architecture: "amd64"
    }))
  ]
}))

/** Writes each tree under `root/<hostname>`; returns the directories. */
const writeTrees = (root: string, list: ReadonlyArray<HostTree>): ReadonlyArray<string> =>
  list.map((tree) => {
    const dir = join(root, tree.hostname)
    for (const [file, content] of Object.entries(render(tree))) {
      mkdirSync(dirname(join(dir, file)), { recursive: true })
      writeFileSync(join(dir, file), content)
    }
    return dir
  })

const syncHost = (db: string, tree: HostTree, dir: string) =>
  parallax(["sync", "host", "--account", tree.hostname, "--set", `root=${dir}`, "--db", db, "--json"], { env })

const syncBench = (db: string, account: string, n: number, generation: number) => [
  "sync",
  "bench",
  "--account",
  account,
  "--set",
  `n=${n}`,
  "--set",
  `generation=${generation}`,
  "--db",
  db,
  "--json"
]

interface Timed extends Ran {
  readonly ms: number
}

const timed = async (run: () => Promise<Ran>): Promise<Timed> => {
  const start = performance.now()
  const ran = await run()
  return { ...ran, ms: performance.now() - start }
}

const json = (ran: Ran): Record<string, unknown> => {
  try {
    return JSON.parse(ran.stdout) as Record<string, unknown>
  } catch {
    throw new Error(`not JSON (exit ${ran.code}): ${ran.stdout}\n${ran.stderr}`)
  }
}

const succeeded = (ran: Ran, what: string): Record<string, unknown> => {
  if (ran.code !== 0) throw new Error(`${what} exited ${ran.code}:\n${ran.stderr}\n${ran.stdout.slice(0, 2000)}`)
  return json(ran)
}

/** The whole merged graph as `export --format ndjson` prints it, one parsed item per line, in id order. */
const exported = async (db: string) => {
  const ran = await parallax(["export", "--format", "ndjson", "--db", db], { env })
  expect(ran.code).toBe(0)
  const items = ran.stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as { readonly kind: string; readonly id: string })
  return items.sort((a, b) => (`${a.kind}:${a.id}` < `${b.kind}:${b.id}` ? -1 : 1))
}

interface StatsJson {
  readonly scopes: ReadonlyArray<{
    readonly connector: string
    readonly account: string
    readonly lastSyncAt?: unknown
  }>
  readonly types: ReadonlyArray<unknown>
}

const stats = async (db: string): Promise<StatsJson> =>
  succeeded(await parallax(["stats", "--json", "--db", db], { env }), "stats") as unknown as StatsJson

/** Scopes without their last sync's time (which differs between two stores synced at different times). */
const scopesOf = (s: StatsJson) =>
  s.scopes.map(({ lastSyncAt: _, ...scope }) => scope).sort((a, b) => (a.account < b.account ? -1 : 1))

const migrated = async (db: FreshDatabase) => {
  const ran = await parallax(["migrate", "--db", db.url], { env })
  if (ran.code !== 0) throw new Error(`migrate exited ${ran.code}: ${ran.stderr}`)
}

/** Runs `body` with a fresh database and a fresh directory, dropping both afterwards. */
const withDatabase = async (prefix: string, body: (db: FreshDatabase, dir: string) => Promise<void>) => {
  const db = await freshDatabase(testPostgresUrl as string, prefix)
  const dir = tempDir("parallax-fleet-")
  try {
    await body(db, dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await db.drop()
  }
}

describe.skipIf(testPostgresUrl === undefined)("many hosts, one PostgreSQL graph (compiled binary)", () => {
  test(`${HOSTS} hosts sync at once: all succeed, each scope holds exactly its own rows, stats shows ${HOSTS} scopes`, async () => {
    await binary()
    await withDatabase("parallax_fleet", async (db, dir) => {
      const dirs = writeTrees(join(dir, "trees"), trees)
      await migrated(db)
      const start = performance.now()
      const runs = await Promise.all(trees.map((tree, i) => timed(() => syncHost(db.url, tree, dirs[i] as string))))
      const wallMs = performance.now() - start
      for (const [i, ran] of runs.entries()) {
        const result = succeeded(ran, `sync of ${trees[i]?.hostname}`)
        expect(result.status).toBe("succeeded")
        expect(result.generation).toBe(1)
      }
      const each = runs.map((ran) => ran.ms).sort((a, b) => a - b)
      console.log(
        `fleet: ${HOSTS} host syncs at once into PostgreSQL in ${wallMs.toFixed(0)} ms wall; each ${each[0]?.toFixed(0)}–${each.at(-1)?.toFixed(0)} ms (median ${each[HOSTS / 2]?.toFixed(0)} ms)`
      )

      // The oracle: the same trees synced one after the other into one SQLite file by the same binary.
      const oracle = join(dir, "oracle.db")
      const oracleStart = performance.now()
      for (const [i, tree] of trees.entries()) succeeded(await syncHost(oracle, tree, dirs[i] as string), "oracle sync")
      console.log(
        `fleet: the same ${HOSTS} syncs one by one into SQLite in ${(performance.now() - oracleStart).toFixed(0)} ms`
      )

      const pg = await stats(db.url)
      const sqlite = await stats(oracle)
      expect(pg.scopes).toHaveLength(HOSTS)
      expect(scopesOf(pg).map((scope) => scope.account)).toEqual(trees.map((tree) => tree.hostname))
      expect(scopesOf(pg)).toEqual(scopesOf(sqlite))
      expect(pg.types).toEqual(sqlite.types)

      const graph = await exported(db.url)
      expect(graph.length).toBeGreaterThan(HOSTS * 3)
      expect(graph).toEqual(await exported(oracle))
      // Every row is asserted by exactly one scope: the host whose tree it came from.
      for (const item of graph) {
        const sources = (item as unknown as { sources: ReadonlyArray<{ account: string }> }).sources
        expect(sources).toHaveLength(1)
      }
    })
  }, 300_000)

  test("two processes on the same scope: both succeed, one after the other", async () => {
    const n = 10_000
    await withDatabase("parallax_fleet_pair", async (db, dir) => {
      await migrated(db)
      const start = performance.now()
      const [zero, one] = await Promise.all([
        timed(() => parallax(syncBench(db.url, "shared", n, 0), { env })),
        timed(() => parallax(syncBench(db.url, "shared", n, 1), { env }))
      ])
      const wallMs = performance.now() - start
      const results = [succeeded(zero as Ran, "sync of generation 0"), succeeded(one as Ran, "sync of generation 1")]
      expect(results.map((result) => result.status)).toEqual(["succeeded", "succeeded"])
      expect(results.map((result) => result.generation).sort()).toEqual([1, 2])
      // The second to commit saw the first's committed rows: its stats are the change from the first's data.
      const [first, second] = results[0]?.generation === 1 ? [0, 1] : [1, 0]
      expect(results[first]?.stats).toEqual(expectedStats(n, undefined, first))
      expect(results[second]?.stats).toEqual(expectedStats(n, first, second))
      const waited = [zero, one].some((ran) => ran?.stderr.includes("waiting for scope"))
      console.log(
        `fleet: two syncs of one scope (n = ${n}) at once: ${wallMs.toFixed(0)} ms wall (${zero?.ms.toFixed(0)} ms and ${one?.ms.toFixed(0)} ms; the scope's lock wait ${waited ? "was" : "was not"} reported); generation ${first} committed first`
      )

      const history = json(await parallax(["history", "--json", "--db", db.url], { env })) as unknown as ReadonlyArray<{
        generation: number
        status: string
      }>
      expect(history.map((run) => [run.generation, run.status])).toEqual([
        [2, "succeeded"],
        [1, "succeeded"]
      ])
      // The scope now holds exactly what a fresh sync of the later data holds (C09).
      const oracle = join(dir, "oracle.db")
      succeeded(await parallax(syncBench(oracle, "shared", n, second), { env }), "oracle sync")
      const strip = (items: ReadonlyArray<unknown>) =>
        items.map((item) => {
          const { sources, ...rest } = item as { sources: ReadonlyArray<Record<string, unknown>> }
          return { ...rest, sources: sources.map(({ generation: _, ...source }) => source) }
        })
      expect(strip(await exported(db.url))).toEqual(strip(await exported(oracle)))
    })
  }, 300_000)

  test("a process killed with SIGKILL inside its commit leaves its scope as it was and every other scope untouched", async () => {
    const n = 10_000
    await withDatabase("parallax_fleet_kill", async (db, dir) => {
      const others = trees.slice(0, 4)
      const dirs = writeTrees(join(dir, "trees"), others)
      await migrated(db)
      const setup = await Promise.all([
        ...others.map((tree, i) => syncHost(db.url, tree, dirs[i] as string)),
        parallax(syncBench(db.url, "victim", n, 0), { env })
      ])
      for (const ran of setup) succeeded(ran, "setup sync")

      const snapshot = async () => ({
        tables: await databaseDigest(db.sql),
        stats: await stats(db.url),
        history: json(await parallax(["history", "--json", "--limit", "1000", "--db", db.url], { env })),
        graph: await exported(db.url)
      })
      const before = await snapshot()

      // Each kill point: the victim blocks on a lock this test holds on one of the store's tables, inside its
      // commit's transaction (after the scope's advisory lock), and is killed while it waits there.
      const points = await killPoints(db)
      expect(points.length).toBeGreaterThanOrEqual(2)
      for (const table of points) {
        const start = performance.now()
        const child = Bun.spawn([await binary(), ...syncBench(db.url, "victim", n, 1)], {
          env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NO_COLOR: "1", ...env },
          stdout: "pipe",
          stderr: "pipe",
          stdin: "ignore"
        })
        let pids: ReadonlyArray<number> = []
        await db.sql.begin(async (tx) => {
          await tx.unsafe(`LOCK TABLE ${table} IN EXCLUSIVE MODE`)
          const [own] = (await tx`SELECT pg_backend_pid() AS pid`) as ReadonlyArray<{ readonly pid: number }>
          pids = await untilBlocked(db.sql, table, child, own === undefined ? [] : [own.pid])
          child.kill("SIGKILL")
          await child.exited
        })
        expect(child.signalCode).toBe("SIGKILL")
        // Its server sessions end once they notice the client is gone; nothing of its transaction remains.
        await sessionsGone(db.sql, pids)
        const after = await snapshot()
        expect(after.tables).toEqual(before.tables)
        expect(after.stats).toEqual(before.stats)
        expect(after.history).toEqual(before.history)
        expect(after.graph).toEqual(before.graph)
        console.log(
          `fleet: killed while its commit waited on ${table} (${(performance.now() - start).toFixed(0)} ms from spawn to a store checked unchanged)`
        )
      }

      // The scope is usable at once: the next sync commits the change on top of the old state.
      const next = succeeded(await parallax(syncBench(db.url, "victim", n, 1), { env }), "sync after the kills")
      expect(next.generation).toBe(2)
      expect(next.stats).toEqual(expectedStats(n, 0, 1))
      const finalScopes = scopesOf(await stats(db.url))
      expect(finalScopes.filter((scope) => scope.account !== "victim")).toEqual(
        scopesOf(before.stats).filter((scope) => scope.account !== "victim")
      )
    })
  }, 300_000)
})

/** The tables the commit writes, in the order its kills try them: rows first, then the run record. */
const killPoints = async (db: FreshDatabase): Promise<ReadonlyArray<string>> => {
  const tables = await databaseDigest(db.sql)
  return ["entities", "relationships", "runs"]
    .map((name) => Object.keys(tables).find((table) => table === name || table.endsWith(`.${name}`)))
    .filter((table): table is string => table !== undefined)
}
