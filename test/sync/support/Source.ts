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
import * as SqliteStore from "../../../src/store/sqlite/SqliteStore.ts"
import type { DumpRow, Store, StoreDump } from "../../../src/sync/Store.ts"

/** Generated source data for one connector: steps, each emitting entities and relationships. */
export interface SourceEntity {
  readonly type: string
  readonly key: string
  readonly name: string
  readonly value: number
  /**
   * Not namespaced by the step: any step may emit it, always with the same content (derived from type
   * and key), so ownership moves between steps as they start or stop emitting it.
   */
  readonly shared?: boolean
}

export interface SourceRelationship {
  readonly from: number
  readonly verb: string
  readonly to: number
}

/** How a step paces its emits: never yields, yields after each, or sleeps a millisecond after every other. */
export type Pace = "none" | "yield" | "sleep"

export interface SourceStep {
  readonly entities: ReadonlyArray<SourceEntity>
  readonly relationships: ReadonlyArray<SourceRelationship>
  /** Depends on the previous step (so it is skipped when that one fails). */
  readonly chained: boolean
  readonly pace?: Pace
  /** Emits its first entity a second time at the end (an identical re-emit within the step). */
  readonly repeat?: boolean
}

export type Source = ReadonlyArray<SourceStep>

const ownEntityArb = fc.record({
  type: fc.constantFrom("host", "user"),
  key: fc.constantFrom("a", "b", "c", "d", "e", "f", "g"),
  name: fc.constantFrom("x", "y"),
  value: fc.integer({ min: 0, max: 2 })
})

/** Few shared keys, so that steps often emit the same ones. */
const sharedEntityArb = fc.record({
  type: fc.constantFrom("host", "user"),
  key: fc.constantFrom("a", "b"),
  name: fc.constant("x"),
  value: fc.constant(0),
  shared: fc.constant(true)
})

const entityArb: fc.Arbitrary<SourceEntity> = fc.oneof(
  { weight: 2, arbitrary: ownEntityArb },
  { weight: 1, arbitrary: sharedEntityArb }
)

const stepArb = fc.record({
  entities: fc.array(entityArb, { maxLength: 7 }),
  relationships: fc.array(fc.record({ from: fc.nat(20), verb: fc.constantFrom("HAS", "USES"), to: fc.nat(20) }), {
    maxLength: 4
  }),
  chained: fc.boolean(),
  pace: fc.constantFrom<Pace>("none", "yield", "sleep"),
  repeat: fc.boolean()
})

/**
 * Source data with 1 to 3 steps. Most keys are namespaced per step; shared ones are not, so several steps
 * may emit the same object (identically) and its owner changes with who emits it.
 */
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
      // The same objects, emitted by other steps: ownership moves.
      fc.constant(s1.map((step, index) => ({ ...step, entities: (s1[(index + 1) % s1.length] ?? step).entities }))),
      sourceArb
    )
  )
)

/** How a step ends after emitting: it succeeds, fails with `ConnectorFailed`, or runs past its timeout. */
export type Failure = "none" | "fail" | "timeout"

/** How each of (up to) 3 steps ends. */
export const failuresArb: fc.Arbitrary<ReadonlyArray<Failure>> = fc.array(
  fc.constantFrom<Failure>("none", "fail", "timeout"),
  { minLength: 3, maxLength: 3 }
)

export interface ConnectorOptions {
  readonly name?: string
  /** How steps (by index) end after emitting; default: they succeed. */
  readonly failing?: ReadonlyArray<Failure>
  /** Emit in reverse order. */
  readonly reversed?: boolean
  /** An extra step emitting a relationship between entities that exist nowhere: the sync is rejected. */
  readonly dangling?: boolean
  /** Discovery fails: the sync stops before any step runs. */
  readonly discoveryFails?: boolean
  /** A bug: content that depends on emission order (breaks order independence). */
  readonly orderDependent?: boolean
  /** A bug: content that changes on every run (breaks idempotency). */
  readonly volatile?: boolean
}

/** One entity a step emits, as `connectorOf` builds it. */
export interface PlannedEntity {
  readonly type: string
  readonly key: string
  readonly class: string
  readonly name: string
  readonly value: number
}

/** One relationship a step emits: endpoints by type and key. */
export interface PlannedRelationship {
  readonly from: PlannedEntity
  readonly verb: string
  readonly to: PlannedEntity
}

/** What step `index` of a source emits, in emission order, before any order-dependent bug is applied. */
export const planOf = (
  spec: SourceStep,
  index: number,
  reversed = false
): {
  readonly entities: ReadonlyArray<PlannedEntity>
  readonly relationships: ReadonlyArray<PlannedRelationship>
} => {
  const seen = new Map<string, PlannedEntity>()
  for (const item of spec.entities) {
    const key = item.shared ? `shared-${item.key}` : `s${index}-${item.key}`
    if (seen.has(`${item.type}/${key}`)) continue
    seen.set(`${item.type}/${key}`, {
      type: item.type,
      key,
      class: item.type === "host" ? "Host" : "User",
      name: item.shared ? "shared" : item.name,
      value: item.shared ? item.key.charCodeAt(0) % 3 : item.value
    })
  }
  const entities = [...seen.values()]
  const relationships = entities.length === 0 ? [] : spec.relationships
  const planned = relationships.map((rel) => ({
    from: entities[rel.from % entities.length] as PlannedEntity,
    verb: rel.verb,
    to: entities[rel.to % entities.length] as PlannedEntity
  }))
  const ordered = reversed ? [...entities].reverse() : entities
  return {
    entities: spec.repeat && ordered.length > 0 ? [...ordered, ordered[0] as PlannedEntity] : ordered,
    relationships: reversed ? [...planned].reverse() : planned
  }
}

/** The entities and relationships the steps that succeeded staged, as `kind type/key` labels (dump rows give the same). */
export const stagedBy = (source: Source, succeeded: ReadonlySet<string>): ReadonlySet<string> => {
  const labels = new Set<string>()
  for (const [index, spec] of source.entries()) {
    if (!succeeded.has(`s${index}`)) continue
    const plan = planOf(spec, index)
    for (const item of plan.entities) labels.add(`entity ${item.type}/${item.key}`)
    for (const rel of plan.relationships) labels.add(relationshipLabel(rel.from, rel.verb, rel.to))
  }
  return labels
}

const relationshipLabel = (from: { type: string; key: string }, verb: string, to: { type: string; key: string }) =>
  `relationship ${from.type}/${from.key} -${verb}-> ${to.type}/${to.key}`

/** The label `stagedBy` uses, of a dump row. */
export const labelOf = (row: DumpRow): string => {
  const content = row.content as Record<string, string>
  return row.kind === "entity"
    ? `entity ${content.type}/${content.key}`
    : relationshipLabel({ type: content.from_type ?? "", key: content.from_key ?? "" }, content.verb ?? "", {
        type: content.to_type ?? "",
        key: content.to_key ?? ""
      })
}

let runCounter = 0

const paced = (pace: Pace | undefined, position: number): Effect.Effect<void> =>
  pace === "yield" ? Effect.yieldNow() : pace === "sleep" && position % 2 === 1 ? Effect.sleep("1 millis") : Effect.void

/** A connector that emits `source`. */
export const connectorOf = (source: Source, options: ConnectorOptions = {}): Connector<unknown, never> => {
  const run = ++runCounter
  const steps = source.map((spec, index) => {
    const id = `s${index}`
    const failure = options.failing?.[index] ?? "none"
    const named = step(id, `step ${index}`)
    const chained = index > 0 && spec.chained ? named.dependsOn(`s${index - 1}`) : named
    const builder = failure === "timeout" ? chained.timeout("25 millis") : chained
    return builder.run((ctx) =>
      Effect.gen(function* () {
        const plan = planOf(spec, index, options.reversed)
        let position = 0
        for (const item of plan.entities) {
          const value = options.orderDependent ? position : options.volatile ? run : item.value
          yield* ctx.emitEntity(
            entity(item.type, item.key).class(item.class).displayName(item.name).property("value", value)
          )
          yield* paced(spec.pace, position++)
        }
        for (const rel of plan.relationships) {
          yield* ctx.emitRelationship(relationship(rel.from.type, rel.from.key, rel.verb, rel.to.type, rel.to.key))
          yield* paced(spec.pace, position++)
        }
        if (failure === "fail") yield* Effect.fail(new ConnectorFailed({ reason: `step ${id} failed on purpose` }))
        if (failure === "timeout") yield* Effect.never
      })
    )
  })
  const dangling = step("dangling", "an edge between entities that exist nowhere").run((ctx) =>
    ctx.emitRelationship(relationship("host", "nowhere", "USES", "host", "nobody")).pipe(Effect.asVoid)
  )
  return Connectors.make({
    name: options.name ?? "generated",
    steps: options.dangling ? [...steps, dangling] : steps,
    ...(options.discoveryFails
      ? { discover: () => Effect.fail(new ConnectorFailed({ reason: "discovery failed on purpose" })) }
      : {})
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
