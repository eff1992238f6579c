import type { SQL } from "bun"
import { Chunk, type Effect, Option, Stream } from "effect"
import type { EntityRef, RelationshipRef } from "../../model/Outcome.ts"
import { collectorNudge, READ_BACK_NUDGE } from "../../sync/Collector.ts"
import type {
  CommittedRow,
  Kind,
  Mutant,
  ScopeRef,
  ScopeState,
  StoreFailure,
  Write,
  WriteTransaction
} from "../../sync/Store.ts"
import { ascending, type Spill } from "../../sync/staging/Spill.ts"
import type { StepDigest } from "../../sync/staging/StepDigests.ts"
import { RUN_STEP_COLUMNS, runStepValues } from "../RunRows.ts"
import { copyLines, ENTITY_COLUMNS, entityLine, RELATIONSHIP_COLUMNS, relationshipLine } from "./Copy.ts"

const TABLES = ["entities", "relationships"] as const

/** How many committed rows one page of the diff's stream reads (keyset paging: results are buffered). */
const PAGE = 20_000
/** How many ids one array parameter carries. */
const IDS = 20_000

/** Runs a query as an effect; what it throws becomes the store's typed failure. */
export type Attempt = <A>(operation: string, run: () => Promise<A>) => Effect.Effect<A, StoreFailure>

const chunks = <A>(values: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let at = 0; at < values.length; at += size) out.push(values.slice(at, at + size))
  return out
}

/** The content columns an update sets, per kind. */
const UPDATED = [
  ["type", "key", "class", "display_name", "properties", "hash", "step"],
  [
    ...["verb", "from_id", "from_type", "from_key", "to_id", "to_type", "to_key", "to_account", "rel_key"],
    ...["properties", "hash", "step", "local"]
  ]
] as const

/**
 * The driver's side of a commit on the session's connection `sql`, inside its transaction: reads are
 * keyset-paged, lists of ids are array parameters, staged rows come from the spill by COPY. A scope's rows
 * are `WHERE scope_id = ...` in every statement (the mutants leave that out, to prove the tests see it).
 */
export const transaction = (
  sql: SQL,
  scope: ScopeRef,
  spill: Spill | undefined,
  attempt: Attempt,
  mutant: Mutant | undefined
): WriteTransaction => {
  let scopeId = -1
  let generation = 0
  let runId = 0

  const readScope = async () => {
    const [row] = (await sql.unsafe(
      "SELECT scope_id::float8 AS scope_id, generation FROM scopes WHERE connector = $1 AND account = $2",
      [scope.connector, scope.account]
    )) as Array<{ scope_id: number; generation: number }>
    scopeId = row?.scope_id ?? -1
    generation = row?.generation ?? 0
  }

  const state: Effect.Effect<ScopeState, StoreFailure> = attempt("read the scope", async () => {
    await readScope()
    const rows: Array<number> = []
    for (const table of TABLES) {
      const [row] = (await sql.unsafe(`SELECT count(*)::float8 AS n FROM ${table} WHERE scope_id = $1`, [
        scopeId
      ])) as Array<{ n: number }>
      rows.push(row?.n ?? 0)
    }
    const digests: [Map<string, StepDigest>, Map<string, StepDigest>] = [new Map(), new Map()]
    const stored = (await sql.unsafe("SELECT kind, step, rows, digest FROM step_digests WHERE scope_id = $1", [
      scopeId
    ])) as Array<{ kind: Kind; step: string; rows: number; digest: string }>
    for (const row of stored) digests[row.kind].set(row.step, { rows: row.rows, digest: row.digest })
    return { generation, rows: [rows[0] ?? 0, rows[1] ?? 0] as const, digests }
  })

  const committed = (kind: Kind, skip: ReadonlySet<string>): Stream.Stream<CommittedRow, StoreFailure> => {
    const columns = kind === 0 ? "id, hash, step" : "id, hash, step, local, from_id, to_id"
    const skipped = `AND (step <> ALL($3::text[])${kind === 1 ? " OR NOT local" : ""})`
    const steps = [...skip]
    return Stream.paginateChunkEffect(undefined as Uint8Array | undefined, (after) =>
      attempt("read committed rows", async () => {
        if (after === undefined) await readScope()
        const rows = (await sql.unsafe(
          `SELECT ${columns} FROM ${TABLES[kind]} WHERE scope_id = $1 ${skipped}
           ${after === undefined ? "" : "AND id > $4"} ORDER BY id LIMIT $2`,
          after === undefined ? [scopeId, PAGE, steps] : [scopeId, PAGE, steps, after]
        )) as Array<{
          id: Uint8Array
          hash: Uint8Array
          step: string
          local?: boolean
          from_id?: Uint8Array
          to_id?: Uint8Array
        }>
        const chunk = rows.map(
          (row): CommittedRow => ({
            id: row.id,
            hash: row.hash,
            step: row.step,
            local: row.local === true,
            fromId: row.from_id ?? row.id,
            toId: row.to_id ?? row.id
          })
        )
        const last = rows.at(-1)
        return [
          Chunk.unsafeFromArray(chunk),
          rows.length < PAGE || last === undefined ? Option.none() : Option.some(last.id)
        ] as const
      })
    )
  }

  const existing = (ids: ReadonlyArray<Uint8Array>, kept: ReadonlySet<string>) =>
    attempt("look up endpoints", async () => {
      await readScope()
      const found: Array<Uint8Array> = []
      for (const part of chunks(ids, IDS)) {
        const rows = (await sql.unsafe(
          `SELECT i.id FROM unnest($1::bytea[]) AS i(id) WHERE
             EXISTS (SELECT 1 FROM entities x WHERE x.id = i.id AND x.scope_id <> $2)
             OR EXISTS (SELECT 1 FROM entities x WHERE x.scope_id = $2 AND x.id = i.id AND x.step = ANY($3::text[]))`,
          [part, scopeId, [...kept]]
        )) as Array<{ id: Uint8Array }>
        for (const row of rows) found.push(row.id)
      }
      return found
    })

  const describe = (kind: Kind, ids: ReadonlyArray<Uint8Array>) =>
    attempt("read rows", async () => {
      await readScope()
      const columns =
        kind === 0 ? "t.type, t.key" : "t.verb, t.from_type, t.from_key, t.to_type, t.to_key, t.to_account, t.rel_key"
      const refs: Array<EntityRef | RelationshipRef> = []
      for (const part of chunks(ids, IDS)) {
        const rows = (await sql.unsafe(
          `SELECT ${columns} FROM unnest($2::bytea[]) WITH ORDINALITY AS i(id, n)
           JOIN ${TABLES[kind]} t ON t.scope_id = $1 AND t.id = i.id ORDER BY i.n`,
          [scopeId, part]
        )) as Array<Record<string, string | null>>
        for (const row of rows) {
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
      }
      return refs
    })

  /**
   * The staged rows of a write, as COPY lines with the scope, generation and time set. Each row read leaves
   * its record behind: the collector is nudged as it goes (see `collectorNudge`).
   */
  function* stagedLines(kind: Kind, rows: Uint32Array | "all", nonLocal: ReadonlySet<number>): Generator<string> {
    if (spill === undefined) throw new Error("a write of staged rows needs the sync's spill")
    const prefix = `${scopeId}\t`
    const suffix = `${generation}\t${Date.now()}`
    const nudge = collectorNudge(READ_BACK_NUDGE)
    if (kind === 0) {
      for (const row of rows === "all" ? spill.entitiesOfType(undefined) : spill.entities(ascending(rows))) {
        nudge()
        yield entityLine(prefix, suffix, row)
      }
    } else {
      for (const row of rows === "all" ? spill.relationships(undefined) : spill.relationshipsAt(ascending(rows))) {
        nudge()
        yield relationshipLine(prefix, suffix, row, !nonLocal.has(row.row))
      }
    }
  }

  const apply = async (write: Write): Promise<void> => {
    switch (write._tag) {
      case "Generation": {
        await sql.unsafe(
          `INSERT INTO scopes (connector, account, generation) VALUES ($1, $2, $3)
           ON CONFLICT (connector, account) DO UPDATE SET generation = excluded.generation`,
          [scope.connector, scope.account, write.generation]
        )
        await readScope()
        return
      }
      case "Delete": {
        const inScope = mutant === "cross-scope-delete" ? "" : "scope_id = $2 AND "
        for (const part of chunks(write.ids, IDS)) {
          await sql.unsafe(`DELETE FROM ${TABLES[write.kind]} WHERE ${inScope}id = ANY($1::bytea[])`, [part, scopeId])
        }
        return
      }
      case "Insert": {
        const columns = write.kind === 0 ? ENTITY_COLUMNS : RELATIONSHIP_COLUMNS
        await copyLines(sql, TABLES[write.kind], columns, stagedLines(write.kind, write.rows, write.nonLocal))
        return
      }
      case "Update": {
        const table = TABLES[write.kind]
        const columns = write.kind === 0 ? ENTITY_COLUMNS : RELATIONSHIP_COLUMNS
        await sql.unsafe(`CREATE TEMP TABLE IF NOT EXISTS staged_${table} (LIKE ${table}) ON COMMIT DELETE ROWS`)
        await sql.unsafe(`TRUNCATE staged_${table}`)
        await copyLines(sql, `staged_${table}`, columns, stagedLines(write.kind, write.rows, write.nonLocal))
        const set = UPDATED[write.kind].map((column) => `${column} = u.${column}`).join(", ")
        const inScope = mutant === "cross-scope-update" ? "" : "t.scope_id = $1 AND "
        await sql.unsafe(
          `UPDATE ${table} t SET ${set}, generation = u.generation FROM staged_${table} u
           WHERE ${inScope}t.id = u.id`,
          mutant === "cross-scope-update" ? [] : [scopeId]
        )
        return
      }
      case "Locality": {
        for (const part of chunks(write.ids, IDS)) {
          await sql.unsafe("UPDATE relationships SET local = $3 WHERE scope_id = $1 AND id = ANY($2::bytea[])", [
            scopeId,
            part,
            write.local
          ])
        }
        return
      }
      case "Digests": {
        await sql.unsafe("DELETE FROM step_digests WHERE scope_id = $1", [scopeId])
        const kinds: Array<number> = []
        const steps: Array<string> = []
        const rows: Array<number> = []
        const digests: Array<string> = []
        for (const kind of [0, 1] as const) {
          for (const [step, digest] of write.digests[kind]) {
            kinds.push(kind)
            steps.push(step)
            rows.push(digest.rows)
            digests.push(digest.digest)
          }
        }
        await sql.unsafe(
          `INSERT INTO step_digests (scope_id, kind, step, rows, digest)
           SELECT $1, k, s, r, d FROM unnest($2::smallint[], $3::text[], $4::integer[], $5::text[]) AS u(k, s, r, d)`,
          [scopeId, kinds, steps, rows, digests]
        )
        return
      }
      case "Run": {
        const { run } = write
        const [row] = (await sql.unsafe(
          `INSERT INTO runs (scope_id, generation, sync_id, status, stats, started_at, finished_at, error)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING run_id::float8 AS run_id`,
          [
            scopeId,
            generation,
            run.syncId,
            run.status,
            JSON.stringify(run.stats),
            run.startedAt.getTime(),
            run.finishedAt.getTime(),
            run.error ?? null
          ]
        )) as Array<{ run_id: number }>
        runId = row?.run_id ?? 0
        return
      }
      case "RunStep":
        await sql.unsafe(
          `INSERT INTO run_steps (${RUN_STEP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          runStepValues(runId, write)
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
      attempt("commit", async () => {
        await apply(write)
        if (mutant === "non-atomic") {
          await sql.unsafe("COMMIT")
          await sql.unsafe("BEGIN")
        }
      })
  }
}
