import { describe, expect, test } from "bun:test"
import { SQL } from "bun"
import { Effect } from "effect"
import { bench } from "../../../connectors/bench/index.ts"
import * as PostgresStore from "../../../src/store/postgres/PostgresStore.ts"
import { entitiesStatement, relationshipsStatement, type Statement } from "../../../src/store/postgres/Reads.ts"
import { sync } from "../../../src/sync/Sync.ts"
import { freshSchema, testPostgresUrl } from "../support/Postgres.ts"

/**
 * The `--limit` reads on PostgreSQL read about the rows they return, whatever else the store holds: each
 * statement runs under `EXPLAIN ANALYZE`, and the rows its scans of `entities` or `relationships` read
 * (returned, or read and dropped by a filter) are counted. Read in id order across the table, a type that
 * no row has costs every row, and a small scope's first rows cost as many of a large scope's.
 */

/** Account a: 10,000 entities and 4,000 relationships; account b: 500 and 200. */
const N = 4_000
const SMALL = 200

interface PlanNode {
  readonly "Relation Name"?: string
  readonly "Actual Rows"?: number
  readonly "Actual Loops"?: number
  readonly "Rows Removed by Filter"?: number
  readonly Plans?: ReadonlyArray<PlanNode>
}

/** Rows read from `entities` or `relationships` by the outer scans of the plan (not the endpoint probes). */
const rowsVisited = (node: PlanNode, table: string): number => {
  const own =
    node["Relation Name"] === table
      ? ((node["Actual Rows"] ?? 0) + (node["Rows Removed by Filter"] ?? 0)) * (node["Actual Loops"] ?? 1)
      : 0
  // The live-edge probes (`entities x`) are subplans of the relationships scan: counted under their own table.
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsVisited(child, table), 0)
}

/** Each read, the table it reads, and how many of its rows it may read: `--limit` rows of each scope it covers. */
const reads: ReadonlyArray<readonly [string, "entities" | "relationships", Statement, number]> = [
  ["entities --type (none) --limit 100", "entities", entitiesStatement({ type: "no_such_type", limit: 100 }), 0],
  [
    "relationships --verb (none) --limit 100",
    "relationships",
    relationshipsStatement({ verb: "NO_SUCH_VERB", limit: 100 }),
    0
  ],
  ["entities --type --limit 100", "entities", entitiesStatement({ type: "bench_service", limit: 100 }), 200],
  ["relationships --verb --limit 100", "relationships", relationshipsStatement({ verb: "USES", limit: 100 }), 200],
  ["entities --limit 100", "entities", entitiesStatement({ limit: 100 }), 200],
  ["relationships --limit 100", "relationships", relationshipsStatement({ limit: 100 }), 200],
  // The small scope among a large one: its own rows only.
  ["entities --account b --limit 100", "entities", entitiesStatement({ account: "b", limit: 100 }), 100],
  [
    "entities --account b --type --limit 100",
    "entities",
    entitiesStatement({ account: "b", type: "bench_service", limit: 100 }),
    100
  ],
  ["relationships --account b --limit 100", "relationships", relationshipsStatement({ account: "b", limit: 100 }), 100]
]

describe.skipIf(testPostgresUrl === undefined)("reads at any size (PostgreSQL)", () => {
  test(
    "a --limit read visits about the rows it returns, also for a type or verb no row has",
    () =>
      Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const url = yield* freshSchema("plans")
            for (const [account, n] of [
              ["a", N],
              ["b", SMALL]
            ] as const) {
              yield* sync(bench, { config: { n }, account }).pipe(Effect.provide(PostgresStore.layerWith({ url })))
            }
            yield* Effect.promise(async () => {
              const sql = new SQL(url, { max: 1 })
              try {
                await sql.unsafe("ANALYZE")
                for (const [name, table, statement, most] of reads) {
                  const [row] = (await sql.unsafe(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement.text}`, [
                    ...statement.params
                  ])) as Array<{ "QUERY PLAN": ReadonlyArray<{ Plan: PlanNode }> }>
                  const plan = row?.["QUERY PLAN"][0]?.Plan as PlanNode
                  const visited = rowsVisited(plan, table)
                  expect(visited, `${name}: ${visited} rows of ${table} read`).toBeLessThanOrEqual(most)
                }
              } finally {
                await sql.close()
              }
            })
          })
        )
      ),
    120_000
  )
})
