import { describe, expect, test } from "bun:test"
import { Effect, Either } from "effect"
import fc from "fast-check"
import { Connector, entity, step } from "../../src/index.ts"
import {
  type DumpRow,
  MemoryStore,
  PREVIEW_ITEMS,
  type PreviewList,
  Store,
  type StoreDump,
  type StoreTesting,
  type SyncPreview,
  sync
} from "../../src/runtime.ts"
import { connectorOf, type Failure, failuresArb, type Source, sourceArb, tempStore } from "./support/Source.ts"

/**
 * The dry run's preview (src/sync/Preview.ts), on every driver: for every plan (insert, merge,
 * unchanged; and the merge alone), the rows it names are exactly the rows the real sync then creates,
 * updates and deletes (updated: kept but given the new generation), with the same totals as the stats;
 * a dry run writes nothing. Lists hold at most PREVIEW_ITEMS rows.
 */

type Change = "created" | "updated" | "deleted"

const label = (row: DumpRow): string => {
  const c = row.content as Record<string, string | null>
  return row.kind === "entity"
    ? JSON.stringify({ type: c.type, key: c.key })
    : JSON.stringify({
        verb: c.verb,
        from: { type: c.from_type, key: c.from_key },
        to: { type: c.to_type, key: c.to_key },
        ...(c.to_account === null ? {} : { toAccount: c.to_account }),
        ...(c.rel_key === null ? {} : { key: c.rel_key })
      })
}

/** What a sync did to the rows of its scope, from the dumps before and after it. */
const difference = (before: StoreDump, after: StoreDump, kind: DumpRow["kind"]): Record<Change, Array<string>> => {
  const rows = (dump: StoreDump) =>
    new Map(dump.rows.filter((row) => row.kind === kind && row.connector === "generated").map((row) => [row.id, row]))
  const old = rows(before)
  const now = rows(after)
  const result: Record<Change, Array<string>> = { created: [], updated: [], deleted: [] }
  for (const [id, row] of now) {
    const was = old.get(id)
    if (was === undefined) result.created.push(label(row))
    else if (was.generation !== row.generation) result.updated.push(label(row))
  }
  for (const [id, row] of old) if (!now.has(id)) result.deleted.push(label(row))
  return result
}

/** A preview list against the truth: its total, and its items (all of them when they fit) among the rows. */
const expectList = (list: PreviewList<unknown>, truth: ReadonlyArray<string>) => {
  expect(list.total).toBe(truth.length)
  expect(list.items).toHaveLength(Math.min(truth.length, PREVIEW_ITEMS))
  const items = list.items.map((item) => JSON.stringify(item))
  if (truth.length <= PREVIEW_ITEMS) expect([...items].sort()).toEqual([...truth].sort())
  else for (const item of items) expect(truth).toContain(item)
}

const expectPreview = (preview: SyncPreview | undefined, before: StoreDump, after: StoreDump) => {
  expect(preview).toBeDefined()
  for (const kind of ["entity", "relationship"] as const) {
    const truth = difference(before, after, kind)
    const lists = kind === "entity" ? preview?.entities : preview?.relationships
    for (const change of ["created", "updated", "deleted"] as const) {
      expectList(lists?.[change] as PreviewList<unknown>, truth[change])
    }
  }
}

const historyArb = fc.tuple(
  fc.array(fc.tuple(sourceArb, fc.oneof(fc.constant<ReadonlyArray<Failure>>([]), failuresArb)), {
    minLength: 1,
    maxLength: 3
  }),
  fc.array(fc.nat(2), { minLength: 2, maxLength: 5 })
)

const layerOf = (driver: "sqlite" | "memory", testing: StoreTesting) =>
  driver === "sqlite" ? tempStore({ testing }) : MemoryStore.layerWith({ testing })

describe("dry-run preview", () => {
  for (const [driver, alwaysMerge] of [
    ["sqlite", false],
    ["sqlite", true],
    ["memory", false]
  ] as const) {
    test(`names exactly what the real sync then changes (${driver} driver, ${alwaysMerge ? "merge only" : "plans"})`, async () => {
      const plans = new Set<string>()
      await fc.assert(
        fc.asyncProperty(historyArb, ([pool, order]) =>
          Effect.gen(function* () {
            const store = yield* Store
            for (const index of order) {
              const [source, failing] = pool[index % pool.length] as readonly [Source, ReadonlyArray<Failure>]
              const connector = () => connectorOf(source, { failing })
              const before = yield* store.dump()
              const dry = yield* Effect.either(sync(connector(), { dryRun: true, force: true }))
              expect(yield* store.dump()).toEqual(before)
              const real = yield* Effect.either(sync(connector(), { force: true }))
              if (Either.isLeft(dry) || Either.isLeft(real)) {
                expect(Either.isLeft(dry) && Either.isLeft(real) && dry.left._tag === real.left._tag).toBe(true)
                continue
              }
              expect(dry.right.stats).toEqual(real.right.stats)
              expect(dry.right.generation).toBe(real.right.generation)
              expect(real.right.preview).toBeUndefined()
              expectPreview(dry.right.preview, before, yield* store.dump())
            }
          }).pipe(
            Effect.provide(
              layerOf(driver, {
                alwaysMerge,
                onPhase: (phase) => (phase.startsWith("plan ") ? plans.add(phase) : undefined)
              })
            ),
            Effect.runPromise
          )
        ),
        { numRuns: 40 }
      )
      expect([...plans].sort()).toEqual(alwaysMerge ? ["plan merge"] : ["plan insert", "plan merge", "plan unchanged"])
    }, 120_000)
  }

  test(`lists at most ${PREVIEW_ITEMS} rows of each change: those with the smallest ids, in id order`, async () => {
    const keys = Array.from({ length: 45 }, (_, index) => `h${String(44 - index).padStart(2, "0")}`)
    const hosts = Connector.make({
      name: "many",
      steps: [
        step("hosts", "hosts").run((ctx) =>
          Effect.forEach(keys, (key) => ctx.emitEntity(entity("host", key).class("Host")), { discard: true })
        )
      ]
    })
    const dry = await Effect.runPromise(sync(hosts, { dryRun: true }).pipe(Effect.provide(tempStore())))
    expect(dry.preview?.entities.created.total).toBe(45)
    const byId = keys
      .map((key) => ({ key, id: (entity("host", key).class("Host").toRecord("default") as { id: string }).id }))
      .sort((a, b) => (a.id < b.id ? -1 : 1))
    expect(dry.preview?.entities.created.items).toEqual(
      byId.slice(0, PREVIEW_ITEMS).map(({ key }) => ({ type: "host", key }))
    )
    expect(dry.preview?.entities.deleted).toEqual({ total: 0, items: [] })
    expect(dry.preview?.relationships.created).toEqual({ total: 0, items: [] })
  })
})
