import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import fc from "fast-check"
import {
  type Connector,
  ConnectorFailed,
  Connector as Connectors,
  entity,
  relationship,
  step
} from "../../../src/index.ts"
import type { DumpRow, Store, StoreDump } from "../../../src/store/Store.ts"
import * as SqliteStore from "../../../src/store/sqlite/SqliteStore.ts"

/** Generated source data for one connector: steps, each emitting its own entities and relationships. */
export interface SourceEntity {
  readonly type: string
  readonly key: string
  readonly name: string
  readonly value: number
}

export interface SourceRelationship {
  readonly from: number
  readonly verb: string
  readonly to: number
}

export interface SourceStep {
  readonly entities: ReadonlyArray<SourceEntity>
  readonly relationships: ReadonlyArray<SourceRelationship>
  /** Depends on the previous step (so it is skipped when that one fails). */
  readonly chained: boolean
}

export type Source = ReadonlyArray<SourceStep>

const entityArb = fc.record({
  type: fc.constantFrom("host", "user"),
  key: fc.constantFrom("a", "b", "c", "d", "e", "f", "g"),
  name: fc.constantFrom("x", "y"),
  value: fc.integer({ min: 0, max: 2 })
})

const stepArb = fc.record({
  entities: fc.array(entityArb, { maxLength: 7 }),
  relationships: fc.array(fc.record({ from: fc.nat(20), verb: fc.constantFrom("HAS", "USES"), to: fc.nat(20) }), {
    maxLength: 4
  }),
  chained: fc.boolean()
})

/** Source data with 1 to 3 steps; keys are namespaced per step, so steps never clash with each other. */
export const sourceArb: fc.Arbitrary<Source> = fc.array(stepArb, { minLength: 1, maxLength: 3 })

/** Two successive states of one source: often overlapping (same, shrunk, edited), sometimes unrelated. */
export const sourcePairArb: fc.Arbitrary<readonly [Source, Source]> = sourceArb.chain((s1) =>
  fc.tuple(
    fc.constant(s1),
    fc.oneof(
      fc.constant(s1),
      fc.constant(s1.map((step) => ({ ...step, entities: step.entities.slice(1) }))),
      fc.constant(
        s1.map((step) => ({ ...step, entities: step.entities.map((item) => ({ ...item, value: item.value + 1 })) }))
      ),
      sourceArb
    )
  )
)

/** Which steps fail (by index), for a source of `steps` steps. */
export const failuresArb = fc.array(fc.boolean(), { minLength: 3, maxLength: 3 })

/** A step's distinct entities: the first of each `(type, key)` wins. */
const distinct = (entities: ReadonlyArray<SourceEntity>): ReadonlyArray<SourceEntity> => {
  const seen = new Map<string, SourceEntity>()
  for (const item of entities) if (!seen.has(`${item.type}/${item.key}`)) seen.set(`${item.type}/${item.key}`, item)
  return [...seen.values()]
}

export interface ConnectorOptions {
  readonly name?: string
  /** Steps (by index) that fail after emitting. */
  readonly failing?: ReadonlyArray<boolean>
  /** Emit in reverse order. */
  readonly reversed?: boolean
  /** A bug: content that depends on emission order (breaks order independence). */
  readonly orderDependent?: boolean
  /** A bug: content that changes on every run (breaks idempotency). */
  readonly volatile?: boolean
}

let runCounter = 0

/** A connector that emits `source`. */
export const connectorOf = (source: Source, options: ConnectorOptions = {}): Connector<unknown, never> => {
  const run = ++runCounter
  return Connectors.make({
    name: options.name ?? "generated",
    steps: source.map((spec, index) => {
      const id = `s${index}`
      const builder =
        index > 0 && spec.chained ? step(id, `step ${index}`).dependsOn(`s${index - 1}`) : step(id, `step ${index}`)
      return builder.run((ctx) =>
        Effect.gen(function* () {
          const entities = distinct(spec.entities)
          const ordered = options.reversed ? [...entities].reverse() : entities
          let position = 0
          for (const item of ordered) {
            const value = options.orderDependent ? position++ : options.volatile ? run : item.value
            yield* ctx.emitEntity(
              entity(item.type, `${id}-${item.key}`)
                .class(item.type === "host" ? "Host" : "User")
                .displayName(item.name)
                .property("value", value)
            )
          }
          const relationships = options.reversed ? [...spec.relationships].reverse() : spec.relationships
          for (const rel of entities.length === 0 ? [] : relationships) {
            const from = entities[rel.from % entities.length] as SourceEntity
            const to = entities[rel.to % entities.length] as SourceEntity
            yield* ctx.emitRelationship(
              relationship(from.type, `${id}-${from.key}`, rel.verb, to.type, `${id}-${to.key}`)
            )
          }
          if (options.failing?.[index])
            yield* Effect.fail(new ConnectorFailed({ reason: `step ${id} failed on purpose` }))
        })
      )
    })
  })
}

/** A fresh SQLite store in a temporary directory, deleted when the scope closes. */
export const tempStore = (options: Omit<SqliteStore.SqliteStoreOptions, "path"> = {}) =>
  Layer.unwrapScoped(
    Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "parallax-test-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    ).pipe(Effect.map((dir) => SqliteStore.layerWith({ ...options, path: join(dir, "test.db") })))
  )

/** Rows of a dump, without the wall-clock field. */
export const rowsOf = (dump: StoreDump): ReadonlyArray<Omit<DumpRow, "firstSeenAt">> =>
  dump.rows.map(({ firstSeenAt: _, ...row }) => row)

/** Rows of a dump of one scope, without wall-clock field and generation (for convergence). */
export const contentOf = (dump: StoreDump, connector: string, account: string) =>
  dump.rows
    .filter((row) => row.connector === connector && row.account === account)
    .map(({ firstSeenAt: _, generation: __, ...row }) => row)

export type { Store }
