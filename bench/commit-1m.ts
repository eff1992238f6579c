/**
 * Syncs a generated batch of about 1M entities (the bench workload at n = 400,000: 1,000,000 entities
 * and 400,000 relationships) through `sync` into a fresh SQLite file, then the same data again, then
 * generation 1 (churn), printing wall time and peak RSS. Not a test.
 *
 *   bun bench/commit-1m.ts [n] [_] [dir]
 *
 * The three syncs run in one process, so its peak RSS is the highest of the three.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { bench } from "../connectors/bench/index.ts"
import { SqliteStore, sync } from "../src/runtime.ts"

const n = Number(process.argv[2] ?? 400_000)

const dir = process.argv[4] ?? mkdtempSync(join(tmpdir(), "parallax-commit-1m-"))
const path = join(dir, "bench.db")

const peakRssMiB = (): number => {
  const status = require("node:fs").readFileSync("/proc/self/status", "utf8") as string
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return Math.round(kb / 1024)
}

const run = (label: string, generation: number) =>
  Effect.gen(function* () {
    const start = performance.now()
    let collected = start
    const result = yield* sync(bench, {
      account: "a",
      config: { n, generation },
      massDeletion: { maxShare: 1 },
      onEvent: (event) => {
        if (event._tag === "SyncFinished") collected = performance.now()
      }
    })
    const seconds = ((performance.now() - start) / 1000).toFixed(1)
    const phases = `(collect ${((collected - start) / 1000).toFixed(1)} s, commit ${((performance.now() - collected) / 1000).toFixed(1)} s)`
    const s = result.stats
    console.log(
      `${label.padEnd(6)} ${seconds.padStart(6)} s ${phases}  peak RSS ${String(peakRssMiB()).padStart(4)} MiB  ` +
        `entities +${s.entitiesCreated} ~${s.entitiesUpdated} =${s.entitiesUnchanged} -${s.entitiesDeleted}  ` +
        `relationships +${s.relationshipsCreated} ~${s.relationshipsUpdated} =${s.relationshipsUnchanged} -${s.relationshipsDeleted}  ` +
        `db ${Math.round(statSync(path).size / 2 ** 20)} MiB`
    )
  })

console.log(`n = ${n}: ${2.5 * n} entities, ${n} relationships -> ${path}`)
await Effect.runPromise(
  Effect.gen(function* () {
    yield* run("first", 0)
    yield* run("same", 0)
    yield* run("churn", 1)
  }).pipe(
    Effect.provide(
      SqliteStore.layerWith({
        path,
        testing: { onPhase: (phase, ms) => console.log(`         ${phase}: ${(ms / 1000).toFixed(2)} s`) }
      })
    )
  )
)
if (process.argv[4] === undefined) rmSync(dir, { recursive: true, force: true })
