import { Duration, Effect, Layer, Schedule, type Scope, Stream } from "effect"
import { toBytes, toHex } from "../../model/Ids.ts"
import type { EntityRef, RelationshipRef } from "../../model/Outcome.ts"
import {
  type CommittedRow,
  type Kind,
  type ReadSession,
  type ReadTransaction,
  type RunStep,
  ScopeLocked,
  type ScopeRef,
  Store,
  type StoreDriver,
  type StoreTesting,
  type Write,
  type WriteSession,
  type WriteTransaction
} from "../../sync/Store.ts"
import type { Spill } from "../../sync/staging/Spill.ts"
import type { StepDigest } from "../../sync/staging/StepDigests.ts"
import * as Reads from "./MemoryReads.ts"
import { type MemoryRow, MemoryState, type StoredRun } from "./MemoryState.ts"

/** Options of the memory driver. */
export interface MemoryStoreOptions {
  /** How long `begin` waits for another session of the same scope (default 60 s). */
  readonly lockTimeoutMs?: number
  /** @internal Fault injection, deliberate bugs and plan choices (see `StoreTesting`). */
  readonly testing?: StoreTesting
}

const key = (scope: ScopeRef) => `${scope.connector}\u0000${scope.account}`

/** A staged row a write names, as the scope will store it (content from the spill), with its spill row. */
type Staged = Omit<MemoryRow, "generation" | "firstSeenAt" | "local"> & { readonly row: number }

function* stagedRows(spill: Spill, kind: Kind, rows: Uint32Array | "all"): Iterable<Staged> {
  if (kind === 0) {
    for (const { row, step, record, json } of rows === "all" ? spill.entitiesOfType(undefined) : spill.entities(rows)) {
      yield {
        row,
        id: record.id,
        hash: record.hash,
        step,
        content: {
          type: record.type,
          key: record.key,
          class: record.class,
          display_name: record.displayName,
          properties: json
        }
      }
    }
    return
  }
  const relationships = rows === "all" ? spill.relationships(undefined) : spill.relationshipsAt(rows)
  for (const { row, step, record, json } of relationships) {
    yield {
      row,
      id: record.id,
      hash: record.hash,
      step,
      content: {
        verb: record.verb,
        from_id: record.fromId,
        from_type: record.fromType,
        from_key: record.fromKey,
        to_id: record.toId,
        to_type: record.toType,
        to_key: record.toKey,
        to_account: record.toAccount ?? null,
        rel_key: record.key ?? null,
        properties: json
      }
    }
  }
}

/**
 * The memory driver: the store in maps, for unit tests and the harness's own tests. It passes the same
 * contract suite as SQLite. A write transaction queues its writes and applies them all when it commits
 * (the `non-atomic` mutant applies each at once); reads in it see the state it began with.
 */
export const make = (options: MemoryStoreOptions = {}): Effect.Effect<StoreDriver> =>
  Effect.sync(() => {
    const state = new MemoryState()
    const testing = options.testing ?? {}
    const locks = new Map<string, string>()

    const transaction = (scope: ScopeRef, spill: Spill | undefined, queue: Array<() => void>): WriteTransaction => {
      let scopeId = -1
      let generation = 0
      let run: StoredRun | undefined
      const current = () => state.scopeOf(scope)
      const enqueue = (apply: () => void) => {
        if (testing.mutant === "non-atomic") apply()
        else queue.push(apply)
      }
      const rowsOf = (kind: Kind, id: number) => state.rows[kind].get(id) ?? new Map<string, MemoryRow>()
      const read: ReadTransaction = {
        state: Effect.sync(() => {
          const found = current()
          const digests = state.digests.get(found?.id ?? -1)
          return {
            generation: found?.generation ?? 0,
            rows: [rowsOf(0, found?.id ?? -1).size, rowsOf(1, found?.id ?? -1).size] as const,
            digests: digests ?? [new Map<string, StepDigest>(), new Map<string, StepDigest>()]
          }
        }),
        committed: (kind, skip) =>
          Stream.suspend(() => {
            const rows = [...rowsOf(kind, current()?.id ?? -1).values()]
              .filter((row) => !skip.has(row.step) || (kind === 1 && !row.local))
              .sort((a, b) => (a.id < b.id ? -1 : 1))
            return Stream.fromIterable(
              rows.map(
                (row): CommittedRow => ({
                  id: toBytes(row.id),
                  hash: toBytes(row.hash),
                  step: row.step,
                  local: row.local,
                  fromId: toBytes(kind === 0 ? row.id : String(row.content.from_id)),
                  toId: toBytes(kind === 0 ? row.id : String(row.content.to_id))
                })
              )
            )
          }),
        existing: (ids, kept) =>
          Effect.sync(() => {
            const own = current()?.id ?? -1
            return ids.filter((bytes) => {
              const id = toHex(bytes)
              for (const [scopeOf, rows] of state.rows[0]) {
                const row = rows.get(id)
                if (row !== undefined && (scopeOf !== own || kept.has(row.step))) return true
              }
              return false
            })
          }),
        describe: (kind, ids) =>
          Effect.sync(() => {
            const rows = rowsOf(kind, current()?.id ?? -1)
            return ids.flatMap((bytes): Array<EntityRef | RelationshipRef> => {
              const row = rows.get(toHex(bytes))
              if (row === undefined) return []
              const c = row.content as Record<string, string | null>
              return kind === 0
                ? [{ type: String(c.type), key: String(c.key) }]
                : [
                    {
                      verb: String(c.verb),
                      from: { type: String(c.from_type), key: String(c.from_key) },
                      to: { type: String(c.to_type), key: String(c.to_key) },
                      ...(c.to_account === null ? {} : { toAccount: String(c.to_account) }),
                      ...(c.rel_key === null ? {} : { key: String(c.rel_key) })
                    }
                  ]
            })
          })
      }
      const apply = (write: Write): void => {
        switch (write._tag) {
          case "Generation": {
            scopeId = current()?.id ?? state.reserveScope()
            generation = write.generation
            const id = scopeId
            enqueue(() => state.setScope(scope, id, write.generation))
            return
          }
          case "Delete": {
            const id = scopeId
            const ids = write.ids.map((bytes) => toHex(bytes))
            enqueue(() => {
              const scopes = testing.mutant === "cross-scope-delete" ? [...state.rows[write.kind].keys()] : [id]
              for (const scopeOf of scopes) for (const rowId of ids) state.rows[write.kind].get(scopeOf)?.delete(rowId)
            })
            return
          }
          case "Update":
          case "Insert": {
            if (spill === undefined) throw new Error("a write of staged rows needs the sync's spill")
            const id = scopeId
            const at = generation
            const now = Date.now()
            const rows = [...stagedRows(spill, write.kind, write.rows)]
            const update = write._tag === "Update"
            enqueue(() => {
              // The mutant updates a row of that id in every scope, not only in this one.
              const scopes =
                update && testing.mutant === "cross-scope-update" ? [...state.rows[write.kind].keys()] : [id]
              for (const row of rows) {
                const stored: MemoryRow = {
                  id: row.id,
                  hash: row.hash,
                  step: row.step,
                  content: row.content,
                  generation: at,
                  firstSeenAt: now,
                  local: write.kind === 1 && !write.nonLocal.has(row.row)
                }
                if (!update) {
                  state.scopeRows(write.kind, id).set(row.id, stored)
                  continue
                }
                for (const scopeOf of scopes) {
                  const existing = state.rows[write.kind].get(scopeOf)?.get(row.id)
                  if (existing !== undefined) {
                    state.scopeRows(write.kind, scopeOf).set(row.id, { ...stored, firstSeenAt: existing.firstSeenAt })
                  }
                }
              }
            })
            return
          }
          case "Locality": {
            const id = scopeId
            const ids = write.ids.map((bytes) => toHex(bytes))
            enqueue(() => {
              const rows = state.scopeRows(1, id)
              for (const rowId of ids) {
                const row = rows.get(rowId)
                if (row !== undefined) rows.set(rowId, { ...row, local: write.local })
              }
            })
            return
          }
          case "Digests": {
            const id = scopeId
            enqueue(() => state.digests.set(id, [new Map(write.digests[0]), new Map(write.digests[1])]))
            return
          }
          case "Run": {
            const stored: StoredRun = { scope, generation, content: write.run, steps: [] }
            run = stored
            enqueue(() => state.runs.push(stored))
            return
          }
          case "RunStep": {
            const target = run
            const step: RunStep = write.step
            enqueue(() => target?.steps.push(step))
            return
          }
        }
      }
      return { ...read, write: (write) => Effect.sync(() => apply(write)) }
    }

    /** Runs `body` as one transaction: its queued writes applied when it succeeds, dropped otherwise. */
    const transact = <A, E>(
      scope: ScopeRef,
      spill: Spill | undefined,
      body: (tx: WriteTransaction) => Effect.Effect<A, E>
    ) =>
      Effect.suspend(() => {
        const queue: Array<() => void> = []
        return body(transaction(scope, spill, queue)).pipe(
          Effect.tap(() =>
            Effect.sync(() => {
              for (const apply of queue) apply()
            })
          )
        )
      })

    const lock = (
      scope: ScopeRef,
      holder: string,
      timeoutMs: number,
      onWait: ((holder: string, timeoutMs: number) => void) | undefined
    ) => {
      const start = Date.now()
      let waiting = false
      return Effect.suspend(() => {
        const current = locks.get(key(scope))
        if (current === undefined) {
          locks.set(key(scope), holder)
          return Effect.void
        }
        if (!waiting) {
          waiting = true
          onWait?.(`session ${current}`, timeoutMs)
        }
        return Effect.fail(current)
      }).pipe(
        Effect.retry({ schedule: Schedule.spaced(Duration.millis(10)), while: () => Date.now() - start < timeoutMs }),
        Effect.mapError(
          (current) =>
            new ScopeLocked({
              connector: scope.connector,
              account: scope.account,
              waitedMs: Date.now() - start,
              holder: `session ${current}`
            })
        )
      )
    }

    const begin: StoreDriver["begin"] = (scope, beginOptions = {}) =>
      Effect.gen(function* () {
        const holder = crypto.randomUUID().slice(0, 8)
        yield* Effect.acquireRelease(
          lock(scope, holder, beginOptions.lockTimeoutMs ?? options.lockTimeoutMs ?? 60_000, beginOptions.onLockWait),
          () => Effect.sync(() => (locks.get(key(scope)) === holder ? locks.delete(key(scope)) : undefined))
        )
        const session: WriteSession = {
          scope,
          read: (spill, body) => transact(scope, spill, (tx) => body(tx)),
          write: (spill, body) => transact(scope, spill, body)
        }
        return session
      })

    const beginReadOnly = (scope: ScopeRef): Effect.Effect<ReadSession, never, Scope.Scope> =>
      Effect.succeed({ scope, read: (spill, body) => transact(scope, spill, (tx) => body(tx)) })

    return Store.of({
      location: "memory",
      testing,
      begin,
      beginReadOnly,
      stats: () => Effect.sync(() => Reads.stats(state)),
      entities: (filter) => Effect.sync(() => Reads.entities(state, filter)),
      relationships: (filter) => Effect.sync(() => Reads.relationships(state, filter)),
      history: (filter) => Effect.sync(() => Reads.history(state, filter)),
      exportGraph: () => Stream.suspend(() => Stream.fromIterable(Reads.graph(state))),
      dump: () => Effect.sync(() => Reads.dump(state))
    })
  })

/** A fresh memory store with these options. */
export const layerWith = (options: MemoryStoreOptions): Layer.Layer<Store> => Layer.effect(Store, make(options))

/** A fresh, empty memory store. */
export const layer: Layer.Layer<Store> = layerWith({})
