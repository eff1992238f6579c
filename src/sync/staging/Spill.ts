import type { EntityRecord, RelationshipRecord } from "../../model/Records.ts"

/** Entities (0) or relationships (1): the two kinds of staged and committed rows. */
export type Kind = 0 | 1

export const ENTITY: Kind = 0
export const RELATIONSHIP: Kind = 1
export const KINDS: readonly [Kind, Kind] = [ENTITY, RELATIONSHIP]

/**
 * Row numbers in ascending order (a copy): what a write reads in that order reads a spill's file
 * front to back, where the plan's order (by id) would jump about it.
 */
export const ascending = (rows: Uint32Array): Uint32Array => Uint32Array.from(rows).sort()

/** A staged row read back: its number (emission order), its owning step and the record. */
export interface SpilledEntity {
  readonly row: number
  readonly step: string
  readonly record: EntityRecord
  /** The canonical properties JSON, as staged (and as stored). */
  readonly json: string
}

export interface SpilledRelationship {
  readonly row: number
  readonly step: string
  readonly record: RelationshipRecord
  readonly json: string
}

/** A staged relationship's endpoints, as 16-byte ids, its step, and whether it points into another account. */
export interface SpilledEdge {
  readonly row: number
  readonly step: string
  readonly fromId: Uint8Array
  readonly toId: Uint8Array
  readonly toAccount: boolean
}

/**
 * Where a sync's staged rows live while it runs: the core's in-memory index (`StagedIndex`) holds ids,
 * hashes and owners; the rows themselves go here, numbered in emission order (never reused). Writes are
 * synchronous (emit is the hot path) and throw on failure (a full disk): the staging turns that into
 * `StagingFailed`, which fails the whole sync.
 *
 * `SqliteSpill` keeps them in an SQLite file of its own in the temporary directory (bounded memory
 * whatever the sync's size), which a driver that speaks SQLite can attach and read set-wise;
 * `MemorySpill` keeps them in arrays (`runConnector`, the memory driver).
 */
export interface Spill {
  /** The SQLite file with tables `stage_e` and `stage_r` (see `SqliteSpill`), once sealed; none in memory. */
  readonly file: string | undefined
  appendEntity(row: number, step: string, record: EntityRecord, json: string): void
  appendRelationship(row: number, step: string, record: RelationshipRecord, json: string): void
  /** Gives row `row` of `kind` to `step` (its owner changed). */
  setStep(kind: Kind, row: number, step: string): void
  /** Forgets every row of `kind` owned by `step`. */
  dropStep(kind: Kind, step: string): void
  /** Entities (of `type`, or all), in emission order. */
  entitiesOfType(type: string | undefined): Iterable<SpilledEntity>
  entityAt(row: number): SpilledEntity | undefined
  /** Relationships (of `verb`, or all), in emission order. */
  relationships(verb: string | undefined): Iterable<SpilledRelationship>
  /** The endpoints of every staged relationship, or of those at `rows`. */
  edges(rows?: ReadonlyArray<number>): Iterable<SpilledEdge>
  /** Rows of `kind` at these row numbers, in the order given (missing rows are skipped). */
  entities(rows: Iterable<number>): Iterable<SpilledEntity>
  relationshipsAt(rows: Iterable<number>): Iterable<SpilledRelationship>
  /** Ends staging: what is buffered is written and committed; nothing more may be appended. */
  seal(): void
  /** Frees everything (deletes the file). */
  close(): void
}
