import { toBytes } from "../../model/Ids.ts"
import type { EntityRecord, RelationshipRecord } from "../../model/Records.ts"
import type { Kind, Spill, SpilledEdge, SpilledEntity, SpilledRelationship } from "./Spill.ts"

interface Slot<A> {
  step: string
  readonly record: A
  readonly json: string
}

/** Staged rows in memory, by row number: for `runConnector` and the memory driver. */
export class MemorySpill implements Spill {
  readonly file = undefined
  private readonly rows: readonly [Map<number, Slot<EntityRecord>>, Map<number, Slot<RelationshipRecord>>] = [
    new Map(),
    new Map()
  ]

  appendEntity(row: number, step: string, record: EntityRecord, json: string): void {
    this.rows[0].set(row, { step, record, json })
  }

  appendRelationship(row: number, step: string, record: RelationshipRecord, json: string): void {
    this.rows[1].set(row, { step, record, json })
  }

  setStep(kind: Kind, row: number, step: string): void {
    const slot = (this.rows[kind] as Map<number, Slot<unknown>>).get(row)
    if (slot !== undefined) slot.step = step
  }

  dropStep(kind: Kind, step: string): void {
    const rows = this.rows[kind] as Map<number, Slot<unknown>>
    for (const [row, slot] of rows) if (slot.step === step) rows.delete(row)
  }

  *entitiesOfType(type: string | undefined): Iterable<SpilledEntity> {
    for (const [row, slot] of this.rows[0]) if (type === undefined || slot.record.type === type) yield { row, ...slot }
  }

  entityAt(row: number): SpilledEntity | undefined {
    const slot = this.rows[0].get(row)
    return slot === undefined ? undefined : { row, ...slot }
  }

  *relationships(verb: string | undefined): Iterable<SpilledRelationship> {
    for (const [row, slot] of this.rows[1]) {
      if (verb === undefined || slot.record.verb === verb) yield { row, ...slot }
    }
  }

  *edges(rows?: ReadonlyArray<number>): Iterable<SpilledEdge> {
    for (const row of rows ?? this.rows[1].keys()) {
      const slot = this.rows[1].get(row)
      if (slot !== undefined) {
        const { record, step } = slot
        yield {
          row,
          step,
          fromId: toBytes(record.fromId),
          toId: toBytes(record.toId),
          toAccount: record.toAccount !== undefined
        }
      }
    }
  }

  *entities(rows: Iterable<number>): Iterable<SpilledEntity> {
    for (const row of rows) {
      const slot = this.rows[0].get(row)
      if (slot !== undefined) yield { row, ...slot }
    }
  }

  *relationshipsAt(rows: Iterable<number>): Iterable<SpilledRelationship> {
    for (const row of rows) {
      const slot = this.rows[1].get(row)
      if (slot !== undefined) yield { row, ...slot }
    }
  }

  seal(): void {}

  close(): void {
    this.rows[0].clear()
    this.rows[1].clear()
  }
}
