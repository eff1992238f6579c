import type { EntityRecord, RelationshipRecord } from "../model/Records.ts"

/** What staging an object did: added, or an identical copy was already staged, or it clashes. */
export type StageResult =
  | { readonly _tag: "Added" }
  | { readonly _tag: "Identical" }
  | { readonly _tag: "Conflict"; readonly firstStep: string }

export const Added: StageResult = { _tag: "Added" }
export const Identical: StageResult = { _tag: "Identical" }

/**
 * Where emitted objects go during collection. Synchronous on purpose: emit is the hot path. The
 * in-memory adapter serves `runConnector`; the store's adapters stage on disk so memory stays bounded.
 *
 * An object emitted identically by two steps is staged once and owned by the step whose id sorts
 * first, so ownership never depends on interleaving.
 */
export interface Staging {
  /** Stages `record` for `step`; `json` is its canonical properties JSON when the caller has it. */
  readonly putEntity: (step: string, record: EntityRecord, json?: string) => StageResult
  readonly putRelationship: (step: string, record: RelationshipRecord, json?: string) => StageResult
  /** Forgets everything `step` staged (before a retry, or when it failed). */
  readonly discardStep: (step: string) => void
  readonly entitiesOf: (steps: ReadonlySet<string>, type: string) => Iterable<EntityRecord>
  readonly entityById: (steps: ReadonlySet<string>, id: string) => EntityRecord | undefined
  /** Whether `entityById` would find the entity, without reading its row. */
  readonly hasEntity: (steps: ReadonlySet<string>, id: string) => boolean
  readonly relationshipsOf: (steps: ReadonlySet<string>, verb: string | undefined) => Iterable<RelationshipRecord>
}

interface Slot<A> {
  record: A
  steps: Array<string>
}

const owner = (slot: Slot<unknown>): string => slot.steps.reduce((min, step) => (step < min ? step : min))

/** An in-memory staging area, in emission order. */
export class MemoryStaging implements Staging {
  readonly entities = new Map<string, Slot<EntityRecord>>()
  readonly relationships = new Map<string, Slot<RelationshipRecord>>()

  private put<A extends { readonly hash: string }>(map: Map<string, Slot<A>>, id: string, step: string, record: A) {
    const slot = map.get(id)
    if (slot === undefined) {
      map.set(id, { record, steps: [step] })
      return Added
    }
    if (slot.record.hash !== record.hash) return { _tag: "Conflict", firstStep: owner(slot) } as const
    if (!slot.steps.includes(step)) slot.steps.push(step)
    return Identical
  }

  putEntity(step: string, record: EntityRecord): StageResult {
    return this.put(this.entities, record.id, step, record)
  }

  putRelationship(step: string, record: RelationshipRecord): StageResult {
    return this.put(this.relationships, record.id, step, record)
  }

  discardStep(step: string): void {
    for (const map of [this.entities, this.relationships] as const) {
      for (const [id, slot] of map as Map<string, Slot<unknown>>) {
        slot.steps = slot.steps.filter((owner) => owner !== step)
        if (slot.steps.length === 0) map.delete(id)
      }
    }
  }

  *entitiesOf(steps: ReadonlySet<string>, type: string): Iterable<EntityRecord> {
    for (const slot of this.entities.values()) {
      if (slot.record.type === type && slot.steps.some((step) => steps.has(step))) yield slot.record
    }
  }

  entityById(steps: ReadonlySet<string>, id: string): EntityRecord | undefined {
    const slot = this.entities.get(id)
    return slot?.steps.some((step) => steps.has(step)) ? slot.record : undefined
  }

  hasEntity(steps: ReadonlySet<string>, id: string): boolean {
    return this.entities.get(id)?.steps.some((step) => steps.has(step)) ?? false
  }

  *relationshipsOf(steps: ReadonlySet<string>, verb: string | undefined): Iterable<RelationshipRecord> {
    for (const slot of this.relationships.values()) {
      if ((verb === undefined || slot.record.verb === verb) && slot.steps.some((step) => steps.has(step))) {
        yield slot.record
      }
    }
  }

  /** The staged objects with the step that owns each, in emission order. */
  owned<A>(map: Map<string, Slot<A>>): ReadonlyArray<{ readonly record: A; readonly step: string }> {
    return [...map.values()].map((slot) => ({ record: slot.record, step: owner(slot) }))
  }
}
