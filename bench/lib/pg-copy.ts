import type { SQL } from "bun"

/**
 * Rows for `COPY ... FROM STDIN` (text format) into the PostgreSQL store's own tables, for the bench's
 * PostgreSQL floor: the columns are read from the migrated schema and each value is written as its
 * column's type wants it (ids and hashes given as hex become `bytea` or stay text).
 */

/** One column of a store table that the floor fills. */
export interface Column {
  readonly name: string
  readonly type: string
}

/** A row's values by column name (ids and hashes as hex, times as `Date`). */
export type RowValues = Readonly<Record<string, string | number | boolean | Date | null>>

/** The schema holding the store's `entities` table (the first on the search path when there are several). */
export const storeSchema = async (sql: SQL): Promise<string> => {
  const rows = (await sql`
    SELECT n.nspname AS schema FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relname = 'entities' AND c.relkind IN ('r', 'p')
    ORDER BY array_position(current_schemas(false), n.nspname::text) NULLS LAST`) as ReadonlyArray<{
    readonly schema: string
  }>
  const first = rows[0]
  if (first === undefined) throw new Error("no entities table: run `parallax migrate --db URL` first")
  return first.schema
}

/**
 * The columns of `schema.table` that the floor writes: those named in `known`; fails on a column it cannot
 * fill (not null, no default, not known), which would make the floor measure a different table.
 */
export const columnsOf = async (
  sql: SQL,
  schema: string,
  table: string,
  known: ReadonlyArray<string>
): Promise<ReadonlyArray<Column>> => {
  const rows = (await sql`
    SELECT column_name AS name, data_type AS type, is_nullable = 'YES' AS nullable,
      column_default IS NOT NULL OR is_identity = 'YES' AS defaulted
    FROM information_schema.columns WHERE table_schema = ${schema} AND table_name = ${table}
    ORDER BY ordinal_position`) as ReadonlyArray<Column & { readonly nullable: boolean; readonly defaulted: boolean }>
  const missing = rows.filter((row) => !known.includes(row.name) && !row.nullable && !row.defaulted)
  if (missing.length > 0) {
    throw new Error(`the floor cannot fill ${schema}.${table}: ${missing.map((row) => row.name).join(", ")}`)
  }
  return rows.filter((row) => known.includes(row.name)).map(({ name, type }) => ({ name, type }))
}

const escapeText = (text: string): string =>
  text.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"))

const encode = (column: Column, value: RowValues[string] | undefined): string => {
  if (value === null || value === undefined) return "\\N"
  if (value instanceof Date) return column.type.includes("timestamp") ? value.toISOString() : String(value.getTime())
  if (typeof value === "boolean") return value ? "t" : "f"
  if (typeof value === "number") return String(value)
  if (column.type === "bytea") return `\\\\x${value}`
  return escapeText(value)
}

/** One line of COPY text: the values of `columns`, tab-separated. */
export const copyLine = (columns: ReadonlyArray<Column>, values: RowValues): string =>
  `${columns.map((column) => encode(column, values[column.name])).join("\t")}\n`
