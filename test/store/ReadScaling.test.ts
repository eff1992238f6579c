import { describe, expect, test } from "bun:test"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Stream } from "effect"
import { bench } from "../../connectors/bench/index.ts"
import * as SqliteStore from "../../src/store/sqlite/SqliteStore.ts"
import { Store, type StoreDriver } from "../../src/sync/Store.ts"
import { sync } from "../../src/sync/Sync.ts"

/**
 * Reads must not grow faster than the store. Each read runs on a store whose page cache is a few pages,
 * so every page it visits is read from the file: the bytes this process reads (`rchar`) count the work.
 * The same reads on stores of 5,000 and 10,000 edges must visit about twice as many pages (linear), or
 * about as many for a `limit` read; a read that looks each edge's endpoints up by scanning (what
 * `stats` did: 17.8 s at n = 8,000) visits four times as many. (`READ_SCALING_SIZES=500,1000` makes
 * the stores small enough for such a read to finish at all.)
 */

const SIZES = (process.env.READ_SCALING_SIZES?.split(",").map(Number) ?? [5_000, 10_000]) as unknown as readonly [
  number,
  number
]
const CACHE_PAGES = 8

const bytesRead = (): number => Number(/rchar: (\d+)/.exec(readFileSync("/proc/self/io", "utf8"))?.[1])

const reads: ReadonlyArray<
  readonly [string, (store: StoreDriver) => Effect.Effect<unknown, unknown>, "all" | "limit"]
> = [
  ["stats", (store) => store.stats(), "all"],
  ["entities", (store) => store.entities(), "all"],
  ["relationships", (store) => store.relationships(), "all"],
  ["export", (store) => Stream.runCount(store.exportGraph()), "all"],
  ["history", (store) => store.history(), "limit"],
  ["entities --limit 100", (store) => store.entities({ limit: 100 }), "limit"],
  ["entities --type --limit 100", (store) => store.entities({ type: "bench_service", limit: 100 }), "limit"],
  ["relationships --limit 100", (store) => store.relationships({ limit: 100 }), "limit"],
  ["relationships --verb --limit 100", (store) => store.relationships({ verb: "USES", limit: 100 }), "limit"],
  // A type or verb no row has: found at once, not by reading every row.
  ["entities --type (none) --limit 100", (store) => store.entities({ type: "no_such_type", limit: 100 }), "limit"],
  [
    "relationships --verb (none) --limit 100",
    (store) => store.relationships({ verb: "NO_SUCH_VERB", limit: 100 }),
    "limit"
  ]
]

/** Pages each read visits on a store synced with `n` (n relationships, 2.5·n entities). */
const pagesVisited = async (dir: string, n: number): Promise<ReadonlyMap<string, number>> => {
  const path = join(dir, `n${n}.db`)
  await Effect.runPromise(
    sync(bench, { config: { n }, account: "a" }).pipe(Effect.provide(SqliteStore.layerWith({ path })))
  )
  const pages = new Map<string, number>()
  await Effect.runPromise(
    Effect.gen(function* () {
      const store = yield* Store
      for (const [name, read] of reads) {
        yield* read(store) // warms what is not the read's own work (statements, the scopes table)
        const before = bytesRead()
        yield* read(store)
        pages.set(name, (bytesRead() - before) / 4096)
      }
    }).pipe(Effect.provide(SqliteStore.layerWith({ path, readerCachePages: CACHE_PAGES })))
  )
  return pages
}

describe("reads at any size (SQLite)", () => {
  test("no read visits more than about twice the pages at twice the size; limit reads about the same", async () => {
    const dir = mkdtempSync(join(tmpdir(), "parallax-read-scaling-"))
    try {
      const [small, large] = [await pagesVisited(dir, SIZES[0]), await pagesVisited(dir, SIZES[1])]
      for (const [name, , kind] of reads) {
        const [before, after] = [small.get(name) ?? 0, large.get(name) ?? 0]
        const ratio = after / Math.max(1, before)
        const report = `${name}: ${before.toFixed(0)} pages at n = ${SIZES[0]}, ${after.toFixed(0)} at n = ${SIZES[1]}`
        if (kind === "all") {
          expect(before, report).toBeGreaterThan(50) // the measure sees the read's work at all
          expect(ratio, report).toBeLessThan(2.6)
        } else {
          expect(ratio, report).toBeLessThan(1.5)
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)
})
