import type { Database, Statement } from "bun:sqlite"
import { Chunk, Effect, Option, Stream } from "effect"
import type { EntityRef, RelationshipRef } from "../../model/Outcome.ts"
import { collectorNudge, READ_BACK_NUDGE } from "../../sync/Collector.ts"
import type {
  CommittedRow,
  Kind,
  Mutant,
  ReadTransaction,
  ScopeRef,
  ScopeState,
  StoreFailure,
  Write,
  WriteTransaction
} from "../../sync/Store.ts"
import { ascending, type Spill } from "../../sync/staging/Spill.ts"
import { entityValues, relationshipValues, SPILL_COLUMNS, Table } from "../../sync/staging/SqliteSpill.ts"
import type { StepDigest } from "../../sync/staging/StepDigests.ts"
import { RUN_STEP_COLUMNS, runStepValues } from "../RunRows.ts"

/** The schema under which a sync's spill file is attached to its session's connection. */
export const STAGE = "stage"

const TABLES = ["entities", "relationships"] as const
const STAGED = [`${STAGE}.stage_e`, `${STAGE}.stage_r`] as const

/** The content columns of each kind, as the store and the spill name them. */
const COLUMNS = [
  ["type", "key", "class", "display_name", "properties", "hash", "step"],
  [
    "verb",
    "from_id",
    "from_type",
    "from_key",
    "to_id",
    "to_type",
    "to_key",
    "to_account",
    "rel_key",
    "properties",
    "hash",
    "step"
  ]
] as const

/**
 * The columns an update may change, of each kind: those of its content hash, and its owning step. An
 * id determines the rest (an entity's id is its account, type and key; a relationship's its endpoints'
 * ids, verb and key), so an update that set them again would rewrite their index entries
 * (`entities_by_type`, `relationships_by_verb`, `relationships_nonlocal`) with the values they hold.
 */
const UPDATED = [
  ["class", "display_name", "properties", "hash", "step"],
  ["properties", "hash", "step"]
] as const

const list = (columns: ReadonlyArray<string>, prefix = "") => columns.map((column) => `${prefix}${column}`).join(", ")

/** How many committed rows a chunk of the diff's stream holds. */
const CHUNK = 4096

/** Runs synchronous SQL as an effect; what it throws becomes the store's typed failure. */
export type Attempt = <A>(operation: string, run: () => A) => Effect.Effect<A, StoreFailure>

/**
 * The driver's side of a commit on one connection: the store (`main`, or attached as `store` for a
 * read-only session, where unqualified names still resolve to it) and the sync's spill attached as
 * `stage` (a spill with no file, a log, has the rows a write needs read into a TEMP table of the same
 * columns). Ids and hashes are 16-byte BLOBs; lists the core hands over go to TEMP tables first, so every
 * write is one set-wise statement.
 */
export const transaction = (
  db: Database,
  scope: ScopeRef,
  attempt: Attempt,
  mutant: Mutant | undefined,
  spill?: Spill
): WriteTransaction => {
  let scopeId = -1
  let generation = 0
  let runId = 0
  let nonLocalFilled: ReadonlySet<number> | undefined

  /** An emptied TEMP table; `keyed`: its first column is its key (a WITHOUT ROWID table). */
  const temp = (name: string, columns: string, keyed = false) => {
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS ${name} (${columns})${keyed ? " WITHOUT ROWID" : ""}`)
    db.exec(`DELETE FROM temp.${name}`)
    return `temp.${name}`
  }
  const fill = (table: string, values: Iterable<Uint8Array | number>) => {
    const insert = db.prepare(`INSERT OR IGNORE INTO ${table} VALUES (?)`)
    try {
      for (const value of values) insert.run(value)
    } finally {
      insert.finalize()
    }
  }
  const idList = (ids: ReadonlyArray<Uint8Array>) => {
    const table = temp("ids", "id BLOB PRIMARY KEY", true)
    fill(table, ids)
    return table
  }
  const rowList = (rows: Uint32Array) => {
    const table = temp("staged_rows", "row INTEGER PRIMARY KEY")
    fill(table, rows)
    return table
  }
  /**
   * The staged rows a write reads, as `s`: from the attached spill's table, or read from a log spill into
   * a TEMP table (only the rows it needs; the collector nudged as they are read, see `collectorNudge`).
   */
  const stagedRows = (kind: Kind, rows: Uint32Array | "all"): { readonly table: string; readonly from: string } => {
    if (spill === undefined) throw new Error("a write of staged rows needs the sync's spill")
    if (spill.file !== undefined) {
      const table = STAGED[kind]
      return { table, from: rows === "all" ? `${table} s` : `${rowList(rows)} r JOIN ${table} s ON s.row = r.row` }
    }
    const table = temp(`staged_${kind}`, SPILL_COLUMNS[kind])
    const into = new Table(db, kind, table)
    const nudge = collectorNudge(READ_BACK_NUDGE)
    try {
      if (kind === 0) {
        const read = rows === "all" ? spill.entitiesOfType(undefined) : spill.entities(ascending(rows))
        for (const row of read) {
          nudge()
          into.write(entityValues(row.row, row.step, row.record, row.json))
        }
      } else {
        const read = rows === "all" ? spill.relationships(undefined) : spill.relationshipsAt(ascending(rows))
        for (const row of read) {
          nudge()
          into.write(relationshipValues(row.row, row.step, row.record, row.json))
        }
      }
      into.settle()
    } finally {
      into.finalize()
    }
    return { table, from: `${table} s` }
  }
  /** `local` of a staged relationship at `s`: not one of the transaction's non-local rows. */
  const localOf = (nonLocal: ReadonlySet<number>) => {
    if (nonLocalFilled !== nonLocal) {
      fill(temp("non_local", "row INTEGER PRIMARY KEY"), nonLocal)
      nonLocalFilled = nonLocal
    }
    return "NOT EXISTS (SELECT 1 FROM temp.non_local n WHERE n.row = s.row)"
  }
  const readScope = () => {
    const row = db
      .query("SELECT scope_id, generation FROM scopes WHERE connector = ? AND account = ?")
      .get(scope.connector, scope.account) as { scope_id: number; generation: number } | null
    scopeId = row?.scope_id ?? -1
    generation = row?.generation ?? 0
  }

  const state: Effect.Effect<ScopeState, StoreFailure> = attempt("read the scope", () => {
    readScope()
    const rows = TABLES.map(
      (table) => (db.query(`SELECT count(*) AS n FROM ${table} WHERE scope_id = ?`).get(scopeId) as { n: number }).n
    ) as unknown as readonly [number, number]
    const digests: [Map<string, StepDigest>, Map<string, StepDigest>] = [new Map(), new Map()]
    const stored = db
      .query("SELECT kind, step, rows, digest FROM step_digests WHERE scope_id = ?")
      .all(scopeId) as Array<{ kind: Kind; step: string; rows: number; digest: string }>
    for (const row of stored) digests[row.kind].set(row.step, { rows: row.rows, digest: row.digest })
    return { generation, rows, digests }
  })

  const committed = (kind: Kind, skip: ReadonlySet<string>): Stream.Stream<CommittedRow, StoreFailure> =>
    Stream.unwrapScoped(
      Effect.gen(function* () {
        const columns = kind === 0 ? "id, hash, step" : "id, hash, step, local, from_id, to_id"
        // The skipped steps as one JSON array parameter; SQLite drops their rows without handing them over.
        const skipped =
          skip.size === 0
            ? ""
            : `AND (step NOT IN (SELECT value FROM json_each(?))${kind === 1 ? " OR local = 0" : ""})`
        const statement: Statement = yield* Effect.acquireRelease(
          attempt("read committed rows", () => {
            readScope()
            return db.prepare(`SELECT ${columns} FROM ${TABLES[kind]} WHERE scope_id = ? ${skipped} ORDER BY id`)
          }),
          (statement) => Effect.sync(() => statement.finalize())
        )
        const rows = (
          skip.size === 0 ? statement.iterate(scopeId) : statement.iterate(scopeId, JSON.stringify([...skip]))
        ) as IterableIterator<{
          id: Uint8Array
          hash: Uint8Array
          step: string
          local?: number
          from_id?: Uint8Array
          to_id?: Uint8Array
        }>
        return Stream.repeatEffectChunkOption(
          attempt("read committed rows", () => {
            const chunk: Array<CommittedRow> = []
            for (let next = rows.next(); !next.done; next = rows.next()) {
              const row = next.value
              chunk.push({
                id: row.id,
                hash: row.hash,
                step: row.step,
                local: row.local === 1,
                // Entities: the id again (unused), not read twice more from SQLite.
                fromId: row.from_id ?? row.id,
                toId: row.to_id ?? row.id
              })
              if (chunk.length >= CHUNK) break
            }
            return chunk
          }).pipe(
            Effect.mapError(Option.some),
            Effect.flatMap((chunk) =>
              chunk.length === 0 ? Effect.fail(Option.none()) : Effect.succeed(Chunk.unsafeFromArray(chunk))
            )
          )
        )
      })
    )

  const existing = (ids: ReadonlyArray<Uint8Array>, kept: ReadonlySet<string>) =>
    attempt("look up endpoints", () => {
      readScope()
      const lookup = temp("lookup", "id BLOB PRIMARY KEY", true)
      fill(lookup, ids)
      const keptSteps = temp("kept", "step TEXT PRIMARY KEY", true)
      const insert = db.prepare(`INSERT OR IGNORE INTO ${keptSteps} VALUES (?)`)
      for (const step of kept) insert.run(step)
      insert.finalize()
      return (
        db
          .query(
            `SELECT i.id FROM ${lookup} i WHERE
               EXISTS (SELECT 1 FROM entities x WHERE x.id = i.id AND x.scope_id <> $scope)
               OR EXISTS (SELECT 1 FROM entities x WHERE x.scope_id = $scope AND x.id = i.id
                          AND x.step IN (SELECT step FROM ${keptSteps}))`
          )
          .all({ $scope: scopeId }) as Array<{ id: Uint8Array }>
      ).map((row) => row.id)
    })

  const describe = (kind: Kind, ids: ReadonlyArray<Uint8Array>) =>
    attempt("read rows", () => {
      readScope()
      const columns = kind === 0 ? "type, key" : "verb, from_type, from_key, to_type, to_key, to_account, rel_key"
      const read = db.query(`SELECT ${columns} FROM ${TABLES[kind]} WHERE scope_id = ? AND id = ?`)
      const refs: Array<EntityRef | RelationshipRef> = []
      for (const id of ids) {
        const row = read.get(scopeId, id) as Record<string, string | null> | null
        if (row === null) continue
        refs.push(
          kind === 0
            ? { type: String(row.type), key: String(row.key) }
            : {
                verb: String(row.verb),
                from: { type: String(row.from_type), key: String(row.from_key) },
                to: { type: String(row.to_type), key: String(row.to_key) },
                ...(row.to_account === null ? {} : { toAccount: String(row.to_account) }),
                ...(row.rel_key === null ? {} : { key: String(row.rel_key) })
              }
        )
      }
      return refs
    })

  const inScope = (cross: boolean) => (cross ? "" : "scope_id = $scope AND ")

  const apply = (write: Write): void => {
    const params = { $scope: scopeId, $generation: generation }
    switch (write._tag) {
      case "Generation": {
        db.query(
          `INSERT INTO scopes (connector, account, generation) VALUES (?, ?, ?)
           ON CONFLICT (connector, account) DO UPDATE SET generation = excluded.generation`
        ).run(scope.connector, scope.account, write.generation)
        readScope()
        return
      }
      case "Delete": {
        const ids = idList(write.ids)
        const where = inScope(mutant === "cross-scope-delete")
        db.query(`DELETE FROM ${TABLES[write.kind]} WHERE ${where}id IN (SELECT id FROM ${ids})`).run(params)
        return
      }
      case "Update": {
        const table = TABLES[write.kind]
        const { from } = stagedRows(write.kind, write.rows)
        const columns = UPDATED[write.kind]
        const local = write.kind === 1 ? ["local"] : []
        // The new values in id order, keyed by id: the update then walks its table and them together. Joined
        // by spill row instead, it read the staged rows in emission order, a TEMP page (beyond a small cache)
        // per row.
        const updates = temp(`updates_${write.kind}`, `id BLOB PRIMARY KEY, ${list([...columns, ...local])}`, true)
        db.query(
          `INSERT INTO ${updates} SELECT s.id, ${list(columns, "s.")}${write.kind === 1 ? `, ${localOf(write.nonLocal)}` : ""}
           FROM ${from} ORDER BY s.id`
        ).run()
        const where = inScope(mutant === "cross-scope-update")
        db.query(
          `UPDATE ${table} SET (${list([...columns, "generation", ...local])}) = (
             SELECT ${list(columns, "u.")}, $generation${write.kind === 1 ? ", u.local" : ""} FROM ${updates} u WHERE u.id = ${table}.id)
           WHERE ${where}id IN (SELECT id FROM ${updates})`
        ).run(params)
        return
      }
      case "Insert": {
        const table = TABLES[write.kind]
        const columns = COLUMNS[write.kind]
        const local = write.kind === 1 ? `, ${localOf(write.nonLocal)}` : ""
        const { from } = stagedRows(write.kind, write.rows)
        db.query(
          `INSERT INTO ${table} (scope_id, id, ${list(columns)}, generation, first_seen_at${write.kind === 1 ? ", local" : ""})
           SELECT $scope, s.id, ${list(columns, "s.")}, $generation, $now${local} FROM ${from} ORDER BY s.id`
        ).run({ ...params, $now: Date.now() })
        return
      }
      case "Locality": {
        const ids = idList(write.ids)
        db.query(
          `UPDATE relationships SET local = $local WHERE scope_id = $scope AND id IN (SELECT id FROM ${ids})`
        ).run({
          $scope: scopeId,
          $local: write.local ? 1 : 0
        })
        return
      }
      case "Digests": {
        db.query("DELETE FROM step_digests WHERE scope_id = ?").run(scopeId)
        const insert = db.query("INSERT INTO step_digests (scope_id, kind, step, rows, digest) VALUES (?, ?, ?, ?, ?)")
        for (const kind of [0, 1] as const) {
          for (const [step, digest] of write.digests[kind]) insert.run(scopeId, kind, step, digest.rows, digest.digest)
        }
        return
      }
      case "Run": {
        const { run } = write
        runId = Number(
          db
            .query(
              `INSERT INTO runs (scope_id, generation, sync_id, status, stats, started_at, finished_at, error)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
            )
            .run(
              scopeId,
              generation,
              run.syncId,
              run.status,
              JSON.stringify(run.stats),
              run.startedAt.getTime(),
              run.finishedAt.getTime(),
              run.error ?? null
            ).lastInsertRowid
        )
        return
      }
      case "RunStep":
        db.query(`INSERT INTO run_steps (${RUN_STEP_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
          ...runStepValues(runId, write)
        )
        return
    }
  }

  return {
    state,
    committed,
    existing,
    describe,
    write: (write) =>
      attempt("commit", () => {
        apply(write)
        if (mutant === "non-atomic") db.exec("COMMIT; BEGIN IMMEDIATE")
      })
  }
}

/** What a read transaction may do: the same, without the writes. */
export const readTransaction = (tx: WriteTransaction): ReadTransaction => ({
  state: tx.state,
  committed: tx.committed,
  existing: tx.existing,
  describe: tx.describe
})
