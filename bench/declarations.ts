/**
 * What checking emits against a step's declarations costs: the `bench` connector collected (as in
 * `bench/collect.ts`, nothing stored) with its declarations and with them stripped (unchecked),
 * alternately in one process. Not a test.
 *
 *   bun bench/declarations.ts --n 200000 --runs 8
 */
import { Effect } from "effect"
import { bench } from "../connectors/bench/index.ts"
import { HOST, hostKey, hostname } from "../connectors/bench/Workload.ts"
import { Added, type Staging } from "../src/scheduler/Staging.ts"
import { collect } from "../src/sync/Run.ts"

const args = process.argv.slice(2)
const option = (name: string, fallback: number) => Number(args[args.indexOf(name) + 1] ?? fallback) || fallback
const n = option("--n", 200_000)
const runs = option("--runs", 8)

/** Staging that stores nothing and answers `prior` from the workload's own rules. */
const counting: Staging = {
  putEntity: () => Added,
  putRelationship: () => Added,
  discardStep: () => {},
  entitiesOf: function* () {
    for (let index = 0; index < n; index++) {
      const key = hostKey(index)
      yield {
        id: "",
        type: HOST,
        key,
        class: "Host",
        displayName: key,
        properties: { hostname: hostname(index) },
        hash: ""
      }
    }
  },
  entityById: () => undefined,
  hasEntity: () => true,
  relationshipsOf: function* () {}
}

const unchecked = { ...bench, steps: bench.steps.map((step) => ({ ...step, entities: [], relationships: [] })) }
const time = async (connector: typeof bench) => {
  const start = performance.now()
  await Effect.runPromise(collect(connector, counting, { account: "a", config: { n, generation: 0 } }))
  return performance.now() - start
}
const results = { declared: [] as Array<number>, unchecked: [] as Array<number> }
for (let run = 0; run < runs; run++) {
  results.unchecked.push(await time(unchecked as typeof bench))
  results.declared.push(await time(bench))
}
for (const [name, times] of Object.entries(results)) {
  const sorted = [...times].sort((a, b) => a - b)
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0
  console.log(JSON.stringify({ n, name, minMs: Math.round(sorted[0] ?? 0), medianMs: Math.round(median) }))
}
