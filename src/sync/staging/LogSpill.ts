import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Properties } from "../../model/Ids.ts"
import { toBytes } from "../../model/Ids.ts"
import type { EntityRecord, RelationshipRecord } from "../../model/Records.ts"
import { Ordinals } from "./Ordinals.ts"
import type { Kind, Spill, SpilledEdge, SpilledEntity, SpilledRelationship } from "./Spill.ts"

/**
 * A frame: its length in bytes (u32, the header included, before padding), its row (u32), the ordinal of
 * its type or verb (u16), its form (u16), then the length (u32, in UTF-16 code units; `NULL` for a null) of
 * each of the kind's columns; then the row as UTF-8 text: the columns one after the other, then the
 * properties JSON. Reading a row back decodes that text once and cuts it at the lengths. A column that is
 * not well-formed UTF-16 (a lone surrogate, which UTF-8 cannot carry) makes the row's form `ESCAPED`:
 * each column is written as its JSON string, which escapes them. Frames start at multiples of 8.
 */
const FIXED = 12
const ALIGN = 8
const NULL = 0xffffffff
const PLAIN = 0
const ESCAPED = 1
const WRITE_BUFFER = 1 << 20
const READ_WINDOW = 1 << 16
const SCAN_WINDOW = 1 << 20

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

/** The frame in `buffer` at `at` (row `row`, label `label`) of a kind with `fields` columns. */
const frameAt = (buffer: Buffer, at: number, row: number, label: number, fields: number): Frame => {
  const end = at + buffer.readUInt32LE(at)
  const escaped = buffer.readUInt16LE(at + 10) === ESCAPED
  const text = buffer.toString("utf8", at + FIXED + 4 * fields, end)
  const columns: Array<string | null> = new Array(fields)
  let from = 0
  for (let field = 0; field < fields; field++) {
    const length = buffer.readUInt32LE(at + FIXED + 4 * field)
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
  private readonly buffer = Buffer.allocUnsafe(WRITE_BUFFER)
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
  private window = Buffer.allocUnsafe(READ_WINDOW)
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
   * properties `json`.
   */
  append(row: number, owner: number, label: string, columns: ReadonlyArray<string | null>, json: string): void {
    if (row <= this.last) throw new Error(`rows are appended in order: ${row} after ${this.last}`)
    let text = ""
    for (const column of columns) if (column !== null) text += column
    let form = PLAIN
    if (!text.isWellFormed()) {
      form = ESCAPED
      columns = columns.map((column) => (column === null ? null : JSON.stringify(column)))
      text = columns.join("")
    }
    text += json
    const most = this.header + 3 * text.length + ALIGN
    if (this.filled + most > this.buffer.length) this.flush()
    const buffer = most > this.buffer.length ? Buffer.allocUnsafe(most) : this.buffer
    const start = buffer === this.buffer ? this.filled : 0
    const length = this.header + buffer.write(text, start + this.header, "utf8")
    const padded = (length + ALIGN - 1) & ~(ALIGN - 1)
    const offset = this.flushed + this.filled
    buffer.writeUInt32LE(length, start)
    buffer.writeUInt32LE(row, start + 4)
    buffer.writeUInt16LE(this.labels.of(label), start + 8)
    buffer.writeUInt16LE(form, start + 10)
    for (let field = 0; field < this.fields; field++) {
      const column = columns[field] ?? null
      buffer.writeUInt32LE(column === null ? NULL : column.length, start + FIXED + 4 * field)
    }
    if (buffer === this.buffer) {
      this.filled += padded
    } else {
      this.write(buffer, padded)
      this.flushed += padded
    }
    const block = row >>> BLOCK_SHIFT
    while (this.blocks.length <= block) this.blocks.push(offset)
    const page = row >>> PAGE_SHIFT
    while (this.owners.length <= page) this.owners.push(new Uint16Array(1 << PAGE_SHIFT))
    ;(this.owners[page] as Uint16Array)[row & ((1 << PAGE_SHIFT) - 1)] = owner
    this.last = row
  }

  private write(buffer: Buffer, length: number): void {
    for (let done = 0; done < length; ) done += writeSync(this.fd, buffer, done, length - done)
  }

  flush(): void {
    if (this.filled === 0) return
    this.write(this.buffer, this.filled)
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
      const buffer = offset >= this.flushed ? this.buffer : this.window
      const found = buffer.readUInt32LE(at + 4)
      if (found === row) return this.frame(buffer, at)
      if (found > row) return undefined
      offset += (buffer.readUInt32LE(at) + ALIGN - 1) & ~(ALIGN - 1)
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
      offset + this.window.readUInt32LE(offset - this.windowStart) > end
    ) {
      this.windowStart = offset
      this.windowLength = readSync(this.fd, this.window, 0, this.window.length, offset)
      const length = this.window.readUInt32LE(0)
      if (length > this.windowLength) {
        this.window = Buffer.allocUnsafe(Math.max(length, READ_WINDOW))
        this.windowLength = readSync(this.fd, this.window, 0, this.window.length, offset)
      }
    }
    return offset - this.windowStart
  }

  private frame(buffer: Buffer, at: number): Frame {
    return frameAt(buffer, at, buffer.readUInt32LE(at + 4), buffer.readUInt16LE(at + 8), this.fields)
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
    let window = Buffer.allocUnsafe(SCAN_WINDOW)
    let start = 0
    let length = 0
    for (let offset = 0; offset < end; ) {
      if (offset + FIXED > start + length || offset + window.readUInt32LE(offset - start) > start + length) {
        start = offset
        length = readSync(this.fd, window, 0, window.length, offset)
        const size = window.readUInt32LE(0)
        if (size > length) {
          window = Buffer.allocUnsafe(size)
          length = readSync(this.fd, window, 0, window.length, offset)
        }
      }
      const at = offset - start
      const size = window.readUInt32LE(at)
      const row = window.readUInt32LE(at + 4)
      const found = window.readUInt16LE(at + 8)
      offset += (size + ALIGN - 1) & ~(ALIGN - 1)
      if ((wanted >= 0 && found !== wanted) || this.owner(row) === 0) continue
      yield frameAt(window, at, row, found, this.fields)
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
 * directory (`SQLITE_TMPDIR`, else `TMPDIR`), deleted when the spill is closed: writing a row costs
 * about what serialising it does, where `SqliteSpill` inserts it into a table. Memory: about 2 bytes per
 * row (see `KindLog`) and the buffers. For a store that reads staged rows through the `Spill`'s
 * methods (rows by number, in the order given); a driver that attaches `SqliteSpill`'s file reads these
 * rows into a table of its own (`file` is undefined).
 *
 * Owners are kept here by row, so that a change of owner or a dropped step touches no file.
 */
export class LogSpill implements Spill {
  readonly file = undefined
  private readonly dir: string
  private readonly logs: readonly [KindLog, KindLog]
  /** The owning steps, numbered from 1 (0: a row not here). */
  private readonly steps = new Ordinals(1, 0xffff, "steps")
  private sealed = false

  /** `maxBytes`: both files together may grow to about this many bytes (beyond, writes fail as on a full disk). */
  constructor(private readonly maxBytes?: number) {
    this.dir = mkdtempSync(join(process.env.SQLITE_TMPDIR || process.env.TMPDIR || tmpdir(), "parallax-stage-"))
    try {
      this.logs = [
        new KindLog(join(this.dir, "entities"), ENTITY_FIELDS),
        new KindLog(join(this.dir, "relationships"), RELATIONSHIP_FIELDS)
      ]
    } catch (error) {
      rmSync(this.dir, { recursive: true, force: true })
      throw error
    }
  }

  /** Where the spill is: the directory named in messages about the room it needs. */
  get directory(): string {
    return this.dir
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
    let least = this.bytes + json.length
    for (const column of columns) least += column?.length ?? 0
    if (this.maxBytes !== undefined && least > this.maxBytes) throw full(this.maxBytes)
    this.logs[kind].append(row, this.steps.of(step), label, columns, json)
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
      rmSync(this.dir, { recursive: true, force: true })
    }
  }
}
