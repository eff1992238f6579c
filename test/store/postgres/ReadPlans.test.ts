import { describe, expect, test } from "bun:test"
import { SQL } from "bun"
import { Effect } from "effect"
import { bench } from "../../../connectors/bench/index.ts"
import * as PostgresStore from "../../../src/store/postgres/PostgresStore.ts"
import { entitiesStatement, relationshipsStatement, type Statement } from "../../../src/store/postgres/Reads.ts"
import { sync } from "../../../src/sync/Sync.ts"
import { freshSchema, testPostgresUrl } from "../support/Postgres.ts"

/**
 * The `--limit` reads on PostgreSQL visit about the rows they return, whatever the store holds: each
 * statement runs under `EXPLAIN ANALYZE`, and the rows its scans of `entities` and `relationships` read
 * (returned, or read and removed by a filter) are counted. A read of a type that no row has, done by
 * scanning rows in id order, reads every row of the table.
 */

const N = 4_000 // 10,000 entities, 4,000 relationships

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

const reads: ReadonlyArray<readonly [string, "entities" | "relationships", Statement, number]> = [
  ["entities --type (none) --limit 100", "entities", entitiesStatement({ type: "no_such_type", limit: 100 }, 1), 0],
  [
    "relationships --verb (none) --limit 100",
    "relationships",
    relationshipsStatement({ verb: "NO_SUCH_VERB", limit: 100 }, 1),
    0
  ],
  ["entities --type --limit 100", "entities", entitiesStatement({ type: "bench_service", limit: 100 }, 1), 100],
  ["relationships --verb --limit 100", "relationships", relationshipsStatement({ verb: "USES", limit: 100 }, 1), 100],
  ["entities --limit 100", "entities", entitiesStatement({ limit: 100 }, 1), 100],
  ["relationships --limit 100", "relationships", relationshipsStatement({ limit: 100 }, 1), 100]
]

describe.skipIf(testPostgresUrl === undefined)("reads at any size (PostgreSQL)", () => {
  test(
    "a --limit read visits about the rows it returns, also for a type or verb no row has",
    () =>
      Effect.runPromise(
        Effect.scoped(
          Effect.gen(function* () {
            const url = yield* freshSchema("plans")
            yield* sync(bench, { config: { n: N }, account: "a" }).pipe(
              Effect.provide(PostgresStore.layerWith({ url }))
            )
            yield* Effect.promise(async () => {
              const sql = new SQL(url, { max: 1 })
              try {
                await sql.unsafe("ANALYZE")
                for (const [name, table, statement, returned] of reads) {
                  const [row] = (await sql.unsafe(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement.text}`, [
                    ...statement.params
                  ])) as Array<{ "QUERY PLAN": ReadonlyArray<{ Plan: PlanNode }> }>
                  const plan = row?.["QUERY PLAN"][0]?.Plan as PlanNode
                  const visited = rowsVisited(plan, table)
                  expect(visited, `${name}: ${visited} rows of ${table} read`).toBeLessThanOrEqual(returned + 50)
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
