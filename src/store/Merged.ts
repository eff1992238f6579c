import type { GraphEntity, GraphRelationship, Source } from "../sync/Store.ts"

/**
 * What every driver's graph reads share: rows (one per scope asserting an object, ordered by id) grouped
 * into merged items, with their content from the first source by connector, then account. Columns are
 * the store's (`display_name`, `from_id` as hex, ...).
 */

export type Row = Record<string, unknown>

/** SQLite's ordering of text (BINARY: by UTF-8 bytes, which is code point order); PostgreSQL's `COLLATE "C"`. */
export const compare = (a: string, b: string): number => (a === b ? 0 : Buffer.compare(Buffer.from(a), Buffer.from(b)))

const source = (row: Row): Source => ({
  connector: row.connector as string,
  account: row.account as string,
  step: row.step as string,
  generation: Number(row.generation)
})

export const entityOf = (row: Row, sources: ReadonlyArray<Source>): GraphEntity => ({
  id: row.id as string,
  type: row.type as string,
  key: row.key as string,
  class: row.class as string,
  displayName: row.display_name as string,
  properties: JSON.parse(row.properties as string),
  sources
})

export const relationshipOf = (row: Row, sources: ReadonlyArray<Source>): GraphRelationship => ({
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
  properties: JSON.parse(row.properties as string),
  sources
})

const bySource = (a: Row, b: Row): number =>
  compare(a.connector as string, b.connector as string) || compare(a.account as string, b.account as string)

/** One id's rows as one merged item (an id has at most one row per scope, so a group is small). */
export const mergeGroup = <A>(group: Array<Row>, make: (first: Row, sources: ReadonlyArray<Source>) => A): A => {
  if (group.length > 1) group.sort(bySource)
  return make(group[0] as Row, group.map(source))
}

/** Groups rows ordered by id into merged items. */
export function* merged<A>(rows: Iterable<Row>, make: (first: Row, sources: ReadonlyArray<Source>) => A): Generator<A> {
  let group: Array<Row> = []
  let groupId: string | undefined
  for (const row of rows) {
    const id = row.id as string
    if (groupId !== undefined && id !== groupId) {
      yield mergeGroup(group, make)
      group = []
    }
    groupId = id
    group.push(row)
  }
  if (group.length > 0) yield mergeGroup(group, make)
}

/**
 * Rows from several sources, each ordered by `id` (lowercase hex of equal length, so text order is byte
 * order), as one sequence ordered by id: a binary heap of the sources' next rows. Rows with the same id
 * come out together, in no particular order (`mergeGroup` orders them). Every source is closed when the
 * sequence ends or is stopped.
 */
export function* mergeById(sources: ReadonlyArray<Iterator<Row>>): Generator<Row> {
  if (sources.length === 1) {
    const only = sources[0] as Iterator<Row>
    try {
      for (let next = only.next(); !next.done; next = only.next()) yield next.value
    } finally {
      only.return?.()
    }
    return
  }
  const heap: Array<{ row: Row; source: Iterator<Row> }> = []
  const less = (a: number, b: number) =>
    ((heap[a] as { row: Row }).row.id as string) < ((heap[b] as { row: Row }).row.id as string)
  const swap = (a: number, b: number) => {
    const held = heap[a] as (typeof heap)[number]
    heap[a] = heap[b] as (typeof heap)[number]
    heap[b] = held
  }
  const down = (from: number) => {
    for (let at = from; ; ) {
      const left = 2 * at + 1
      const right = left + 1
      let least = at
      if (left < heap.length && less(left, least)) least = left
      if (right < heap.length && less(right, least)) least = right
      if (least === at) return
      swap(at, least)
      at = least
    }
  }
  try {
    for (const source of sources) {
      const next = source.next()
      if (!next.done) heap.push({ row: next.value, source })
    }
    for (let at = (heap.length >> 1) - 1; at >= 0; at--) down(at)
    while (heap.length > 0) {
      const top = heap[0] as (typeof heap)[number]
      yield top.row
      const next = top.source.next()
      if (next.done) {
        const last = heap.pop() as (typeof heap)[number]
        if (heap.length === 0) break
        heap[0] = last
      } else {
        top.row = next.value
      }
      down(0)
    }
  } finally {
    for (const source of sources) source.return?.()
  }
}

/** The first `limit` items (all without one). */
export function* take<A>(items: Iterable<A>, limit: number | undefined): Generator<A> {
  if (limit !== undefined && limit <= 0) return
  let count = 0
  for (const item of items) {
    yield item
    if (limit !== undefined && ++count >= limit) return
  }
}
