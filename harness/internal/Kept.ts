import type { StoredRow } from "../Backend.ts"
import { canonical } from "./Dump.ts"

/** Rows by `kind id`, as the properties compare them. */
export type RowMap = ReadonlyMap<string, StoredRow>

/** A row as messages name it. */
export const rowName = (row: { kind: string; id: string; step: string }) =>
  `${row.kind} ${row.id} (owned by step "${row.step}")`

/** The rows of a scope by `kind id`. */
export const byKey = (rows: ReadonlyArray<StoredRow>): RowMap =>
  new Map(rows.map((row) => [`${row.kind} ${row.id}`, row]))

/**
 * C07: the rows that steps in `kept` owned before and that the sync deleted or changed. A row that now
 * holds what the reference (`expected`) holds is no loss: another step that ran took it over.
 */
export const lostRows = (
  before: ReadonlyArray<StoredRow>,
  after: RowMap,
  expected: RowMap,
  kept: (step: string) => boolean
): ReadonlyArray<string> => {
  const lost: Array<string> = []
  for (const row of before) {
    if (!kept(row.step)) continue
    const key = `${row.kind} ${row.id}`
    const now = after.get(key)
    if (now === undefined) lost.push(`deleted: ${rowName(row)}`)
    else if (canonical(now.raw) !== canonical(row.raw) && now.hash !== expected.get(key)?.hash) {
      lost.push(`changed: ${rowName(row)} ${canonical(row.raw)} -> ${canonical(now.raw)}`)
    }
  }
  return lost
}

/** The reference rows (`expected`) of steps that `ran` that the sync did not commit as the reference did. */
export const missingRows = (
  expected: RowMap,
  after: RowMap,
  ran: (step: string) => boolean,
  reference: string
): ReadonlyArray<string> => {
  const missing: Array<string> = []
  for (const [key, row] of expected) {
    if (!ran(row.step)) continue
    const now = after.get(key)
    if (now === undefined) missing.push(`missing: ${rowName(row)} ${canonical(row.raw)}`)
    else if (now.hash !== row.hash) {
      missing.push(`stale: ${rowName(row)} is ${canonical(now.raw)}`, `  ${reference} it is ${canonical(row.raw)}`)
    }
  }
  return missing
}
