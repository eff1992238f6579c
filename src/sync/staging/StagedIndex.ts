import { IdIndex, key, keyFromBytes, keyFromHex, nextCapacity, resized } from "./IdIndex.ts"
import { HASH_WORDS, type StepDigest, StepDigests } from "./StepDigests.ts"

const hashKey = new Uint32Array(4)

/**
 * One kind of staged object (entities or relationships) as the commit sees it: an exact in-memory index
 * of the ids staged in this sync with, for each, its owning step, content hash and row in the spill, and
 * per-step checksums of what each step owns. 34 to 38 bytes per staged object; never the objects.
 *
 * A sequence number's spill row is its sequence number + 1 (both count the ids in the order they were first
 * staged) until a discarded step's id is staged again, under a new row: only then does the index keep a
 * row per sequence number (4 bytes each; 14 MB at n = 1M).
 *
 * Of a content hash, the index keeps the first 64 bits (`HASH_WORDS`): a staged hash is only ever compared
 * with another hash of the same id (a copy emitted again in this sync, the committed row, a step's checksum
 * against the one committed), so a change goes unseen only when the new content's hash agrees with the old
 * one's in all 64 bits: a 2^-64 chance per changed object. The spill and the store keep the full 128 bits.
 * At n = 1M that is 28 MB less of a sync's peak memory.
 *
 * Sequence numbers (dense, in the order ids were first staged) index the arrays; a sequence number whose
 * owner is 0 is no longer staged (its step was discarded) and may be claimed again.
 */
export class StagedIndex {
  readonly index = new IdIndex()
  /** The owning step of each sequence number, as its ordinal + 1; 0 when no step holds it. */
  private owners = new Uint16Array(1024)
  /**
   * The spill row of each sequence number (rows are numbered in emission order, never reused), once some
   * row is not its sequence number + 1; until then, none.
   */
  private rowsOf: Uint32Array | undefined
  /** The content hash of each sequence number, its first `HASH_WORDS` 32-bit words. */
  private hashes = new Uint32Array(HASH_WORDS * 1024)
  /** Other steps that emitted an identical copy, by sequence number (rare). */
  readonly also = new Map<number, Array<string>>()
  private readonly checksums = new StepDigests()
  /** How many sequence numbers some step holds. */
  rows = 0
  private nextRow = 1

  constructor(private readonly stepNames: ReadonlyArray<string>) {}

  /** Sequence numbers run from 0 to `size - 1`; those no step holds are skipped by `staged`. */
  get size(): number {
    return this.index.size
  }

  /** Checksums of each step's rows. */
  get digests(): ReadonlyMap<string, StepDigest> {
    return this.checksums.get()
  }

  /**
   * Claims `id` for step `ordinal` (`name`): the new row's number (> 0) when no step holds the id (the
   * caller writes the row), or the sequence number of the copy already staged, as `-1 - seq`.
   */
  claim(id: string, hash: string, ordinal: number, name: string): number {
    const claimed = this.index.claim(id)
    const seq = claimed < 0 ? ~claimed : claimed
    if (claimed >= 0 && this.owners[seq] !== 0) return -1 - seq
    if (seq >= this.owners.length) {
      const capacity = nextCapacity(this.owners.length)
      this.owners = resized(this.owners, capacity)
      if (this.rowsOf !== undefined) this.rowsOf = resized(this.rowsOf, capacity)
      this.hashes = resized(this.hashes, HASH_WORDS * capacity)
    }
    keyFromHex(hash, hashKey)
    this.hashes[HASH_WORDS * seq] = hashKey[0] as number
    this.hashes[HASH_WORDS * seq + 1] = hashKey[1] as number
    this.owners[seq] = ordinal
    this.checksums.add(name, this.index.idWords, this.hashes, seq, 1)
    this.rows++
    const row = this.nextRow++
    if (this.rowsOf !== undefined) this.rowsOf[seq] = row
    else if (row !== seq + 1) {
      // A discarded id staged again: from now on, rows are kept one per sequence number.
      const rows = new Uint32Array(this.owners.length)
      for (let at = 0; at < this.index.size; at++) rows[at] = at + 1
      rows[seq] = row
      this.rowsOf = rows
    }
    return row
  }

  /** Whether `hash` (hex) is the content hash staged for `seq` (in its first 64 bits). */
  hasHash(seq: number, hash: string): boolean {
    keyFromHex(hash, hashKey)
    return this.hashIs(seq, hashKey)
  }

  private hashIs(seq: number, words: Uint32Array): boolean {
    const base = HASH_WORDS * seq
    return this.hashes[base] === words[0] && this.hashes[base + 1] === words[1]
  }

  /** The owner's ordinal + 1 of `seq` (0: no step holds it). */
  owner(seq: number): number {
    return this.owners[seq] as number
  }

  /** Makes step `ordinal` (`name`) the owner of staged `seq`, taking it from its current owner. */
  moveTo(seq: number, ordinal: number, name: string): void {
    this.checksums.add(this.step(seq), this.index.idWords, this.hashes, seq, -1)
    this.checksums.add(name, this.index.idWords, this.hashes, seq, 1)
    this.owners[seq] = ordinal
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
    return dropped
  }

  /** Frees the id table while no id is looked up (see `IdIndex.rest`). */
  rest(): void {
    this.index.rest()
  }

  /** The sequence number of a 16-byte id if some step holds it, else -1. */
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

  /** The owning step of a staged sequence number. */
  step(seq: number): string {
    return this.stepName(this.owners[seq] as number)
  }

  /** How many steps are numbered: owners run from 1 to this. */
  get steps(): number {
    return this.stepNames.length
  }

  /** The step of owner `owner` (its ordinal + 1, as `owner` returns it). */
  stepName(owner: number): string {
    return this.stepNames[owner - 1] as string
  }

  /** The spill row of a staged sequence number. */
  row(seq: number): number {
    return this.rowsOf === undefined ? seq + 1 : (this.rowsOf[seq] as number)
  }

  /** Whether the staged content hash of `seq` equals the 16-byte `hash` (in its first 64 bits). */
  sameHash(seq: number, hash: Uint8Array): boolean {
    keyFromBytes(hash)
    return this.hashIs(seq, key)
  }

  /** The id of sequence number `seq`, as 16 bytes. */
  idBytes(seq: number): Uint8Array {
    const bytes = new Uint8Array(16)
    const words = this.index.idWords
    for (let lane = 0; lane < 4; lane++) {
      const word = words[4 * seq + lane] as number
      bytes[4 * lane] = word >>> 24
      bytes[4 * lane + 1] = (word >>> 16) & 255
      bytes[4 * lane + 2] = (word >>> 8) & 255
      bytes[4 * lane + 3] = word & 255
    }
    return bytes
  }
}
