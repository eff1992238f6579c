import type { Kind, RunContent, RunStep, ScopeRef } from "../../sync/Store.ts"
import type { StepDigest } from "../../sync/staging/StepDigests.ts"

/** One stored row: content columns named as the SQLite store names them (the dumps compare alike). */
export interface MemoryRow {
  readonly id: string
  readonly hash: string
  readonly step: string
  readonly content: Readonly<Record<string, string | number | null>>
  readonly generation: number
  readonly firstSeenAt: number
  readonly local: boolean
}

export interface MemoryScope extends ScopeRef {
  readonly id: number
  readonly generation: number
}

export interface StoredRun {
  readonly scope: ScopeRef
  readonly generation: number
  readonly content: RunContent
  readonly steps: Array<RunStep>
}

const key = (scope: ScopeRef) => `${scope.connector}\u0000${scope.account}`

/** The memory store's tables. */
export class MemoryState {
  readonly scopes = new Map<string, MemoryScope>()
  private nextScope = 1
  /** Rows of each kind, by scope id, by id (hex). */
  readonly rows: readonly [Map<number, Map<string, MemoryRow>>, Map<number, Map<string, MemoryRow>>] = [
    new Map(),
    new Map()
  ]
  readonly digests = new Map<number, readonly [ReadonlyMap<string, StepDigest>, ReadonlyMap<string, StepDigest>]>()
  readonly runs: Array<StoredRun> = []

  scopeOf(scope: ScopeRef): MemoryScope | undefined {
    return this.scopes.get(key(scope))
  }

  scopeById(id: number): MemoryScope | undefined {
    for (const scope of this.scopes.values()) if (scope.id === id) return scope
    return undefined
  }

  /** A new scope id, for a scope that a transaction is about to create. */
  reserveScope(): number {
    return this.nextScope++
  }

  setScope(scope: ScopeRef, id: number, generation: number): void {
    this.scopes.set(key(scope), { connector: scope.connector, account: scope.account, id, generation })
  }

  scopeRows(kind: Kind, id: number): Map<string, MemoryRow> {
    let rows = this.rows[kind].get(id)
    if (rows === undefined) {
      rows = new Map()
      this.rows[kind].set(id, rows)
    }
    return rows
  }
}
