import type { StoreDump, StoredRow, StoredRun } from "../Backend.ts"

/** A scope: one connector instance. */
export interface Scope {
  readonly connector: string
  readonly account: string
}

const inScope = (scope: Scope) => (row: StoredRow | StoredRun) =>
  row.connector === scope.connector && row.account === scope.account

/** The rows of one scope. */
export const rowsOf = (dump: StoreDump, scope: Scope): ReadonlyArray<StoredRow> => dump.rows.filter(inScope(scope))

/** The rows and runs of every other scope. */
export const foreignPart = (dump: StoreDump, scope: Scope): StoreDump => {
  const mine = inScope(scope)
  return { rows: dump.rows.filter((row) => !mine(row)), runs: dump.runs.filter((run) => !mine(run)) }
}

/** A deterministic JSON rendering (keys sorted), for byte-for-byte comparisons and messages. */
export const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, inner: unknown) => {
    if (inner instanceof Date) return inner.toISOString()
    if (typeof inner === "bigint") return inner.toString()
    if (inner !== null && typeof inner === "object" && !Array.isArray(inner)) {
      const sorted: Record<string, unknown> = {}
      for (const key of Object.keys(inner).sort()) sorted[key] = (inner as Record<string, unknown>)[key]
      return sorted
    }
    return inner
  })

const rowKey = (row: StoredRow): string => `${row.kind} ${row.connector}/${row.account} ${row.id}`

const describeRow = (row: StoredRow, raw: unknown): string => `${rowKey(row)} ${canonical(raw)}`

/** A row without the fields that may legitimately differ between equivalent stores. */
export const contentOf = (row: StoredRow, volatile: ReadonlyArray<string>): Record<string, unknown> => {
  const content: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(row.raw)) {
    if (!volatile.includes(key) && !/generation/i.test(key)) content[key] = value
  }
  return content
}

/** The differences between two sets of rows, as readable lines (empty when equal); at most `limit` lines. */
export const diffRows = (
  before: ReadonlyArray<StoredRow>,
  after: ReadonlyArray<StoredRow>,
  view: (row: StoredRow) => unknown = (row) => row.raw,
  limit = 8
): ReadonlyArray<string> => {
  const index = (rows: ReadonlyArray<StoredRow>) => new Map(rows.map((row) => [rowKey(row), row]))
  const left = index(before)
  const right = index(after)
  const lines: Array<string> = []
  for (const [key, row] of left) {
    const other = right.get(key)
    if (other === undefined) lines.push(`- deleted  ${describeRow(row, view(row))}`)
    else if (canonical(view(row)) !== canonical(view(other))) {
      lines.push(`~ changed  ${describeRow(row, view(row))}`, `        to ${canonical(view(other))}`)
    }
  }
  for (const [key, row] of right) if (!left.has(key)) lines.push(`+ created  ${describeRow(row, view(row))}`)
  return lines.length > limit ? [...lines.slice(0, limit), `... and ${lines.length - limit} more lines`] : lines
}

/** The differences between the run records of two dumps. */
export const diffRuns = (before: ReadonlyArray<StoredRun>, after: ReadonlyArray<StoredRun>): ReadonlyArray<string> => {
  const left = before.map(canonical)
  const right = new Set(after.map(canonical))
  const lines = left.filter((run) => !right.has(run)).map((run) => `- run record changed or removed: ${run}`)
  const known = new Set(left)
  for (const run of after.map(canonical)) if (!known.has(run)) lines.push(`+ run record added: ${run}`)
  return lines
}
