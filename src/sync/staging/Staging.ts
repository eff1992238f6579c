import { StagingFailed } from "../../model/Errors.ts"
import type { EntityRecord, RelationshipRecord } from "../../model/Records.ts"
import { Added, Identical, type StageResult, type Staging } from "../../scheduler/Staging.ts"
import { collectorNudge, EMIT_NUDGE } from "../Collector.ts"
import { Ordinals } from "./Ordinals.ts"
import type { Kind, Spill, SpilledEdge } from "./Spill.ts"
import { StagedIndex } from "./StagedIndex.ts"

/** A staged relationship with an endpoint that is not staged: the commit looks it up in the store (C04). */
export interface OpenEdge extends SpilledEdge {
  readonly fromStaged: boolean
  readonly toStaged: boolean
}

/**
 * Staging, written once for every store (DESIGN §6): what the scheduler emits is validated already; here
 * it is given an owner, indexed and spilled. The rules:
 *
 * - an object emitted identically by several steps is staged once and owned by the step whose id sorts
 *   first, so that ownership never depends on interleaving; when that step is discarded (it failed, or
 *   is retried), the next one takes the row over; emitted with other content, it is a conflict;
 * - a discarded step's rows are forgotten;
 * - a step reads (`prior`) what the steps it may see staged, whichever of them owns it;
 * - per-step checksums follow every change of ownership, so the commit can tell an unchanged step;
 * - an edge whose endpoint is not staged when it is emitted is noted, so that the commit looks up only
 *   those in the store; after a discard took entities with it, every edge is looked at again.
 *
 * A failed write to the spill (a full disk) breaks staging for good: that `StagingFailed` is thrown from
 * every later put, and fails the whole sync rather than one step (what was lost may be any step's).
 */
export class CoreStaging implements Staging {
  /** The steps, numbered from 1 (0 is "no step" in the index's owners). */
  private readonly steps = new Ordinals(1, 0xfffe, "steps")
  readonly kinds: readonly [StagedIndex, StagedIndex]
  /** Rows of relationships with an endpoint that was not staged when they were emitted. */
  private readonly unresolved: Array<number> = []
  private entitiesDiscarded = false
  private broken: StagingFailed | undefined
  private sealed = false
  private readonly nudge = collectorNudge(EMIT_NUDGE)

  constructor(
    readonly spill: Spill,
    private readonly failure: (cause: unknown, rows: number) => StagingFailed = (cause, rows) =>
      new StagingFailed({ directory: "memory", rows, reason: String(cause), full: false })
  ) {
    this.kinds = [new StagedIndex(this.steps.names), new StagedIndex(this.steps.names)]
  }

  get entities(): StagedIndex {
    return this.kinds[0]
  }

  get relationships(): StagedIndex {
    return this.kinds[1]
  }

  /** The first failure of the spill, if staging broke. */
  get failed(): StagingFailed | undefined {
    return this.broken
  }

  private ordinal(step: string): number {
    return this.steps.of(step)
  }

  /** Runs a write to the spill; its failure breaks staging (see the class's notes). */
  private spilled(write: () => void): void {
    if (this.broken !== undefined) throw this.broken
    try {
      write()
    } catch (cause) {
      throw this.broke(cause)
    }
  }

  /** Breaks staging for good with the failure of a write to the spill. */
  private broke(cause: unknown): StagingFailed {
    this.broken = this.failure(cause, this.kinds[0].rows + this.kinds[1].rows)
    return this.broken
  }

  /**
   * Claims `id` for `step`: the row to write it at, or the result for an id already staged (identical:
   * kept once, owned by the step whose id sorts first; different: a conflict).
   */
  private claim(kind: Kind, step: string, id: string, hash: string): number | StageResult {
    if (this.broken !== undefined) throw this.broken
    if (this.sealed) throw new Error("staging is sealed: the sync is being committed")
    const index = this.kinds[kind]
    const ordinal = this.ordinal(step)
    let claimed: number
    try {
      claimed = index.claim(id, hash, ordinal, step)
    } catch (cause) {
      // The index is full (`MAX_IDS` objects of a kind, which no sync's memory would hold): the sync cannot
      // go on. Anything else (an id that is not hex) is the caller's bug, thrown as it is.
      throw cause instanceof RangeError ? this.broke(cause) : cause
    }
    if (claimed > 0) return claimed
    const seq = -1 - claimed
    const owner = index.step(seq)
    if (!index.hasHash(seq, hash)) return { _tag: "Conflict", firstStep: owner }
    if (owner === step) return Identical
    const also = index.also.get(seq) ?? []
    if (also.includes(step)) return Identical
    if (step < owner) {
      also.push(owner)
      index.moveTo(seq, ordinal, step)
      this.spilled(() => this.spill.setStep(kind, index.row(seq), step))
    } else {
      also.push(step)
    }
    index.also.set(seq, also)
    return Identical
  }

  putEntity(step: string, record: EntityRecord, json?: string): StageResult {
    this.nudge()
    const row = this.claim(0, step, record.id, record.hash)
    if (typeof row !== "number") return row
    // Not through `spilled`, which would cost a closure per row (`claim` checked that staging is whole).
    try {
      this.spill.appendEntity(row, step, record, json ?? JSON.stringify(record.properties))
    } catch (cause) {
      throw this.broke(cause)
    }
    return Added
  }

  putRelationship(step: string, record: RelationshipRecord, json?: string): StageResult {
    this.nudge()
    const row = this.claim(1, step, record.id, record.hash)
    if (typeof row !== "number") return row
    if (this.kinds[0].find(record.fromId) < 0 || this.kinds[0].find(record.toId) < 0) this.unresolved.push(row)
    try {
      this.spill.appendRelationship(row, step, record, json ?? JSON.stringify(record.properties))
    } catch (cause) {
      throw this.broke(cause)
    }
    return Added
  }

  discardStep(step: string): void {
    const ordinal = this.steps.get(step)
    for (const kind of [0, 1] as const) {
      const index = this.kinds[kind]
      for (const [seq, also] of index.also) {
        const at = also.indexOf(step)
        if (at >= 0) also.splice(at, 1)
        if (index.owner(seq) === ordinal && also.length > 0) {
          // The next step (in id order) that emitted an identical copy takes the row over.
          const next = also.reduce((min, other) => (other < min ? other : min))
          also.splice(also.indexOf(next), 1)
          index.moveTo(seq, this.ordinal(next), next)
          this.spilled(() => this.spill.setStep(kind, index.row(seq), next))
        }
        if (also.length === 0) index.also.delete(seq)
      }
      if (ordinal === undefined) continue
      if (index.dropStep(ordinal, step) > 0) {
        if (kind === 0) this.entitiesDiscarded = true
        this.spilled(() => this.spill.dropStep(kind, step))
      }
    }
  }

  /** Whether `steps` may see staged `seq` (one of them owns it or emitted it too). */
  private visible(index: StagedIndex, steps: ReadonlySet<string>, seq: number): boolean {
    if (seq < 0) return false
    if (steps.has(index.step(seq))) return true
    return index.also.get(seq)?.some((step) => steps.has(step)) ?? false
  }

  *entitiesOf(steps: ReadonlySet<string>, type: string): Iterable<EntityRecord> {
    for (const row of this.spill.entitiesOfType(type)) {
      this.nudge()
      if (steps.has(row.step) || this.visible(this.kinds[0], steps, this.kinds[0].find(row.record.id))) {
        yield row.record
      }
    }
  }

  entityById(steps: ReadonlySet<string>, id: string): EntityRecord | undefined {
    const seq = this.kinds[0].find(id)
    if (!this.visible(this.kinds[0], steps, seq)) return undefined
    return this.spill.entityAt(this.kinds[0].row(seq))?.record
  }

  hasEntity(steps: ReadonlySet<string>, id: string): boolean {
    return this.visible(this.kinds[0], steps, this.kinds[0].find(id))
  }

  *relationshipsOf(steps: ReadonlySet<string>, verb: string | undefined): Iterable<RelationshipRecord> {
    for (const row of this.spill.relationships(verb)) {
      this.nudge()
      if (steps.has(row.step) || this.visible(this.kinds[1], steps, this.kinds[1].find(row.record.id))) {
        yield row.record
      }
    }
  }

  /** The other steps that emitted an identical copy of the staged object `id` (its owner aside). */
  coEmitters(kind: Kind, id: string): ReadonlyArray<string> {
    const seq = this.kinds[kind].find(id)
    return seq < 0 ? [] : (this.kinds[kind].also.get(seq) ?? [])
  }

  /** Ends collection: the spill is sealed and no more puts are taken. */
  seal(): void {
    if (this.broken !== undefined) throw this.broken
    this.spilled(() => this.spill.seal())
    this.sealed = true
  }

  /**
   * The staged edges with an endpoint that is not staged now (after `seal`): noted at emit, or, when a
   * discarded step took staged entities with it, found by looking at every staged edge again.
   */
  openEdges(): ReadonlyArray<OpenEdge> {
    const open: Array<OpenEdge> = []
    const edges = this.spill.edges(this.entitiesDiscarded ? undefined : this.unresolved)
    for (const edge of edges) {
      const fromStaged = this.kinds[0].lookup(edge.fromId) >= 0
      const toStaged = this.kinds[0].lookup(edge.toId) >= 0
      if (!fromStaged || !toStaged) open.push({ ...edge, fromStaged, toStaged })
    }
    return open
  }

  /**
   * Frees what only looking ids up needs (the indexes' tables) while the commit writes, which reads the
   * spill's rows by number: the writes' peak memory is the sync's (a churn at n = 1M). A lookup after this
   * (a transaction run again) builds the tables again.
   */
  rest(): void {
    for (const index of this.kinds) index.rest()
  }

  close(): void {
    this.spill.close()
  }
}
