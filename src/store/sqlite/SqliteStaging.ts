import { edenGC } from "bun:jsc"
import type { Database } from "bun:sqlite"
import type { Properties } from "../../model/Ids.ts"
import type { EntityRecord, RelationshipRecord } from "../../model/Records.ts"
import { Added, Identical, type StageResult, type Staging } from "../../scheduler/Staging.ts"
import { readColumns, StagedKind, type StagedRows } from "./StagedKind.ts"

const TABLES = `
  CREATE TEMP TABLE IF NOT EXISTS stage_e (
    row INTEGER PRIMARY KEY, id BLOB NOT NULL, hash BLOB NOT NULL, step TEXT NOT NULL,
    type TEXT NOT NULL, key TEXT NOT NULL, class TEXT NOT NULL, display_name TEXT NOT NULL, properties TEXT NOT NULL
  );
  CREATE TEMP TABLE IF NOT EXISTS stage_r (
    row INTEGER PRIMARY KEY, id BLOB NOT NULL, hash BLOB NOT NULL, step TEXT NOT NULL, verb TEXT NOT NULL,
    from_id BLOB NOT NULL, from_type TEXT NOT NULL, from_key TEXT NOT NULL,
    to_id BLOB NOT NULL, to_type TEXT NOT NULL, to_key TEXT NOT NULL, to_account TEXT, rel_key TEXT, properties TEXT NOT NULL
  );
`

const ENTITY_COLUMNS = ["row", "id", "hash", "step", "type", "key", "class", "display_name", "properties"]
const RELATIONSHIP_COLUMNS = [
  ...["row", "id", "hash", "step", "verb", "from_id", "from_type", "from_key"],
  ...["to_id", "to_type", "to_key", "to_account", "rel_key", "properties"]
]

/** The staging transaction is committed to the TEMP database every this many rows. */
const COMMIT_ROWS = 200_000

/** A staged relationship with an endpoint outside the batch, to be found in the committed graph. */
export interface UnresolvedEdge {
  /** Its row in `stage_r`. */
  readonly row: number
  readonly fromStaged: boolean
  readonly toStaged: boolean
}

/** What the commit needs to know of a staged batch besides its rows. */
export interface StagedBatch {
  readonly entities: StagedRows
  readonly relationships: StagedRows
  readonly edges: ReadonlyArray<UnresolvedEdge>
}

interface EntityRow {
  id: string
  hash: string
  step: string
  type: string
  key: string
  class: string
  display_name: string
  properties: string
}

interface RelationshipRow {
  id: string
  hash: string
  step: string
  verb: string
  from_id: string
  from_type: string
  from_key: string
  to_id: string
  to_type: string
  to_key: string
  to_account: string | null
  rel_key: string | null
  properties: string
}

const entityRecord = (row: EntityRow): EntityRecord => ({
  id: row.id,
  type: row.type,
  key: row.key,
  class: row.class,
  displayName: row.display_name,
  properties: JSON.parse(row.properties) as Properties,
  hash: row.hash
})

const relationshipRecord = (row: RelationshipRow): RelationshipRecord => ({
  id: row.id,
  verb: row.verb,
  fromId: row.from_id,
  fromType: row.from_type,
  fromKey: row.from_key,
  toId: row.to_id,
  toType: row.to_type,
  toKey: row.to_key,
  ...(row.to_account === null ? {} : { toAccount: row.to_account }),
  ...(row.rel_key === null ? {} : { key: row.rel_key }),
  properties: JSON.parse(row.properties) as Properties,
  hash: row.hash
})

/**
 * Staging in the TEMP database of a sync session's own connection. Rows are appended to `stage_e` and
 * `stage_r` in emission order with no index; an exact in-memory index per kind (`StagedKind`: about 45
 * bytes per staged object, not the objects) answers duplicates and `hasEntity`, notes the edges whose
 * endpoints were not staged when they were emitted, and keeps per-step checksums, so that the commit
 * checks only those edges against the committed graph, diffs without sorting the staged rows, and can
 * tell an unchanged step without a diff at all. Memory stays bounded by SQLite's page cache plus that
 * index, whatever the size of the sync.
 *
 * An object emitted identically by several steps is staged once and owned by the step whose id sorts
 * first (as in `MemoryStaging`); when that step is discarded, the next one takes it over.
 */
export class SqliteStaging implements Staging {
  private readonly stepNames: Array<string> = []
  private readonly stepOrdinals = new Map<string, number>()
  private readonly entities: StagedKind
  private readonly relationships: StagedKind
  /** Rows of relationships with an endpoint that was not staged when they were emitted. */
  private readonly unresolved: Array<number> = []
  /** Whether a discarded step took staged entities with it (edges checked before may dangle now). */
  private entitiesDiscarded = false
  private written = 0
  private emitted = 0
  private open = false
  private sealed = false

  constructor(
    private readonly db: Database,
    cacheMiB: number
  ) {
    db.exec(TABLES)
    db.exec(`PRAGMA temp.cache_size = ${-1024 * Math.max(2, Math.floor(cacheMiB))}`)
    db.exec("PRAGMA temp.journal_mode = OFF")
    this.entities = new StagedKind(db, "stage_e", ENTITY_COLUMNS, this.stepNames)
    this.relationships = new StagedKind(db, "stage_r", RELATIONSHIP_COLUMNS, this.stepNames)
  }

  private ordinal(step: string): number {
    let ordinal = this.stepOrdinals.get(step)
    if (ordinal === undefined) {
      ordinal = this.stepNames.length + 1
      if (ordinal > 0xfffe) throw new Error("more than 65534 steps staged in one sync")
      this.stepNames.push(step)
      this.stepOrdinals.set(step, ordinal)
    }
    return ordinal
  }

  /** Opens the staging transaction if needed (tracked here: asking SQLite costs a call per emit). */
  private begin(): void {
    if (this.open) return
    if (!this.db.inTransaction) this.db.exec("BEGIN")
    this.open = true
  }

  private commitTransaction(): void {
    if (this.db.inTransaction) this.db.exec("COMMIT")
    this.open = false
    this.written = 0
  }

  private wrote(): void {
    this.begin()
    if (++this.written >= COMMIT_ROWS) this.commitTransaction()
    // Each emit leaves short-lived garbage (records, hex ids, JSON); the index's typed arrays make the
    // collector wait for hundreds of MiB of it. A young-generation collection now and then is cheap.
    if ((++this.emitted & 0x3fff) === 0) edenGC()
  }

  /**
   * Claims `id` for `step`: the row to write a new row at, or the result for an id already staged
   * (identical: kept once, the owner being the step whose id sorts first; different: a conflict).
   */
  private claim(kind: StagedKind, step: string, id: string, hash: string): number | StageResult {
    if (this.sealed) throw new Error("staging is sealed: the sync is being committed")
    const ordinal = this.ordinal(step)
    const claimed = kind.claim(id, hash, ordinal, step)
    if (claimed > 0) {
      this.wrote()
      return claimed
    }
    const seq = -1 - claimed
    const owner = kind.step(seq)
    if (!kind.hasHash(seq, hash)) return { _tag: "Conflict", firstStep: owner }
    if (owner === step) return Identical
    const also = kind.also.get(seq) ?? []
    if (also.includes(step)) return Identical
    if (step < owner) {
      also.push(owner)
      this.begin()
      kind.moveTo(seq, ordinal, step)
    } else {
      also.push(step)
    }
    kind.also.set(seq, also)
    return Identical
  }

  putEntity(step: string, record: EntityRecord, json?: string): StageResult {
    const row = this.claim(this.entities, step, record.id, record.hash)
    if (typeof row !== "number") return row
    this.entities.write(
      row,
      record.id,
      record.hash,
      step,
      record.type,
      record.key,
      record.class,
      record.displayName,
      json ?? JSON.stringify(record.properties)
    )
    return Added
  }

  putRelationship(step: string, record: RelationshipRecord, json?: string): StageResult {
    const row = this.claim(this.relationships, step, record.id, record.hash)
    if (typeof row !== "number") return row
    if (this.entities.find(record.fromId) < 0 || this.entities.find(record.toId) < 0) this.unresolved.push(row)
    this.relationships.write(
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
      json ?? JSON.stringify(record.properties)
    )
    return Added
  }

  discardStep(step: string): void {
    const ordinal = this.stepOrdinals.get(step)
    this.begin()
    for (const kind of [this.entities, this.relationships]) {
      for (const [seq, also] of kind.also) {
        const at = also.indexOf(step)
        if (at >= 0) also.splice(at, 1)
        if (kind.owner(seq) === ordinal && also.length > 0) {
          // The next step (in id order) that emitted an identical copy takes the row over.
          const next = also.reduce((min, other) => (other < min ? other : min))
          also.splice(also.indexOf(next), 1)
          kind.moveTo(seq, this.ordinal(next), next)
        }
        if (also.length === 0) kind.also.delete(seq)
      }
      if (ordinal === undefined) continue
      if (kind.dropStep(ordinal, step) > 0 && kind === this.entities) this.entitiesDiscarded = true
    }
  }

  private visible(kind: StagedKind, steps: ReadonlySet<string>, seq: number): boolean {
    if (seq < 0) return false
    if (steps.has(kind.step(seq))) return true
    return kind.also.get(seq)?.some((step) => steps.has(step)) ?? false
  }

  private *scan<Row, A>(
    kind: StagedKind,
    steps: ReadonlySet<string>,
    where: string,
    params: ReadonlyArray<string>,
    toRecord: (row: Row) => A
  ): Iterable<A> {
    kind.settle()
    const statement = this.db.prepare(`SELECT ${readColumns(kind.columns)} FROM ${kind.table} ${where} ORDER BY row`)
    try {
      for (const row of statement.iterate(...params) as IterableIterator<Row & { id: string; step: string }>) {
        if (steps.has(row.step) || this.visible(kind, steps, kind.find(row.id))) yield toRecord(row)
      }
    } finally {
      statement.finalize()
    }
  }

  entitiesOf(steps: ReadonlySet<string>, type: string): Iterable<EntityRecord> {
    return this.scan(this.entities, steps, "WHERE type = ?", [type], entityRecord)
  }

  entityById(steps: ReadonlySet<string>, id: string): EntityRecord | undefined {
    const seq = this.entities.find(id)
    if (!this.visible(this.entities, steps, seq)) return undefined
    this.entities.settle()
    return entityRecord(this.entities.readRow.get(this.entities.row(seq)) as EntityRow)
  }

  hasEntity(steps: ReadonlySet<string>, id: string): boolean {
    return this.visible(this.entities, steps, this.entities.find(id))
  }

  relationshipsOf(steps: ReadonlySet<string>, verb: string | undefined): Iterable<RelationshipRecord> {
    return verb === undefined
      ? this.scan(this.relationships, steps, "", [], relationshipRecord)
      : this.scan(this.relationships, steps, "WHERE verb = ?", [verb], relationshipRecord)
  }

  /**
   * Ends collection: commits the staging transaction (the commit runs in a transaction of its own) and
   * refuses further puts.
   */
  flush(): void {
    this.sealed = true
    this.entities.settle()
    this.relationships.settle()
    this.commitTransaction()
  }

  /**
   * What the commit needs besides the rows (after `flush`): the staged kinds and the edges with an
   * endpoint outside the batch. Those were noted at emit; when a discarded step took entities with it,
   * edges checked then may dangle now, so every staged edge is looked at again.
   */
  batch(): StagedBatch {
    const open: Array<UnresolvedEdge> = []
    const check = (row: number, fromId: Uint8Array, toId: Uint8Array) => {
      const from = this.entities.lookup(fromId) >= 0
      const to = this.entities.lookup(toId) >= 0
      if (!from || !to) open.push({ row, fromStaged: from, toStaged: to })
    }
    type Edge = { row: number; from_id: Uint8Array; to_id: Uint8Array }
    if (this.entitiesDiscarded) {
      for (const edge of this.db.query("SELECT row, from_id, to_id FROM stage_r").iterate() as Iterable<Edge>) {
        check(edge.row, edge.from_id, edge.to_id)
      }
    } else {
      const read = this.db.prepare("SELECT row, from_id, to_id FROM stage_r WHERE row = ?")
      try {
        for (const row of this.unresolved) {
          const edge = read.get(row) as Edge | null
          if (edge !== null) check(edge.row, edge.from_id, edge.to_id) // null: its step was discarded
        }
      } finally {
        read.finalize()
      }
    }
    return { entities: this.entities, relationships: this.relationships, edges: open }
  }

  /** Finalizes the prepared statements, so that closing the connection frees its page caches at once. */
  dispose(): void {
    for (const statement of [...this.entities.statements(), ...this.relationships.statements()]) {
      statement.finalize()
    }
  }
}
