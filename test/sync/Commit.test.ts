import { describe, expect, test } from "bun:test"
import { Effect, type Layer } from "effect"
import fc from "fast-check"
import { type RunOutput, runConnector } from "../../src/index.ts"
import { commitSync, type DumpRow, MemoryStore, Store, type StoreTesting, sync } from "../../src/runtime.ts"
import { freshPostgresStore, testPostgresUrl } from "../store/support/Postgres.ts"
import { connectorOf, type Source, type StepSource } from "../store/support/StepSource.ts"
import { tempStore } from "./support/Source.ts"

/**
 * The commit core's plans (src/sync/Plan.ts): a scope that holds nothing gets every row inserted, a
 * batch whose per-step checksums equal the stored ones writes no row, anything else is merged. On every
 * driver, whatever the history of the scope (steps that fail and keep their rows, rows that move between
 * steps, steps that emit identical copies of each other's rows, edges to endpoints of other steps): the
 * shortcuts commit exactly what the merge commits, and every commit leaves exactly what the set
 * arithmetic of DESIGN §6 says (the oracle below, which shares no code with the core).
 */

const stepArb: fc.Arbitrary<StepSource> = fc.record({
  entities: fc.array(fc.tuple(fc.nat(5), fc.nat(1)), { maxLength: 5 }),
  edges: fc.array(fc.tuple(fc.nat(5), fc.nat(5)), { maxLength: 3 }),
  fails: fc.boolean()
})
const sourceArb: fc.Arbitrary<Source> = fc.array(stepArb, { minLength: 3, maxLength: 3 })
/** A history: syncs drawn from a pool of three sources, so that sources come back. */
const historyArb = fc.tuple(
  fc.array(sourceArb, { minLength: 3, maxLength: 3 }),
  fc.array(fc.nat(2), { minLength: 2, maxLength: 6 }),
  fc.array(fc.boolean(), { minLength: 6, maxLength: 6 })
)

const drivers: ReadonlyArray<readonly [string, (testing: StoreTesting) => Layer.Layer<Store, unknown>]> = [
  ["sqlite", (testing) => tempStore({ testing })],
  ["memory", (testing) => MemoryStore.layerWith({ testing })],
  ...(testPostgresUrl === undefined
    ? []
    : [["postgres", (testing: StoreTesting) => freshPostgresStore({ testing })] as const])
]

type Row = Omit<DumpRow, "firstSeenAt" | "generation" | "content">
const keyOf = (row: { readonly kind: string; readonly id: string }) => `${row.kind}:${row.id}`

/**
 * The oracle: after a sync of `source` whose steps ended as `statuses`, the scope holds the rows the
 * succeeded steps emitted (each owned by the step whose id sorts first among those that emitted it),
 * and of the rows it held before, those whose step did not succeed and that no succeeded step emitted.
 */
const expectedRows = (
  before: ReadonlyArray<Row>,
  source: Source,
  output: RunOutput,
  statuses: ReadonlyMap<string, string>
): ReadonlyArray<Row> => {
  const rows = new Map<string, Row>()
  const stage = (kind: "entity" | "relationship", id: string, hash: string, steps: ReadonlyArray<string>) => {
    const owners = steps.filter((id) => statuses.get(id) === "succeeded").sort()
    if (owners.length === 0) return
    rows.set(keyOf({ kind, id }), { kind, connector: "plans", account: "acme", id, step: owners[0] as string, hash })
  }
  // Every step's own emissions, succeeded or not (runConnector keeps one owner; recompute from the source).
  const emitted = new Map<string, { kind: "entity" | "relationship"; id: string; hash: string; steps: Array<string> }>()
  for (const record of [...output.entities, ...output.relationships]) {
    const kind = "verb" in record ? "relationship" : "entity"
    emitted.set(keyOf({ kind, id: record.id }), { kind, id: record.id, hash: record.hash, steps: [] })
  }
  for (const [index, spec] of source.entries()) {
    const keys = new Set<number>()
    for (const [key] of spec.entities) keys.add(key)
    for (const record of output.entities) {
      if (keys.has(Number(record.key.slice(1))))
        emitted.get(keyOf({ kind: "entity", id: record.id }))?.steps.push(`s${index}`)
    }
    for (const record of output.relationships) {
      const from = Number(record.fromKey.slice(1))
      const to = Number(record.toKey.slice(1))
      if (keys.has(from) && spec.edges.some(([a, b]) => a === from && b === to)) {
        emitted.get(keyOf({ kind: "relationship", id: record.id }))?.steps.push(`s${index}`)
      }
    }
  }
  for (const { kind, id, hash, steps } of emitted.values()) stage(kind, id, hash, steps)
  for (const row of before) {
    if (statuses.get(row.step) === "succeeded" || rows.has(keyOf(row))) continue
    rows.set(keyOf(row), row)
  }
  return [...rows.values()].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1))
}

const rowsOf = (rows: ReadonlyArray<DumpRow>): ReadonlyArray<Row> =>
  rows
    .map(({ firstSeenAt: _, generation: __, content: ___, ...row }) => row)
    .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : 1))

type History = readonly [ReadonlyArray<Source>, ReadonlyArray<number>, ReadonlyArray<boolean>]

/** The sources a history syncs, in order. */
const sourcesOf = ([pool, order, noFailures]: History): ReadonlyArray<Source> =>
  order.map((index, position) => {
    const source = pool[index] as Source
    return noFailures[position] ? source.map((spec) => ({ ...spec, fails: false })) : source
  })

/**
 * The runs of a history's sources, made once: which of two steps emitting one key with other content
 * fails depends on how they interleave, so stores compared with each other commit the very same runs.
 */
const runsOf = (history: History): Promise<ReadonlyArray<RunOutput>> =>
  Effect.runPromise(
    Effect.forEach(sourcesOf(history), (source) => runConnector(connectorOf(source), { account: "acme" }))
  )

const play = (
  layer: Layer.Layer<Store, unknown>,
  history: History,
  checkOracle: boolean,
  runs?: ReadonlyArray<RunOutput>
) =>
  Effect.gen(function* () {
    const store = yield* Store
    const outcomes: Array<unknown> = []
    for (const [position, source] of sourcesOf(history).entries()) {
      const before = rowsOf((yield* store.dump()).rows)
      // For the oracle, the very run that is committed (see `runsOf`).
      const output =
        runs?.[position] ?? (checkOracle ? yield* runConnector(connectorOf(source), { account: "acme" }) : undefined)
      const result = yield* Effect.either(
        output === undefined
          ? sync(connectorOf(source), { account: "acme", force: true })
          : commitSync(output, { force: true })
      )
      outcomes.push(
        result._tag === "Left"
          ? result.left._tag
          : { status: result.right.status, stats: result.right.stats, steps: result.right.steps.map((s) => s.status) }
      )
      if (output !== undefined && result._tag === "Right") {
        const statuses = new Map(result.right.steps.map((outcome) => [outcome.id, outcome.status]))
        expect(rowsOf((yield* store.dump()).rows)).toEqual(expectedRows(before, source, output, statuses))
      }
    }
    const dump = yield* store.dump()
    return {
      outcomes,
      rows: dump.rows.map(({ firstSeenAt: _, ...row }) => row),
      scopes: dump.scopes,
      runs: dump.runs.map((r) => [r.generation, r.status, r.stats])
    }
  }).pipe(Effect.provide(layer), Effect.scoped, Effect.runPromise)

for (const [driver, layerOf] of drivers) {
  // A PostgreSQL trial makes a schema per store and talks to a server: fewer trials, more time.
  const numRuns = driver === "postgres" ? 15 : 40
  const timeout = driver === "postgres" ? 300_000 : 120_000
  describe(`commit plans (${driver} driver)`, () => {
    test(
      "insert-only and unchanged plans commit exactly what the merge commits",
      async () => {
        const seen = new Set<string>()
        await fc.assert(
          fc.asyncProperty(historyArb, async (history) => {
            const plans: Array<string> = []
            const onPhase = (phase: string) => {
              if (phase.startsWith("plan ")) plans.push(phase)
            }
            const runs = await runsOf(history)
            const planned = await play(layerOf({ onPhase }), history, false, runs)
            const merged = await play(layerOf({ alwaysMerge: true }), history, false, runs)
            for (const plan of plans) seen.add(plan)
            expect(planned).toEqual(merged)
          }),
          { numRuns }
        )
        // The property is only worth something if every plan was taken.
        expect([...seen].sort()).toEqual(["plan insert", "plan merge", "plan unchanged"])
      },
      timeout
    )

    test(
      "every commit leaves exactly what DESIGN §6's set arithmetic says",
      async () => {
        await fc.assert(
          fc.asyncProperty(historyArb, async (history) => {
            await play(layerOf({}), history, true)
          }),
          { numRuns }
        )
      },
      timeout
    )

    test("a re-sync of the same source takes the unchanged plan and writes no row", async () => {
      const source: Source = [
        {
          entities: [
            [0, 0],
            [1, 0]
          ],
          edges: [[0, 1]],
          fails: false
        },
        { entities: [[2, 0]], edges: [[2, 0]], fails: false },
        { entities: [[1, 0]], edges: [], fails: false }
      ]
      const plans: Array<string> = []
      const planned = await play(
        layerOf({ onPhase: (phase) => (phase.startsWith("plan ") ? plans.push(phase) : undefined) }),
        [
          [source, source, source],
          [0, 0, 1],
          [false, false, false, false, false, false]
        ],
        true
      )
      expect(plans).toEqual(["plan insert", "plan unchanged", "plan unchanged"])
      expect(planned.runs.map(([generation]) => generation)).toEqual([1, 2, 3])
      expect(planned.rows.every((row) => row.generation === 1)).toBe(true)
    }, 60_000)
  })
}
