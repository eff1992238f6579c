import type { Database, Statement } from "bun:sqlite"
import { grown, IdIndex, key, keyFromBytes, keyFromHex } from "../../sync/staging/IdIndex.ts"
import { type StepDigest, StepDigests } from "../../sync/staging/StepDigests.ts"

/** Ids and hashes are 16-byte BLOBs in SQLite: staged as hex and turned into bytes by `unhex`. */
export const BLOB_COLUMNS: ReadonlySet<string> = new Set(["id", "hash", "from_id", "to_id"])

/** The columns of a staged table, with BLOBs read back as lowercase hex. */
export const readColumns = (columns: ReadonlyArray<string>): string =>
  columns.map((column) => (BLOB_COLUMNS.has(column) ? `lower(hex(${column})) AS ${column}` : column)).join(", ")

/** One kind of staged rows (entities or relationships) as the commit sees them. */
export interface StagedRows {
  /** The staging table (`stage_e`, `stage_r`), keyed by `row`. */
  readonly table: string
  /** How many rows are staged (owned by some step). */
  readonly rows: number
  /** Checksums of each step's rows. */
  readonly digests: ReadonlyMap<string, StepDigest>
  /** Sequence numbers run from 0 to `size - 1`; those no step holds any more are skipped by `staged`. */
  readonly size: number
  /** The sequence number of a 16-byte id, or -1 when no step holds it. */
  readonly lookup: (id: Uint8Array) => number
  readonly staged: (seq: number) => boolean
  /** The owning step of a staged sequence number. */
  readonly step: (seq: number) => string
  /** The staging table's row of a staged sequence number. */
  readonly row: (seq: number) => number
  /** Whether the staged content hash of `seq` equals the 16-byte `hash`. */
  readonly sameHash: (seq: number, hash: Uint8Array) => boolean
}

const hashKey = new Uint32Array(4)

/** Rows written by one multi-row INSERT: about a third less time per row than one INSERT each. */
const BATCH_ROWS = 32

/**
 * One kind of staged object: an exact in-memory index of the ids staged in this sync with, for each, its
 * owning step, content hash and row in the staging table, and per-step checksums of what each step owns.
 * Duplicates, `hasEntity` and the commit's diff are answered from memory; rows themselves are in SQLite.
 */
export class StagedKind implements StagedRows {
  readonly index = new IdIndex()
  /** The owning step of each sequence number, as its ordinal + 1; 0 when no step holds it any more. */
  private owners = new Uint16Array(1024)
  /** The staging-table row of each sequence number (rows are numbered in emission order, never reused). */
  private rows_ = new Uint32Array(1024)
  /** The content hash of each sequence number, four 32-bit words each. */
  private hashes = new Uint32Array(4096)
  /** Other steps that emitted an identical copy, by sequence number (rare). */
  readonly also = new Map<number, Array<string>>()
  readonly checksums = new StepDigests()
  /** How many sequence numbers some step holds. */
  rows = 0
  private nextRow = 1
  /** Rows not yet written, `columns.length` values each, and how many values are in use. */
  private readonly pending: Array<string | number | null>
  private filled = 0
  private readonly insertOne: Statement
  private readonly insertMany: Statement
  readonly readRow: Statement
  private readonly setStep: Statement
  private readonly deleteStep: Statement

  constructor(
    db: Database,
    readonly table: "stage_e" | "stage_r",
    readonly columns: ReadonlyArray<string>,
    private readonly stepNames: ReadonlyArray<string>
  ) {
    const values = `(${columns.map((column) => (BLOB_COLUMNS.has(column) ? "unhex(?)" : "?")).join(", ")})`
    const into = `INSERT INTO ${table} (${columns.join(", ")}) VALUES `
    this.insertOne = db.prepare(into + values)
    this.insertMany = db.prepare(into + Array.from({ length: BATCH_ROWS }, () => values).join(", "))
    this.pending = new Array(columns.length * BATCH_ROWS)
    this.readRow = db.prepare(`SELECT ${readColumns(columns)} FROM ${table} WHERE row = ?`)
    this.setStep = db.prepare(`UPDATE ${table} SET step = ? WHERE row = ?`)
    this.deleteStep = db.prepare(`DELETE FROM ${table} WHERE step = ?`)
  }

  get size(): number {
    return this.index.size
  }

  get digests(): ReadonlyMap<string, StepDigest> {
    return this.checksums.get()
  }

  /**
   * Claims `id` for step `ordinal` (`name`): the new row's number when the id was not staged (the caller
   * writes the row), or the sequence number of the copy already staged, as `-1 - seq`.
   */
  claim(id: string, hash: string, ordinal: number, name: string): number {
    const claimed = this.index.claim(id)
    const seq = claimed < 0 ? ~claimed : claimed
    if (claimed >= 0 && this.owners[seq] !== 0) return -1 - seq
    if (seq >= this.owners.length) {
      this.owners = grown(this.owners)
      this.rows_ = grown(this.rows_)
      this.hashes = grown(this.hashes)
    }
    keyFromHex(hash, this.hashes, 4 * seq)
    this.owners[seq] = ordinal
    this.checksums.add(name, this.index.idWords, this.hashes, seq, 1)
    this.rows++
    const row = this.nextRow++
    this.rows_[seq] = row
    return row
  }

  /** Queues one row (`columns.length` values, `row` first); full batches are written at once. */
  write(...values: Array<string | number | null>): void {
    const pending = this.pending
    for (const value of values) pending[this.filled++] = value
    if (this.filled === pending.length) {
      this.insertMany.run(pending as Array<string>)
      this.filled = 0
    }
  }

  /** Writes the queued rows: before anything reads or changes the staging table. */
  settle(): void {
    const width = this.columns.length
    for (let at = 0; at < this.filled; at += width) {
      this.insertOne.run(this.pending.slice(at, at + width) as Array<string>)
    }
    this.filled = 0
  }

  /** Whether `hash` (hex) is the content hash staged for `seq`. */
  hasHash(seq: number, hash: string): boolean {
    keyFromHex(hash, hashKey)
    return this.hashIs(seq, hashKey)
  }

  /** Whether the content hash staged for `seq` is the four words in `words`. */
  private hashIs(seq: number, words: Uint32Array): boolean {
    const base = 4 * seq
    const hashes = this.hashes
    return (
      hashes[base] === words[0] &&
      hashes[base + 1] === words[1] &&
      hashes[base + 2] === words[2] &&
      hashes[base + 3] === words[3]
    )
  }

  owner(seq: number): number {
    return this.owners[seq] as number
  }

  /** Makes step `ordinal` (`name`) the owner of staged `seq`, taking it from its current owner. */
  moveTo(seq: number, ordinal: number, name: string): void {
    const from = this.step(seq)
    this.checksums.add(from, this.index.idWords, this.hashes, seq, -1)
    this.checksums.add(name, this.index.idWords, this.hashes, seq, 1)
    this.owners[seq] = ordinal
    this.settle()
    this.setStep.run(name, this.rows_[seq] as number)
  }

  /** Forgets every row step `ordinal` (`name`) owns; returns how many there were. */
  dropStep(ordinal: number, name: string): number {
    let dropped = 0
    const owners = this.owners
    for (let seq = 0; seq < this.index.size; seq++) {
      if (owners[seq] === ordinal) {
        owners[seq] = 0
        dropped++
      }
    }
    this.rows -= dropped
    this.checksums.clear(name)
    if (dropped > 0) {
      this.settle()
      this.deleteStep.run(name)
    }
    return dropped
  }

  lookup(id: Uint8Array): number {
    keyFromBytes(id)
    const seq = this.index.findKey()
    return seq >= 0 && this.owners[seq] !== 0 ? seq : -1
  }

  /** The sequence number of `id` (hex) if some step holds it, else -1. */
  find(id: string): number {
    const seq = this.index.find(id)
    return seq >= 0 && this.owners[seq] !== 0 ? seq : -1
  }

  staged(seq: number): boolean {
    return this.owners[seq] !== 0
  }

  step(seq: number): string {
    return this.stepNames[(this.owners[seq] as number) - 1] as string
  }

  row(seq: number): number {
    return this.rows_[seq] as number
  }

  sameHash(seq: number, hash: Uint8Array): boolean {
    keyFromBytes(hash)
    return this.hashIs(seq, key)
  }

  statements(): ReadonlyArray<Statement> {
    return [this.insertOne, this.insertMany, this.readRow, this.setStep, this.deleteStep]
  }
}
