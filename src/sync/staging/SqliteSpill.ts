import { Database, type Statement } from "bun:sqlite"
import { statSync } from "node:fs"
import { join } from "node:path"
import type { Properties } from "../../model/Ids.ts"
import type { EntityRecord, RelationshipRecord } from "../../model/Records.ts"
import type { Kind, Spill, SpilledEdge, SpilledEntity, SpilledRelationship } from "./Spill.ts"
import { makeSpillDir, type SpillDir } from "./SpillDir.ts"

/** The columns of the staged tables. Ids and hashes are 16-byte BLOBs, as the SQLite store keeps them. */
export const SPILL_COLUMNS: readonly [string, string] = [
  `row INTEGER PRIMARY KEY, id BLOB NOT NULL, hash BLOB NOT NULL, step TEXT NOT NULL,
   type TEXT NOT NULL, key TEXT NOT NULL, class TEXT NOT NULL, display_name TEXT NOT NULL, properties TEXT NOT NULL`,
  `row INTEGER PRIMARY KEY, id BLOB NOT NULL, hash BLOB NOT NULL, step TEXT NOT NULL, verb TEXT NOT NULL,
   from_id BLOB NOT NULL, from_type TEXT NOT NULL, from_key TEXT NOT NULL,
   to_id BLOB NOT NULL, to_type TEXT NOT NULL, to_key TEXT NOT NULL, to_account TEXT, rel_key TEXT, properties TEXT NOT NULL`
]

/** The staged tables. */
export const SPILL_TABLES = `
  CREATE TABLE stage_e (${SPILL_COLUMNS[0]});
  CREATE TABLE stage_r (${SPILL_COLUMNS[1]});
`

const BLOBS: ReadonlySet<string> = new Set(["id", "hash", "from_id", "to_id"])
const COLUMNS: readonly [ReadonlyArray<string>, ReadonlyArray<string>] = [
  ["row", "id", "hash", "step", "type", "key", "class", "display_name", "properties"],
  [
    ...["row", "id", "hash", "step", "verb", "from_id", "from_type", "from_key"],
    ...["to_id", "to_type", "to_key", "to_account", "rel_key", "properties"]
  ]
]
const TABLES = ["stage_e", "stage_r"] as const

/** The columns of a staged table, BLOBs read back as lowercase hex. */
const readColumns = (kind: Kind): string =>
  COLUMNS[kind].map((column) => (BLOBS.has(column) ? `lower(hex(${column})) AS ${column}` : column)).join(", ")

/** Rows written by one multi-row INSERT: about a third less time per row than one INSERT each. */
const BATCH_ROWS = 32

/** The staging transaction is committed every this many rows. */
const COMMIT_ROWS = 200_000

export type Value = string | number | null
type Row = Record<string, string | number | null>

const entityOf = (row: Row): SpilledEntity => ({
  row: row.row as number,
  step: row.step as string,
  json: row.properties as string,
  record: {
    id: row.id as string,
    type: row.type as string,
    key: row.key as string,
    class: row.class as string,
    displayName: row.display_name as string,
    properties: JSON.parse(row.properties as string) as Properties,
    hash: row.hash as string
  }
})

const relationshipOf = (row: Row): SpilledRelationship => ({
  row: row.row as number,
  step: row.step as string,
  json: row.properties as string,
  record: {
    id: row.id as string,
    verb: row.verb as string,
    fromId: row.from_id as string,
    fromType: row.from_type as string,
    fromKey: row.from_key as string,
    toId: row.to_id as string,
    toType: row.to_type as string,
    toKey: row.to_key as string,
    ...(row.to_account === null ? {} : { toAccount: row.to_account as string }),
    ...(row.rel_key === null ? {} : { key: row.rel_key as string }),
    properties: JSON.parse(row.properties as string) as Properties,
    hash: row.hash as string
  }
})

/** A staged entity's values, in the order of its table's columns. */
export const entityValues = (row: number, step: string, record: EntityRecord, json: string): Array<Value> => [
  row,
  record.id,
  record.hash,
  step,
  record.type,
  record.key,
  record.class,
  record.displayName,
  json
]

/** A staged relationship's values, in the order of its table's columns. */
export const relationshipValues = (
  row: number,
  step: string,
  record: RelationshipRecord,
  json: string
): Array<Value> => [
  row,
  record.id,
  record.hash,
  step,
  record.verb,
  record.fromId,
  record.fromType,
  record.fromKey,
  record.toId,
  record.toType,
  record.toKey,
  record.toAccount ?? null,
  record.key ?? null,
  json
]

/**
 * One staged table (`stage_e` or `stage_r`, or `table`: another of the same columns): rows queued and
 * written 32 to an INSERT, read back after what is queued is written.
 */
export class Table {
  private readonly pending: Array<Value>
  private filled = 0
  private readonly insertOne: Statement
  private readonly insertMany: Statement
  readonly readRow: Statement
  readonly setStep: Statement
  readonly deleteStep: Statement

  constructor(
    db: Database,
    readonly kind: Kind,
    table: string = TABLES[kind]
  ) {
    const columns = COLUMNS[kind]
    const values = `(${columns.map((column) => (BLOBS.has(column) ? "unhex(?)" : "?")).join(", ")})`
    const into = `INSERT INTO ${table} (${columns.join(", ")}) VALUES `
    this.insertOne = db.prepare(into + values)
    this.insertMany = db.prepare(into + Array.from({ length: BATCH_ROWS }, () => values).join(", "))
    this.pending = new Array(columns.length * BATCH_ROWS)
    this.readRow = db.prepare(`SELECT ${readColumns(kind)} FROM ${table} WHERE row = ?`)
    this.setStep = db.prepare(`UPDATE ${table} SET step = ? WHERE row = ?`)
    this.deleteStep = db.prepare(`DELETE FROM ${table} WHERE step = ?`)
  }

  write(values: ReadonlyArray<Value>): void {
    const pending = this.pending
    for (const value of values) pending[this.filled++] = value
    if (this.filled === pending.length) {
      this.insertMany.run(pending as Array<string>)
      this.filled = 0
    }
  }

  /** Writes the queued rows: before anything reads or changes the table. */
  settle(): void {
    const width = COLUMNS[this.kind].length
    for (let at = 0; at < this.filled; at += width) {
      this.insertOne.run(this.pending.slice(at, at + width) as Array<string>)
    }
    this.filled = 0
  }

  finalize(): void {
    for (const statement of [this.insertOne, this.insertMany, this.readRow, this.setStep, this.deleteStep]) {
      statement.finalize()
    }
  }
}

/**
 * The staged rows in an SQLite file of their own (`stage_e`, `stage_r`, appended in emission order with
 * no index), in a fresh directory under the temporary directory (`SQLITE_TMPDIR`, else `TMPDIR`), deleted
 * when the spill is closed. No journal: a crash loses only what a crashed sync staged. Memory stays at the
 * page cache (`cacheMiB`) whatever the size of the sync.
 */
export class SqliteSpill implements Spill {
  private readonly home: SpillDir
  private readonly path: string
  private readonly db: Database
  private readonly tables: readonly [Table, Table]
  private written = 0
  private open = false
  private sealed = false

  /** `maxBytes`: the file may grow to this many bytes at most (beyond, writes fail as on a full disk). */
  constructor(cacheMiB = 16, maxBytes?: number) {
    this.home = makeSpillDir()
    this.path = join(this.home.path, "stage.db")
    this.db = new Database(this.path, { create: true, strict: false })
    try {
      this.db.exec("PRAGMA journal_mode = OFF")
      this.db.exec("PRAGMA synchronous = OFF")
      this.db.exec(`PRAGMA cache_size = ${-1024 * Math.max(2, Math.floor(cacheMiB))}`)
      if (maxBytes !== undefined) this.db.exec(`PRAGMA max_page_count = ${Math.max(8, Math.floor(maxBytes / 4096))}`)
      this.db.exec(SPILL_TABLES)
      this.tables = [new Table(this.db, 0), new Table(this.db, 1)]
    } catch (error) {
      this.close()
      throw error
    }
  }

  /** Where the spill is: the directory named in messages about the room it needs. */
  get directory(): string {
    return this.home.path
  }

  get file(): string | undefined {
    return this.sealed ? this.path : undefined
  }

  private begin(): void {
    if (this.open) return
    this.db.exec("BEGIN")
    this.open = true
  }

  private commit(): void {
    if (this.db.inTransaction) this.db.exec("COMMIT")
    this.open = false
    this.written = 0
  }

  private wrote(): void {
    if (this.sealed) throw new Error("staging is sealed: the sync is being committed")
    this.begin()
    if (++this.written >= COMMIT_ROWS) this.commit()
  }

  appendEntity(row: number, step: string, record: EntityRecord, json: string): void {
    this.wrote()
    this.tables[0].write(entityValues(row, step, record, json))
  }

  appendRelationship(row: number, step: string, record: RelationshipRecord, json: string): void {
    this.wrote()
    this.tables[1].write(relationshipValues(row, step, record, json))
  }

  /** A change of ownership; once sealed (a step failed at commit), committed at once, for readers of the file. */
  setStep(kind: Kind, row: number, step: string): void {
    this.begin()
    const table = this.tables[kind]
    table.settle()
    table.setStep.run(step, row)
    if (this.sealed) this.commit()
  }

  dropStep(kind: Kind, step: string): void {
    this.begin()
    const table = this.tables[kind]
    table.settle()
    table.deleteStep.run(step)
    if (this.sealed) this.commit()
  }

  /** How many bytes the spill's file takes now. */
  get bytes(): number {
    return statSync(this.path, { throwIfNoEntry: false })?.size ?? 0
  }

  private *scan<A>(kind: Kind, where: string, params: ReadonlyArray<string>, of: (row: Row) => A): Iterable<A> {
    this.tables[kind].settle()
    const statement = this.db.prepare(`SELECT ${readColumns(kind)} FROM ${TABLES[kind]} ${where} ORDER BY row`)
    try {
      for (const row of statement.iterate(...params) as IterableIterator<Row>) yield of(row)
    } finally {
      statement.finalize()
    }
  }

  private *at<A>(kind: Kind, rows: Iterable<number>, of: (row: Row) => A): Iterable<A> {
    const table = this.tables[kind]
    table.settle()
    for (const row of rows) {
      const found = table.readRow.get(row) as Row | null
      if (found !== null) yield of(found)
    }
  }

  entitiesOfType(type: string | undefined): Iterable<SpilledEntity> {
    return type === undefined ? this.scan(0, "", [], entityOf) : this.scan(0, "WHERE type = ?", [type], entityOf)
  }

  entityAt(row: number): SpilledEntity | undefined {
    for (const entity of this.at(0, [row], entityOf)) return entity
    return undefined
  }

  relationships(verb: string | undefined): Iterable<SpilledRelationship> {
    return verb === undefined
      ? this.scan(1, "", [], relationshipOf)
      : this.scan(1, "WHERE verb = ?", [verb], relationshipOf)
  }

  *edges(rows?: ReadonlyArray<number>): Iterable<SpilledEdge> {
    this.tables[1].settle()
    type Edge = { row: number; step: string; from_id: Uint8Array; to_id: Uint8Array; cross: number }
    const edge = (found: Edge): SpilledEdge => ({
      row: found.row,
      step: found.step,
      fromId: found.from_id,
      toId: found.to_id,
      toAccount: found.cross === 1
    })
    const columns = "row, step, from_id, to_id, to_account IS NOT NULL AS cross"
    if (rows === undefined) {
      const statement = this.db.prepare(`SELECT ${columns} FROM stage_r ORDER BY row`)
      try {
        for (const found of statement.iterate() as IterableIterator<Edge>) yield edge(found)
      } finally {
        statement.finalize()
      }
      return
    }
    const read = this.db.prepare(`SELECT ${columns} FROM stage_r WHERE row = ?`)
    try {
      for (const row of rows) {
        const found = read.get(row) as Edge | null
        if (found !== null) yield edge(found)
      }
    } finally {
      read.finalize()
    }
  }

  entities(rows: Iterable<number>): Iterable<SpilledEntity> {
    return this.at(0, rows, entityOf)
  }

  relationshipsAt(rows: Iterable<number>): Iterable<SpilledRelationship> {
    return this.at(1, rows, relationshipOf)
  }

  seal(): void {
    if (this.sealed) return
    for (const table of this.tables) table.settle()
    this.commit()
    this.sealed = true
  }

  close(): void {
    try {
      for (const table of this.tables ?? []) table.finalize()
      if (this.db.inTransaction) this.db.exec("ROLLBACK")
      this.db.close()
    } finally {
      this.home.remove()
    }
  }
}
