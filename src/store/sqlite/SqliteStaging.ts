import { edenGC } from "bun:jsc"
import type { Database, Statement } from "bun:sqlite"
import { grown, IdIndex } from "../../internal/IdIndex.ts"
import { type StepDigest, StepDigests } from "../../internal/StepDigests.ts"
import type { Properties } from "../../model/Ids.ts"
import type { EntityRecord, RelationshipRecord } from "../../model/Records.ts"
import { Added, Identical, type StageResult, type Staging } from "../../sync/Staging.ts"

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
  CREATE TEMP TABLE IF NOT EXISTS stage_e_ids (id BLOB PRIMARY KEY, hash BLOB NOT NULL, step TEXT NOT NULL,
    row INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TEMP TABLE IF NOT EXISTS stage_r_ids (id BLOB PRIMARY KEY, hash BLOB NOT NULL, step TEXT NOT NULL,
    row INTEGER NOT NULL) WITHOUT ROWID;
`

/** A staged relationship whose endpoint was not staged when it was emitted, checked again at commit. */
export interface UnresolvedEdge {
  /** Its row in `stage_r`. */
  readonly row: number
  readonly fromStaged: boolean
  readonly toStaged: boolean
}

/** One kind of staged rows, as the commit sees them. */
export interface StagedKind {
  /** How many rows are staged (owned by some step). */
  readonly rows: number
  /** Checksums of each step's rows. */
  readonly digests: ReadonlyMap<string, StepDigest>
}

/** What the commit needs to know of a staged batch besides its rows. */
export interface StagedBatch {
  readonly entities: StagedKind
  readonly relationships: StagedKind
  /**
   * The relationships with an endpoint outside the batch, to be found in the committed graph; `"all"`
   * when entities were discarded after edges were checked, so that every edge must be checked again.
   */
  readonly edges: ReadonlyArray<UnresolvedEdge> | "all"
}

const ENTITY_COLUMNS = ["row", "id", "hash", "step", "type", "key", "class", "display_name", "properties"]
const RELATIONSHIP_COLUMNS = [
  "row",
  "id",
  "hash",
  "step",
  "verb",
  "from_id",
  "from_type",
  "from_key",
  "to_id",
  "to_type",
  "to_key",
  "to_account",
  "rel_key",
  "properties"
]
const BLOB_COLUMNS = new Set(["id", "hash", "from_id", "to_id"])

/** The staging transaction is committed to the TEMP database every this many rows. */
const COMMIT_ROWS = 200_000

const READ_COLUMNS = (columns: ReadonlyArray<string>) =>
  columns.map((column) => (BLOB_COLUMNS.has(column) ? `lower(hex(${column})) AS ${column}` : column)).join(", ")

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
 * One kind of staged object (entities or relationships): an exact in-memory index of the ids staged in
 * this sync, each id's owning step and heap row, and the rows themselves in a TEMP table, appended in
 * emission order in batches. Duplicates and `hasEntity` are answered from memory; only reads of whole
 * rows (and the content check of a re-emitted id) go to SQLite.
 */
class Kind {
  readonly index = new IdIndex()
  /** The owning step of each sequence number, as its ordinal + 1; 0 when no step holds it any more. */
  owner = new Uint16Array(1024)
  /** The heap row of each sequence number (rows are numbered in emission order, never reused). */
  rowOf = new Uint32Array(1024)
  /** Other steps that emitted an identical copy, by sequence number (rare). */
  readonly also = new Map<number, Array<string>>()
  /** Checksums of the rows each step owns. */
  readonly digests = new StepDigests()
  /** How many rows some step owns. */
  live = 0
  nextRow = 1
  readonly insert: Statement
  readonly readRow: Statement
  readonly readHash: Statement
  readonly setStep: Statement
  readonly deleteStep: Statement

  constructor(
    db: Database,
    readonly table: "stage_e" | "stage_r",
    readonly columns: ReadonlyArray<string>
  ) {
    const values = `(${columns.map((column) => (BLOB_COLUMNS.has(column) ? "unhex(?)" : "?")).join(", ")})`
    this.insert = db.prepare(`INSERT INTO ${table} (${columns.join(", ")}) VALUES ${values}`)
    this.readRow = db.prepare(`SELECT ${READ_COLUMNS(columns)} FROM ${table} WHERE row = ?`)
    this.readHash = db.prepare(`SELECT lower(hex(hash)) AS hash FROM ${table} WHERE row = ?`)
    this.setStep = db.prepare(`UPDATE ${table} SET step = ? WHERE row = ?`)
    this.deleteStep = db.prepare(`DELETE FROM ${table} WHERE step = ?`)
  }

  /** Makes room for sequence number `seq` in the per-sequence arrays. */
  reserve(seq: number): void {
    if (seq < this.owner.length) return
    this.owner = grown(this.owner)
    this.rowOf = grown(this.rowOf)
  }

  statements(): ReadonlyArray<Statement> {
    return [this.insert, this.readRow, this.readHash, this.setStep, this.deleteStep]
  }
}

/**
 * Staging in the TEMP database of a sync session's own connection: memory stays bounded by SQLite's
 * page cache plus the in-memory id index (about 30 bytes per staged object, not the objects), whatever
 * the size of the sync. Rows are appended to `stage_e`/`stage_r` in emission order with no index. The
 * index answers duplicates and `hasEntity`, notes the edges whose endpoints are not (yet) staged, and
 * keeps per-step checksums (`StepDigests`), so that the commit checks only those edges against the
 * committed graph and can tell an unchanged step without a row-by-row diff. The commit builds the narrow
 * `*_ids` tables (id, hash, owner, row) in id order only when it has to diff.
 *
 * An object emitted identically by several steps is staged once and owned by the step whose id sorts
 * first (as in `MemoryStaging`); when that step is discarded, the next one takes it over.
 */
export class SqliteStaging implements Staging {
  private readonly stepNames: Array<string> = []
  private readonly stepOrdinals = new Map<string, number>()
  private readonly entities: Kind
  private readonly relationships: Kind
  /** Heap rows of relationships with an endpoint that was not staged when they were emitted. */
  private unresolved: Array<number> = []
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
    this.entities = new Kind(db, "stage_e", ENTITY_COLUMNS)
    this.relationships = new Kind(db, "stage_r", RELATIONSHIP_COLUMNS)
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

  private ownerName(kind: Kind, seq: number): string {
    return this.stepNames[(kind.owner[seq] as number) - 1] as string
  }

  /** Opens the staging transaction if needed; commits it every `COMMIT_ROWS` writes. */
  private wrote(): void {
    this.begin()
    if (++this.written >= COMMIT_ROWS) this.commitTransaction()
    // Each emit leaves short-lived garbage (records, hex ids, JSON); the index's typed arrays make the
    // collector wait for hundreds of MiB of it. A young-generation collection now and then is cheap.
    if ((++this.emitted & 0x3fff) === 0) edenGC()
  }

  /** Opens the staging transaction (tracked here: asking SQLite costs a call per emit). */
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

  /**
   * Claims `id` for `step`: the heap row to write a new row at, or the result for an id already staged
   * (identical: kept once, the owner being the step whose id sorts first; different: a conflict).
   */
  private claim(kind: Kind, step: string, id: string, hash: string): number | StageResult {
    if (this.sealed) throw new Error("staging is sealed: the sync is being committed")
    const claimed = kind.index.claim(id)
    const seq = claimed < 0 ? ~claimed : claimed
    kind.reserve(seq)
    if (claimed < 0 || kind.owner[seq] === 0) {
      kind.owner[seq] = this.ordinal(step)
      kind.digests.add(step, id, hash, 1)
      kind.live++
      const row = kind.nextRow++
      kind.rowOf[seq] = row
      this.wrote()
      return row
    }
    const row = kind.rowOf[seq] as number
    const stored = (kind.readHash.get(row) as { hash: string }).hash
    const owner = this.ownerName(kind, seq)
    if (stored !== hash) return { _tag: "Conflict", firstStep: owner }
    if (owner === step) return Identical
    const also = kind.also.get(seq) ?? []
    if (also.includes(step)) return Identical
    if (step < owner) {
      also.push(owner)
      kind.owner[seq] = this.ordinal(step)
      kind.setStep.run(step, row)
      kind.digests.add(owner, id, hash, -1)
      kind.digests.add(step, id, hash, 1)
    } else {
      also.push(step)
    }
    kind.also.set(seq, also)
    return Identical
  }

  putEntity(step: string, record: EntityRecord, json?: string): StageResult {
    const row = this.claim(this.entities, step, record.id, record.hash)
    if (typeof row !== "number") return row
    this.entities.insert.run(
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
    if (!this.staged(record.fromId) || !this.staged(record.toId)) this.unresolved.push(row)
    this.relationships.insert.run(
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
    const ordinal = this.stepOrdinals.get(step) ?? -1
    this.begin()
    for (const kind of [this.entities, this.relationships]) {
      for (const [seq, also] of kind.also) {
        const at = also.indexOf(step)
        if (at >= 0) also.splice(at, 1)
        if (kind.owner[seq] === ordinal && also.length > 0) {
          // The next step (in id order) that emitted an identical copy takes the row over.
          const next = also.reduce((min, other) => (other < min ? other : min))
          also.splice(also.indexOf(next), 1)
          kind.owner[seq] = this.ordinal(next)
          const row = kind.rowOf[seq] as number
          kind.setStep.run(next, row)
          kind.digests.add(next, kind.index.idOf(seq), (kind.readHash.get(row) as { hash: string }).hash, 1)
        }
        if (also.length === 0) kind.also.delete(seq)
      }
      if (ordinal < 0) continue
      const owner = kind.owner
      let dropped = 0
      for (let seq = 0; seq < kind.index.size; seq++) {
        if (owner[seq] === ordinal) {
          owner[seq] = 0
          dropped++
        }
      }
      kind.live -= dropped
      kind.digests.clear(step)
      if (dropped > 0) {
        kind.deleteStep.run(step)
        if (kind === this.entities) this.entitiesDiscarded = true
      }
    }
  }

  private visible(kind: Kind, steps: ReadonlySet<string>, seq: number): boolean {
    if (kind.owner[seq] === 0) return false
    if (steps.has(this.ownerName(kind, seq))) return true
    return kind.also.get(seq)?.some((step) => steps.has(step)) ?? false
  }

  private *scan<Row, A>(
    kind: Kind,
    steps: ReadonlySet<string>,
    where: string,
    params: ReadonlyArray<string>,
    toRecord: (row: Row) => A
  ): Iterable<A> {
    const statement = this.db.prepare(`SELECT ${READ_COLUMNS(kind.columns)} FROM ${kind.table} ${where} ORDER BY row`)
    try {
      for (const row of statement.iterate(...params) as IterableIterator<Row & { id: string; step: string }>) {
        if (steps.has(row.step) || this.visible(kind, steps, kind.index.find(row.id))) yield toRecord(row)
      }
    } finally {
      statement.finalize()
    }
  }

  entitiesOf(steps: ReadonlySet<string>, type: string): Iterable<EntityRecord> {
    return this.scan(this.entities, steps, "WHERE type = ?", [type], entityRecord)
  }

  entityById(steps: ReadonlySet<string>, id: string): EntityRecord | undefined {
    const kind = this.entities
    const seq = kind.index.find(id)
    if (seq < 0 || !this.visible(kind, steps, seq)) return undefined
    return entityRecord(kind.readRow.get(kind.rowOf[seq] as number) as EntityRow)
  }

  hasEntity(steps: ReadonlySet<string>, id: string): boolean {
    const seq = this.entities.index.find(id)
    return seq >= 0 && this.visible(this.entities, steps, seq)
  }

  relationshipsOf(steps: ReadonlySet<string>, verb: string | undefined): Iterable<RelationshipRecord> {
    return verb === undefined
      ? this.scan(this.relationships, steps, "", [], relationshipRecord)
      : this.scan(this.relationships, steps, "WHERE verb = ?", [verb], relationshipRecord)
  }

  /** Whether some step owns the entity `id` in this sync. */
  private staged(id: string): boolean {
    const seq = this.entities.index.find(id)
    return seq >= 0 && this.entities.owner[seq] !== 0
  }

  /**
   * Ends collection: commits the staging transaction (the commit runs in a transaction of its own) and
   * refuses further puts.
   */
  flush(): void {
    this.sealed = true
    this.commitTransaction()
  }

  /** What the commit needs to know of the staged batch besides its rows (call after `flush`). */
  batch(): StagedBatch {
    let edges: StagedBatch["edges"] = "all"
    if (!this.entitiesDiscarded) {
      const read = this.db.prepare(
        "SELECT step, lower(hex(from_id)) AS fromId, lower(hex(to_id)) AS toId FROM stage_r WHERE row = ?"
      )
      const open: Array<UnresolvedEdge> = []
      try {
        for (const row of this.unresolved) {
          const edge = read.get(row) as { step: string; fromId: string; toId: string } | null
          if (edge === null) continue // its step was discarded
          const from = this.staged(edge.fromId)
          const to = this.staged(edge.toId)
          if (!from || !to) open.push({ row, fromStaged: from, toStaged: to })
        }
      } finally {
        read.finalize()
      }
      edges = open
    }
    return {
      entities: { rows: this.entities.live, digests: this.entities.digests.get() },
      relationships: { rows: this.relationships.live, digests: this.relationships.digests.get() },
      edges
    }
  }

  /** Finalizes the prepared statements, so that closing the connection frees its page caches at once. */
  dispose(): void {
    for (const statement of [...this.entities.statements(), ...this.relationships.statements()]) {
      statement.finalize()
    }
  }
}
