import type { EntityRecord, RelationshipRecord } from "../../../src/model/Records.ts"
import { Added, Identical, type StageResult, type Staging } from "../../../src/scheduler/Staging.ts"

interface Slot<A> {
  record: A
  steps: Array<string>
}

const owner = (slot: Slot<unknown>): string => slot.steps.reduce((min, step) => (step < min ? step : min))

/**
 * A model of staging's ownership rules for tests: every copy of an object with the steps that emitted it;
 * the owner is the step whose id sorts first. Slow and simple on purpose: the oracle of `CoreStaging`.
 */
export class ModelStaging implements Staging {
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

  /** The staged entities with the step that owns each, in emission order. */
  owned(): ReadonlyArray<{ readonly record: EntityRecord; readonly step: string }> {
    return [...this.entities.values()].map((slot) => ({ record: slot.record, step: owner(slot) }))
  }
}
