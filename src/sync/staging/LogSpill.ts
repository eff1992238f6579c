import { closeSync, openSync, readSync, writeSync } from "node:fs"
import { join } from "node:path"
import type { Properties } from "../../model/Ids.ts"
import { toBytes } from "../../model/Ids.ts"
import type { EntityRecord, RelationshipRecord } from "../../model/Records.ts"
import { Ordinals } from "./Ordinals.ts"
import type { Kind, Spill, SpilledEdge, SpilledEntity, SpilledRelationship } from "./Spill.ts"
import { makeSpillDir, type SpillDir } from "./SpillDir.ts"

/**
 * A frame: a header of 32-bit words in the machine's byte order (the file is read only by the process that
 * wrote it): its length in bytes (the header included, before padding), its row, the ordinal of its type
 * or verb with its form above it (`label | form << 16`), then the length (in UTF-16 code units; `NULL` for
 * a null) of each of the kind's columns; then the row as UTF-8 text: the columns one after the other, then
 * the properties JSON. Reading a row back decodes that text once and cuts it at the lengths. A column
 * that is not well-formed UTF-16 (a lone surrogate, which UTF-8 cannot carry) makes the row's form
 * `ESCAPED`: each column is written as its JSON string, which escapes them. Frames start at multiples of 8.
 */
const FIXED = 12
const ALIGN = 8
const NULL = 0xffffffff
const PLAIN = 0
const ESCAPED = 1
const WRITE_BUFFER = 1 << 20
const READ_WINDOW = 1 << 16
const SCAN_WINDOW = 1 << 20

/**
 * Writes `text` as UTF-8 into `buffer` at `at` (which has room for it), returning the bytes written:
 * Bun's `utf8Write` (Node's too), without `write`'s argument handling, which cost a third more per
 * column (by hand, 700,000 rows of six columns). `write` where it is missing.
 */
export const utf8Write: (buffer: Buffer, text: string, at: number) => number =
  typeof (Buffer.prototype as { utf8Write?: unknown }).utf8Write === "function"
    ? (buffer, text, at) => (buffer as Buffer & { utf8Write(text: string, at: number): number }).utf8Write(text, at)
    : (buffer, text, at) => buffer.write(text, at, "utf8")

/** The error of a write past the spill's byte limit: what a full disk says. */
const full = (limit: number): Error =>
  Object.assign(new Error(`no space left on device (the spill may take ${limit} bytes)`), { code: "ENOSPC" })

/** A row read back: its number, the ordinal of its type or verb, its columns (null for a null), its properties. */
interface Frame {
  readonly row: number
  readonly label: number
  readonly columns: ReadonlyArray<string | null>
  readonly json: string
}

/**
 * Bytes with a view of them as 32-bit words (the buffer starts an `ArrayBuffer` of its own): frames start
 * at multiples of 8, so their headers are read and written as words, without `Buffer`'s accessors.
 */
class Chunk {
  readonly bytes: Buffer
  readonly words: Uint32Array
  constructor(size: number) {
    const buffer = new ArrayBuffer((size + 3) & ~3)
    this.bytes = Buffer.from(buffer, 0, size)
    this.words = new Uint32Array(buffer)
  }
}

/** UTF-8 bytes `start` to `end` of `buffer` as text: `utf8Slice` where it exists, as `utf8Write` above. */
export const utf8Slice: (buffer: Buffer, start: number, end: number) => string =
  typeof (Buffer.prototype as { utf8Slice?: unknown }).utf8Slice === "function"
    ? (buffer, start, end) =>
        (buffer as Buffer & { utf8Slice(start: number, end: number): string }).utf8Slice(start, end)
    : (buffer, start, end) => buffer.toString("utf8", start, end)

/** The frame in `chunk` at `at` (a multiple of 8) of a kind with `fields` columns. */
const frameAt = (chunk: Chunk, at: number, fields: number): Frame => {
  const words = chunk.words
  const word = at >>> 2
  const end = at + (words[word] as number)
  const row = words[word + 1] as number
  const label = (words[word + 2] as number) & 0xffff
  const escaped = (words[word + 2] as number) >>> 16 === ESCAPED
  const text = utf8Slice(chunk.bytes, at + FIXED + 4 * fields, end)
  const columns: Array<string | null> = new Array(fields)
  let from = 0
  for (let field = 0; field < fields; field++) {
    const length = words[word + 3 + field] as number
    if (length === NULL) {
      columns[field] = null
      continue
    }
    const column = text.slice(from, from + length)
    from += length
    columns[field] = escaped ? (JSON.parse(column) as string) : column
  }
  return { row, label, columns, json: text.slice(from) }
}

/** Rows per block of the sparse index: a row is found from its block's first frame. */
const BLOCK_SHIFT = 5
/** Rows per page of owners. */
const PAGE_SHIFT = 16

/**
 * The rows of one kind, appended to a file of their own in row order. Memory per row: its owner (2
 * bytes, in pages) and a 32nd of an offset (the sparse index), whatever the size of the sync.
 */
class KindLog {
  private readonly fd: number
  private readonly buffer = new Chunk(WRITE_BUFFER)
  /** Bytes in `buffer`, not yet in the file. */
  private filled = 0
  /** Bytes in the file: the offset of `buffer[0]`. */
  private flushed = 0
  /** By block of rows: the offset of the first frame appended in it. */
  private readonly blocks: Array<number> = []
  /** By row, in pages: the owning step's ordinal + 1, 0 for a row not here (never appended, or dropped). */
  private readonly owners: Array<Uint16Array> = []
  /** The highest row appended. */
  last = 0
  /** Types (entities) or verbs (relationships), numbered from 0 in the frames. */
  readonly labels = new Ordinals(0, 0xffff, "types or verbs")
  private window = new Chunk(READ_WINDOW)
  private windowStart = 0
  private windowLength = 0

  /** The header's size: the fixed part and a length per column. */
  private readonly header: number

  /** `fields`: how many columns a row of this kind has before its properties. */
  constructor(
    readonly path: string,
    readonly fields: number
  ) {
    this.header = FIXED + 4 * fields
    this.fd = openSync(path, "w+", 0o600)
  }

  get bytes(): number {
    return this.flushed + this.filled
  }

  /**
   * Appends row `row` (greater than every row appended before): its `columns` (`fields` of them) and its
   * properties `json`; false, with nothing written, when the file would grow beyond `room` bytes.
   */
  append(
    row: number,
    owner: number,
    label: string,
    columns: ReadonlyArray<string | null>,
    json: string,
    room = Number.POSITIVE_INFINITY
  ): boolean {
    if (row <= this.last) throw new Error(`rows are appended in order: ${row} after ${this.last}`)
    let form = PLAIN
    let units = json.length
    for (const column of columns) {
      if (column === null) continue
      units += column.length
      if (!column.isWellFormed()) form = ESCAPED
    }
    // At least a byte per code unit: a row that cannot fit is refused before anything is written.
    if (this.bytes + units > room) return false
    if (form === ESCAPED) {
      columns = columns.map((column) => (column === null ? null : JSON.stringify(column)))
      units = json.length
      for (const column of columns) units += column?.length ?? 0
    }
    const most = this.header + 3 * units + ALIGN
    if (this.filled + most > this.buffer.bytes.length) this.flush()
    const large = most > this.buffer.bytes.length
    const chunk = large ? new Chunk(most) : this.buffer
    const start = large ? 0 : this.filled
    // Each column is encoded where it goes (no concatenated copy); the properties JSON is well-formed
    // (JSON.stringify escapes lone surrogates).
    let at = start + this.header
    for (const column of columns) if (column !== null) at += utf8Write(chunk.bytes, column, at)
    at += utf8Write(chunk.bytes, json, at)
    const length = at - start
    const padded = (length + ALIGN - 1) & ~(ALIGN - 1)
    const offset = this.flushed + this.filled
    const words = chunk.words
    const word = start >>> 2
    words[word] = length
    words[word + 1] = row
    words[word + 2] = this.labels.of(label) | (form << 16)
    for (let field = 0; field < this.fields; field++) {
      const column = columns[field] ?? null
      words[word + 3 + field] = column === null ? NULL : column.length
    }
    if (large) {
      this.write(chunk.bytes, padded)
      this.flushed += padded
    } else {
      this.filled += padded
    }
    const block = row >>> BLOCK_SHIFT
    while (this.blocks.length <= block) this.blocks.push(offset)
    const page = row >>> PAGE_SHIFT
    while (this.owners.length <= page) this.owners.push(new Uint16Array(1 << PAGE_SHIFT))
    ;(this.owners[page] as Uint16Array)[row & ((1 << PAGE_SHIFT) - 1)] = owner
    this.last = row
    return true
  }

  private write(buffer: Buffer, length: number): void {
    for (let done = 0; done < length; ) done += writeSync(this.fd, buffer, done, length - done)
  }

  flush(): void {
    if (this.filled === 0) return
    this.write(this.buffer.bytes, this.filled)
    this.flushed += this.filled
    this.filled = 0
  }

  owner(row: number): number {
    const page = this.owners[row >>> PAGE_SHIFT]
    return page === undefined ? 0 : (page[row & ((1 << PAGE_SHIFT) - 1)] as number)
  }

  setOwner(row: number, owner: number): void {
    if (this.owner(row) !== 0) (this.owners[row >>> PAGE_SHIFT] as Uint16Array)[row & ((1 << PAGE_SHIFT) - 1)] = owner
  }

  drop(owner: number): void {
    for (const page of this.owners) for (let at = 0; at < page.length; at++) if (page[at] === owner) page[at] = 0
  }

  /** The frame of a live row, or undefined (never appended, or dropped): found from its block's first frame. */
  read(row: number): Frame | undefined {
    if (this.owner(row) === 0) return undefined
    const end = this.flushed + this.filled
    for (let offset = this.blocks[row >>> BLOCK_SHIFT] ?? end; offset < end; ) {
      const at = this.at(offset)
      const chunk = offset >= this.flushed ? this.buffer : this.window
      const found = chunk.words[(at >>> 2) + 1] as number
      if (found === row) return frameAt(chunk, at, this.fields)
      if (found > row) return undefined
      offset += ((chunk.words[at >>> 2] as number) + ALIGN - 1) & ~(ALIGN - 1)
    }
    return undefined
  }

  /**
   * Where the whole frame at `offset` is: in the write buffer when `offset` is past what was flushed, else
   * in the window, read from the file when it does not hold the frame already.
   */
  private at(offset: number): number {
    if (offset >= this.flushed) return offset - this.flushed
    const end = this.windowStart + this.windowLength
    if (
      offset < this.windowStart ||
      offset + FIXED > end ||
      offset + (this.window.words[(offset - this.windowStart) >>> 2] as number) > end
    ) {
      this.windowStart = offset
      this.windowLength = this.fill(this.window, offset)
      const length = this.window.words[0] as number
      if (length > this.windowLength) {
        this.window = new Chunk(Math.max(length, READ_WINDOW))
        this.windowLength = this.fill(this.window, offset)
      }
    }
    return offset - this.windowStart
  }

  /** Reads the file from `offset` into `chunk`; returns the bytes read. */
  private fill(chunk: Chunk, offset: number): number {
    return readSync(this.fd, chunk.bytes, 0, chunk.bytes.length, offset)
  }

  /**
   * The live rows up to the last one appended now, in row order, with `label` (or all): read in windows
   * of the file of their own, so that appends while a step iterates neither show up nor disturb it.
   */
  *scan(label: string | undefined): Iterable<Frame> {
    const wanted = label === undefined ? -1 : this.labels.get(label)
    if (wanted === undefined) return
    this.flush()
    const end = this.flushed
    let window = new Chunk(SCAN_WINDOW)
    let start = 0
    let length = 0
    for (let offset = 0; offset < end; ) {
      if (
        offset + FIXED > start + length ||
        offset + (window.words[(offset - start) >>> 2] as number) > start + length
      ) {
        start = offset
        length = this.fill(window, offset)
        const size = window.words[0] as number
        if (size > length) {
          window = new Chunk(size)
          length = this.fill(window, offset)
        }
      }
      const word = (offset - start) >>> 2
      const size = window.words[word] as number
      const row = window.words[word + 1] as number
      const found = (window.words[word + 2] as number) & 0xffff
      if ((wanted < 0 || found === wanted) && this.owner(row) !== 0) yield frameAt(window, offset - start, this.fields)
      offset += (size + ALIGN - 1) & ~(ALIGN - 1)
    }
  }

  close(): void {
    closeSync(this.fd)
  }
}

/** An entity's columns `[id, hash, key, class, displayName]`; its type is the frame's label. */
const ENTITY_FIELDS = 5
/**
 * A relationship's columns `[id, hash, fromId, fromType, fromKey, toId, toType, toKey, toAccount, key]` (the
 * last two may be null); its verb is the frame's label.
 */
const RELATIONSHIP_FIELDS = 10

/**
 * The staged rows appended to two files (one per kind) in a fresh directory under the temporary
 * directory (`SQLITE_TMPDIR`, else `TMPDIR`; see `makeSpillDir`), deleted when the spill is closed: writing a row costs
 * about what serialising it does, where `SqliteSpill` inserts it into a table. Memory: about 2 bytes per
 * row (see `KindLog`) and the buffers. For a store that reads staged rows through the `Spill`'s
 * methods (rows by number, in the order given); a driver that attaches `SqliteSpill`'s file reads these
 * rows into a table of its own (`file` is undefined).
 *
 * Owners are kept here by row, so that a change of owner or a dropped step touches no file.
 */
export class LogSpill implements Spill {
  readonly file = undefined
  private readonly home: SpillDir
  private readonly logs: readonly [KindLog, KindLog]
  /** The owning steps, numbered from 1 (0: a row not here). */
  private readonly steps = new Ordinals(1, 0xffff, "steps")
  private sealed = false

  /** `maxBytes`: both files together may grow to about this many bytes (beyond, writes fail as on a full disk). */
  constructor(private readonly maxBytes?: number) {
    this.home = makeSpillDir()
    try {
      this.logs = [
        new KindLog(join(this.home.path, "entities"), ENTITY_FIELDS),
        new KindLog(join(this.home.path, "relationships"), RELATIONSHIP_FIELDS)
      ]
    } catch (error) {
      this.home.remove()
      throw error
    }
  }

  /** Where the spill is: the directory named in messages about the room it needs. */
  get directory(): string {
    return this.home.path
  }

  /** How many bytes the spill holds now. */
  get bytes(): number {
    return this.logs[0].bytes + this.logs[1].bytes
  }

  private append(
    kind: Kind,
    row: number,
    step: string,
    label: string,
    columns: ReadonlyArray<string | null>,
    json: string
  ): void {
    if (this.sealed) throw new Error("staging is sealed: the sync is being committed")
    // The room the other file leaves: `append` fails before it writes a row that would not fit.
    const other = this.logs[kind === 0 ? 1 : 0]
    const room = this.maxBytes === undefined ? Number.POSITIVE_INFINITY : this.maxBytes - other.bytes
    if (!this.logs[kind].append(row, this.steps.of(step), label, columns, json, room)) throw full(this.maxBytes ?? 0)
  }

  appendEntity(row: number, step: string, record: EntityRecord, json: string): void {
    this.append(0, row, step, record.type, [record.id, record.hash, record.key, record.class, record.displayName], json)
  }

  appendRelationship(row: number, step: string, record: RelationshipRecord, json: string): void {
    const columns = [
      record.id,
      record.hash,
      record.fromId,
      record.fromType,
      record.fromKey,
      record.toId,
      record.toType,
      record.toKey,
      record.toAccount ?? null,
      record.key ?? null
    ]
    this.append(1, row, step, record.verb, columns, json)
  }

  setStep(kind: Kind, row: number, step: string): void {
    this.logs[kind].setOwner(row, this.steps.of(step))
  }

  dropStep(kind: Kind, step: string): void {
    const owner = this.steps.get(step)
    if (owner !== undefined) this.logs[kind].drop(owner)
  }

  private stepOf(kind: Kind, row: number): string {
    return this.steps.name(this.logs[kind].owner(row))
  }

  /*
   * A record read back parses its properties from `json` when they are first read, and keeps them: a
   * driver writing the row reads only its JSON, and a step reading rows back often looks at a few of
   * them. An object literal's getter is an own enumerable property: the record spreads and serialises as
   * one whose properties are data.
   */

  private entity({ row, label, columns, json }: Frame): SpilledEntity {
    let properties: Properties | undefined
    return {
      row,
      step: this.stepOf(0, row),
      json,
      record: {
        id: columns[0] as string,
        type: this.logs[0].labels.name(label),
        key: columns[2] as string,
        class: columns[3] as string,
        displayName: columns[4] as string,
        get properties(): Properties {
          properties ??= JSON.parse(json) as Properties
          return properties
        },
        hash: columns[1] as string
      }
    }
  }

  private relationship({ row, label, columns, json }: Frame): SpilledRelationship {
    const [id, hash, fromId, fromType, fromKey, toId, toType, toKey, toAccount, key] = columns
    let properties: Properties | undefined
    return {
      row,
      step: this.stepOf(1, row),
      json,
      record: {
        id: id as string,
        verb: this.logs[1].labels.name(label),
        fromId: fromId as string,
        fromType: fromType as string,
        fromKey: fromKey as string,
        toId: toId as string,
        toType: toType as string,
        toKey: toKey as string,
        ...(toAccount === null ? {} : { toAccount: toAccount as string }),
        ...(key === null ? {} : { key: key as string }),
        get properties(): Properties {
          properties ??= JSON.parse(json) as Properties
          return properties
        },
        hash: hash as string
      }
    }
  }

  *entitiesOfType(type: string | undefined): Iterable<SpilledEntity> {
    const log = this.logs[0]
    for (const frame of log.scan(type)) yield this.entity(frame)
  }

  entityAt(row: number): SpilledEntity | undefined {
    for (const entity of this.entities([row])) return entity
    return undefined
  }

  *entities(rows: Iterable<number>): Iterable<SpilledEntity> {
    const log = this.logs[0]
    for (const row of rows) {
      const frame = log.read(row)
      if (frame !== undefined) yield this.entity(frame)
    }
  }

  *relationships(verb: string | undefined): Iterable<SpilledRelationship> {
    const log = this.logs[1]
    for (const frame of log.scan(verb)) yield this.relationship(frame)
  }

  *relationshipsAt(rows: Iterable<number>): Iterable<SpilledRelationship> {
    const log = this.logs[1]
    for (const row of rows) {
      const frame = log.read(row)
      if (frame !== undefined) yield this.relationship(frame)
    }
  }

  *edges(rows?: ReadonlyArray<number>): Iterable<SpilledEdge> {
    const log = this.logs[1]
    const frames: Iterable<Frame> =
      rows === undefined
        ? log.scan(undefined)
        : (function* () {
            for (const row of rows) {
              const frame = log.read(row)
              if (frame !== undefined) yield frame
            }
          })()
    for (const { row, columns } of frames) {
      yield {
        row,
        step: this.stepOf(1, row),
        fromId: toBytes(columns[2] as string),
        toId: toBytes(columns[5] as string),
        toAccount: columns[8] !== null
      }
    }
  }

  seal(): void {
    for (const log of this.logs) log.flush()
    this.sealed = true
  }

  close(): void {
    try {
      for (const log of this.logs ?? []) log.close()
    } finally {
      this.home.remove()
    }
  }
}
