import type { Properties } from "../../model/Ids.ts"
import type {
  DumpRow,
  EntityFilter,
  GraphEntity,
  GraphItem,
  GraphRelationship,
  HistoryFilter,
  Kind,
  RelationshipFilter,
  RunRecord,
  Source,
  StoreDump,
  StoreStats,
  TypeCount
} from "../../sync/Store.ts"
import type { MemoryRow, MemoryScope, MemoryState, StoredRun } from "./MemoryState.ts"

/** The memory store's reads: the same answers as the SQLite store's (`Reads.ts` there), from maps. */

/** Text in code point order, as SQLite's BINARY collation orders UTF-8. */
const compare = (a: string, b: string): number => (a === b ? 0 : Buffer.compare(Buffer.from(a), Buffer.from(b)))

interface Located {
  readonly scope: MemoryScope
  readonly row: MemoryRow
}

/** Every row of `kind` with its scope, by id, each id's rows by connector then account. */
const byId = (state: MemoryState, kind: Kind, keep: (located: Located) => boolean): Array<Array<Located>> => {
  const groups = new Map<string, Array<Located>>()
  for (const [scopeId, rows] of state.rows[kind]) {
    const scope = state.scopeById(scopeId)
    if (scope === undefined) continue
    for (const row of rows.values()) {
      const located = { scope, row }
      if (!keep(located)) continue
      const group = groups.get(row.id) ?? []
      group.push(located)
      groups.set(row.id, group)
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => compare(a, b))
    .map(([, group]) =>
      group.sort((a, b) => compare(a.scope.connector, b.scope.connector) || compare(a.scope.account, b.scope.account))
    )
}

const sourceOf = ({ scope, row }: Located): Source => ({
  connector: scope.connector,
  account: scope.account,
  step: row.step,
  generation: row.generation
})

const entityOf = (group: ReadonlyArray<Located>): GraphEntity => {
  const { row } = group[0] as Located
  const c = row.content
  return {
    id: row.id,
    type: String(c.type),
    key: String(c.key),
    class: String(c.class),
    displayName: String(c.display_name),
    properties: JSON.parse(String(c.properties)) as Properties,
    sources: group.map(sourceOf)
  }
}

const relationshipOf = (group: ReadonlyArray<Located>): GraphRelationship => {
  const { row } = group[0] as Located
  const c = row.content
  return {
    id: row.id,
    verb: String(c.verb),
    fromId: String(c.from_id),
    fromType: String(c.from_type),
    fromKey: String(c.from_key),
    toId: String(c.to_id),
    toType: String(c.to_type),
    toKey: String(c.to_key),
    ...(c.to_account === null ? {} : { toAccount: String(c.to_account) }),
    ...(c.rel_key === null ? {} : { key: String(c.rel_key) }),
    properties: JSON.parse(String(c.properties)) as Properties,
    sources: group.map(sourceOf)
  }
}

/** Whether an entity with this id exists in some scope. */
const exists = (state: MemoryState, id: string): boolean => {
  for (const rows of state.rows[0].values()) if (rows.has(id)) return true
  return false
}

/** An edge whose endpoints both exist in some scope: the only edges reads return and stats count. */
const live = (state: MemoryState, row: MemoryRow): boolean =>
  exists(state, String(row.content.from_id)) && exists(state, String(row.content.to_id))

const inScope = (filter: { readonly connector?: string; readonly account?: string }, scope: MemoryScope) =>
  (filter.connector === undefined || scope.connector === filter.connector) &&
  (filter.account === undefined || scope.account === filter.account)

const limited = <A>(items: ReadonlyArray<A>, limit: number | undefined): ReadonlyArray<A> =>
  limit === undefined ? items : items.slice(0, Math.max(0, Math.floor(limit)))

export const entities = (state: MemoryState, filter: EntityFilter = {}): ReadonlyArray<GraphEntity> =>
  limited(
    byId(
      state,
      0,
      ({ scope, row }) => inScope(filter, scope) && (filter.type === undefined || row.content.type === filter.type)
    ).map(entityOf),
    filter.limit
  )

export const relationships = (state: MemoryState, filter: RelationshipFilter = {}): ReadonlyArray<GraphRelationship> =>
  limited(
    byId(
      state,
      1,
      ({ scope, row }) =>
        inScope(filter, scope) && (filter.verb === undefined || row.content.verb === filter.verb) && live(state, row)
    ).map(relationshipOf),
    filter.limit
  )

export function* graph(state: MemoryState): Generator<GraphItem> {
  for (const entity of entities(state)) yield { _tag: "Entity", ...entity }
  for (const relationship of relationships(state)) yield { _tag: "Relationship", ...relationship }
}

const sortedScopes = (state: MemoryState) =>
  [...state.scopes.values()].sort((a, b) => compare(a.connector, b.connector) || compare(a.account, b.account))

const runOf = (run: StoredRun): RunRecord => ({
  connector: run.scope.connector,
  account: run.scope.account,
  syncId: run.content.syncId,
  generation: run.generation,
  status: run.content.status,
  stats: run.content.stats,
  steps: [...run.steps],
  startedAt: run.content.startedAt,
  finishedAt: run.content.finishedAt,
  ...(run.content.error === undefined ? {} : { error: run.content.error })
})

export const stats = (state: MemoryState): StoreStats => {
  const types: Array<TypeCount> = []
  const scopes = sortedScopes(state).map((scope) => {
    const counts = new Map<string, number>()
    const totals = [0, 0]
    for (const kind of [0, 1] as const) {
      for (const row of state.rows[kind].get(scope.id)?.values() ?? []) {
        if (kind === 1 && !live(state, row)) continue
        totals[kind] = (totals[kind] as number) + 1
        const name = `${kind}\u0000${String(kind === 0 ? row.content.type : row.content.verb)}`
        counts.set(name, (counts.get(name) ?? 0) + 1)
      }
    }
    for (const [name, count] of [...counts.entries()].sort(([a], [b]) => compare(a, b))) {
      const [kind, type] = name.split("\u0000") as [string, string]
      types.push({
        connector: scope.connector,
        account: scope.account,
        kind: kind === "0" ? "entity" : "relationship",
        type,
        count
      })
    }
    const last = state.runs
      .filter((run) => run.scope.connector === scope.connector && run.scope.account === scope.account)
      .at(-1)
    return {
      connector: scope.connector,
      account: scope.account,
      generation: scope.generation,
      entities: totals[0] as number,
      relationships: totals[1] as number,
      ...(last === undefined ? {} : { lastSyncAt: last.content.finishedAt, lastStatus: last.content.status })
    }
  })
  return { scopes, types }
}

export const history = (state: MemoryState, filter: HistoryFilter = {}): ReadonlyArray<RunRecord> =>
  limited(
    [...state.runs]
      .reverse()
      .filter(
        (run) =>
          (filter.connector === undefined || run.scope.connector === filter.connector) &&
          (filter.account === undefined || run.scope.account === filter.account)
      )
      .map(runOf),
    filter.limit
  )

export const dump = (state: MemoryState): StoreDump => {
  const scopes = sortedScopes(state)
  const rows: Array<DumpRow> = []
  for (const kind of [0, 1] as const) {
    for (const scope of scopes) {
      const sorted = [...(state.rows[kind].get(scope.id)?.values() ?? [])].sort((a, b) => compare(a.id, b.id))
      for (const row of sorted) {
        rows.push({
          kind: kind === 0 ? "entity" : "relationship",
          connector: scope.connector,
          account: scope.account,
          id: row.id,
          step: row.step,
          hash: row.hash,
          generation: row.generation,
          firstSeenAt: row.firstSeenAt,
          content: row.content
        })
      }
    }
  }
  const runs = scopes.flatMap((scope) =>
    state.runs
      .filter((run) => run.scope.connector === scope.connector && run.scope.account === scope.account)
      .sort((a, b) => a.generation - b.generation)
      .map(runOf)
  )
  return {
    scopes: scopes.map((scope) => ({
      connector: scope.connector,
      account: scope.account,
      generation: scope.generation
    })),
    rows,
    runs
  }
}
