import type { Database, Statement } from "bun:sqlite"
import type { Properties } from "../../model/Ids.ts"
import type { EntityRecord, RelationshipRecord } from "../../model/Records.ts"
import { Added, Identical, type StageResult, type Staging } from "../../sync/Staging.ts"
import { toBlob, toHex } from "./Codec.ts"

/** Staged rows are committed to the TEMP database every this many writes (one open transaction in between). */
const BATCH = 200_000

const TABLES = `
  CREATE TEMP TABLE IF NOT EXISTS stage_e (
    row INTEGER PRIMARY KEY, id BLOB NOT NULL, hash BLOB NOT NULL, step TEXT NOT NULL,
    type TEXT NOT NULL, key TEXT NOT NULL, class TEXT NOT NULL, display_name TEXT NOT NULL, properties TEXT NOT NULL
  );
  CREATE TEMP TABLE IF NOT EXISTS stage_e_ids (id BLOB PRIMARY KEY, hash BLOB NOT NULL, step TEXT NOT NULL,
    row INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TEMP TABLE IF NOT EXISTS stage_r (
    row INTEGER PRIMARY KEY, id BLOB NOT NULL, hash BLOB NOT NULL, step TEXT NOT NULL, verb TEXT NOT NULL,
    from_id BLOB NOT NULL, from_type TEXT NOT NULL, from_key TEXT NOT NULL,
    to_id BLOB NOT NULL, to_type TEXT NOT NULL, to_key TEXT NOT NULL, to_account TEXT, rel_key TEXT, properties TEXT NOT NULL
  );
  CREATE TEMP TABLE IF NOT EXISTS stage_r_ids (id BLOB PRIMARY KEY, hash BLOB NOT NULL, step TEXT NOT NULL,
    row INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TEMP TABLE IF NOT EXISTS stage_also (kind INTEGER NOT NULL, id BLOB NOT NULL, step TEXT NOT NULL,
    PRIMARY KEY (kind, id, step)) WITHOUT ROWID;
`

interface EntityRow {
  id: Uint8Array
  hash: Uint8Array
  step: string
  type: string
  key: string
  class: string
  display_name: string
  properties: string
}

interface RelationshipRow {
  id: Uint8Array
  hash: Uint8Array
  step: string
  verb: string
  from_id: Uint8Array
  from_type: string
  from_key: string
  to_id: Uint8Array
  to_type: string
  to_key: string
  to_account: string | null
  rel_key: string | null
  properties: string
}

const entityRecord = (row: EntityRow): EntityRecord => ({
  id: toHex(row.id),
  type: row.type,
  key: row.key,
  class: row.class,
  displayName: row.display_name,
  properties: JSON.parse(row.properties) as Properties,
  hash: toHex(row.hash)
})

const relationshipRecord = (row: RelationshipRow): RelationshipRecord => ({
  id: toHex(row.id),
  verb: row.verb,
  fromId: toHex(row.from_id),
  fromType: row.from_type,
  fromKey: row.from_key,
  toId: toHex(row.to_id),
  toType: row.to_type,
  toKey: row.to_key,
  ...(row.to_account === null ? {} : { toAccount: row.to_account }),
  ...(row.rel_key === null ? {} : { key: row.rel_key }),
  properties: JSON.parse(row.properties) as Properties,
  hash: toHex(row.hash)
})

const ENTITY = 0
const RELATIONSHIP = 1

/**
 * Staging in the TEMP database of a sync session's own connection: memory stays bounded by SQLite's
 * page cache whatever the size of the sync. Full rows are appended in emission order (`stage_e`,
 * `stage_r`, no index); a narrow table keyed by the 16-byte id (`*_ids`: id, hash, owner, row) detects
 * duplicates and lets the commit diff, check and delete in id order without touching the wide rows.
 * Identical copies emitted by other steps are recorded in `stage_also`; the owner is always the step
 * whose id sorts first (as in `MemoryStaging`).
 */
export class SqliteStaging implements Staging {
  private pending = 0
  private alsoRows = 0
  private readonly insertEntity: Statement
  private readonly insertRelationship: Statement
  private readonly findEntity: Statement
  private readonly findRelationship: Statement
  private readonly insertAlso: Statement
  private readonly setOwner: Record<number, ReadonlyArray<Statement>>
  private readonly claimId: Record<number, Statement>
  private nextRow = 0

  private readonly byId: Statement
  private readonly alsoOf: Statement

  constructor(
    private readonly db: Database,
    cacheMiB: number
  ) {
    db.exec(TABLES)
    db.exec(`PRAGMA temp.cache_size = ${-1024 * Math.max(2, Math.floor(cacheMiB))}`)
    this.byId = db.prepare("SELECT e.* FROM stage_e_ids i JOIN stage_e e ON e.row = i.row WHERE i.id = ?")
    this.alsoOf = db.prepare("SELECT step FROM stage_also WHERE kind = ? AND id = ?")
    this.insertEntity = db.prepare(
      "INSERT INTO stage_e (row, id, hash, step, type, key, class, display_name, properties) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    this.insertRelationship = db.prepare(
      "INSERT INTO stage_r (row, id, hash, step, verb, from_id, from_type, from_key, to_id, to_type, to_key, to_account, rel_key, properties) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    this.claimId = {
      [ENTITY]: db.prepare(
        "INSERT INTO stage_e_ids (id, hash, step, row) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
      ),
      [RELATIONSHIP]: db.prepare(
        "INSERT INTO stage_r_ids (id, hash, step, row) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"
      )
    }
    this.findEntity = db.prepare("SELECT hash, step FROM stage_e_ids WHERE id = ?")
    this.findRelationship = db.prepare("SELECT hash, step FROM stage_r_ids WHERE id = ?")
    this.insertAlso = db.prepare("INSERT OR IGNORE INTO stage_also (kind, id, step) VALUES (?, ?, ?)")
    this.setOwner = {
      [ENTITY]: [
        db.prepare("UPDATE stage_e SET step = ?1 WHERE row = (SELECT row FROM stage_e_ids WHERE id = ?2)"),
        db.prepare("UPDATE stage_e_ids SET step = ?1 WHERE id = ?2")
      ],
      [RELATIONSHIP]: [
        db.prepare("UPDATE stage_r SET step = ?1 WHERE row = (SELECT row FROM stage_r_ids WHERE id = ?2)"),
        db.prepare("UPDATE stage_r_ids SET step = ?1 WHERE id = ?2")
      ]
    }
  }

  /** Opens the batch transaction lazily; every `BATCH` writes are committed to the TEMP database. */
  private wrote(): void {
    if (this.pending === 0 && !this.db.inTransaction) this.db.exec("BEGIN")
    if (++this.pending >= BATCH) this.flush()
  }

  /** Finalizes the prepared statements, so that closing the connection frees its page caches at once. */
  dispose(): void {
    for (const statement of [
      this.insertEntity,
      this.insertRelationship,
      this.findEntity,
      this.findRelationship,
      this.insertAlso,
      this.byId,
      this.alsoOf,
      ...Object.values(this.setOwner).flat(),
      ...Object.values(this.claimId)
    ]) {
      statement.finalize()
    }
  }

  /** Commits staged rows (before the sync's commit, which runs in its own transaction). */
  flush(): void {
    if (this.db.inTransaction) this.db.exec("COMMIT")
    this.pending = 0
  }

  private duplicate(kind: number, find: Statement, id: Uint8Array, step: string, hash: string): StageResult {
    const existing = find.get(id) as { hash: Uint8Array; step: string }
    const owner = existing.step
    if (toHex(existing.hash) !== hash) return { _tag: "Conflict", firstStep: owner }
    if (owner === step) return Identical
    this.wrote()
    if (step < owner) {
      for (const statement of this.setOwner[kind] ?? []) statement.run(step, id)
      this.insertAlso.run(kind, id, owner)
    } else {
      this.insertAlso.run(kind, id, step)
    }
    this.alsoRows++
    return Identical
  }

  putEntity(step: string, record: EntityRecord): StageResult {
    const id = toBlob(record.id)
    const hash = toBlob(record.hash)
    const row = this.nextRow + 1
    this.wrote()
    if (this.claimId[ENTITY]?.run(id, hash, step, row).changes !== 1) {
      return this.duplicate(ENTITY, this.findEntity, id, step, record.hash)
    }
    this.nextRow = row
    this.insertEntity.run(
      row,
      id,
      hash,
      step,
      record.type,
      record.key,
      record.class,
      record.displayName,
      JSON.stringify(record.properties)
    )
    return Added
  }

  putRelationship(step: string, record: RelationshipRecord): StageResult {
    const id = toBlob(record.id)
    const hash = toBlob(record.hash)
    const row = this.nextRow + 1
    this.wrote()
    if (this.claimId[RELATIONSHIP]?.run(id, hash, step, row).changes !== 1) {
      return this.duplicate(RELATIONSHIP, this.findRelationship, id, step, record.hash)
    }
    this.nextRow = row
    this.insertRelationship.run(
      row,
      id,
      hash,
      step,
      record.verb,
      toBlob(record.fromId),
      record.fromType,
      record.fromKey,
      toBlob(record.toId),
      record.toType,
      record.toKey,
      record.toAccount ?? null,
      record.key ?? null,
      JSON.stringify(record.properties)
    )
    return Added
  }

  discardStep(step: string): void {
    this.wrote()
    for (const [kind, table] of [
      [ENTITY, "stage_e"],
      [RELATIONSHIP, "stage_r"]
    ] as const) {
      const ids = `${table}_ids`
      if (this.alsoRows > 0) {
        // Rows owned by `step` that other steps emitted identically pass to the next owner.
        this.db
          .prepare(
            `UPDATE ${ids} SET step = (SELECT min(a.step) FROM stage_also a WHERE a.kind = ?1 AND a.id = ${ids}.id)
             WHERE step = ?2 AND EXISTS (SELECT 1 FROM stage_also a WHERE a.kind = ?1 AND a.id = ${ids}.id)`
          )
          .run(kind, step)
        this.db
          .prepare(`UPDATE ${table} SET step = (SELECT i.step FROM ${ids} i WHERE i.id = ${table}.id) WHERE step = ?`)
          .run(step)
        this.db
          .prepare(
            `DELETE FROM stage_also WHERE kind = ?1 AND step IN (SELECT step FROM ${ids} WHERE id = stage_also.id)`
          )
          .run(kind)
      }
      this.db.prepare(`DELETE FROM ${table} WHERE step = ?`).run(step)
      this.db.prepare(`DELETE FROM ${ids} WHERE step = ?`).run(step)
    }
    if (this.alsoRows > 0) this.db.prepare("DELETE FROM stage_also WHERE step = ?").run(step)
  }

  private visible(kind: number, steps: ReadonlySet<string>, owner: string, id: Uint8Array): boolean {
    if (steps.has(owner)) return true
    if (this.alsoRows === 0) return false
    const also = this.alsoOf.all(kind, id) as Array<{
      step: string
    }>
    return also.some((row) => steps.has(row.step))
  }

  *entitiesOf(steps: ReadonlySet<string>, type: string): Iterable<EntityRecord> {
    const statement = this.db.prepare("SELECT * FROM stage_e WHERE type = ? ORDER BY row")
    try {
      for (const row of statement.iterate(type) as IterableIterator<EntityRow>) {
        if (this.visible(ENTITY, steps, row.step, row.id)) yield entityRecord(row)
      }
    } finally {
      statement.finalize()
    }
  }

  entityById(steps: ReadonlySet<string>, id: string): EntityRecord | undefined {
    const row = this.byId.get(toBlob(id)) as EntityRow | null
    return row !== null && this.visible(ENTITY, steps, row.step, row.id) ? entityRecord(row) : undefined
  }

  hasEntity(steps: ReadonlySet<string>, id: string): boolean {
    const blob = toBlob(id)
    const row = this.findEntity.get(blob) as { step: string } | null
    return row !== null && this.visible(ENTITY, steps, row.step, blob)
  }

  *relationshipsOf(steps: ReadonlySet<string>, verb: string | undefined): Iterable<RelationshipRecord> {
    const statement =
      verb === undefined
        ? this.db.prepare("SELECT * FROM stage_r ORDER BY row")
        : this.db.prepare("SELECT * FROM stage_r WHERE verb = ? ORDER BY row")
    try {
      const rows = (
        verb === undefined ? statement.iterate() : statement.iterate(verb)
      ) as IterableIterator<RelationshipRow>
      for (const row of rows) {
        if (this.visible(RELATIONSHIP, steps, row.step, row.id)) yield relationshipRecord(row)
      }
    } finally {
      statement.finalize()
    }
  }
}
