import { SQL } from "bun"

/**
 * A digest of everything one account of the `bench` connector holds in a PostgreSQL store: its scope row,
 * every entity and relationship row (all columns, in id order) and its run records, computed by the
 * server. Equal digests before and after another account's sync show that sync left this account
 * untouched (C02), as bench/lib/scope.ts does for SQLite.
 */
export const pgScopeDigest = async (url: string, account: string, connector = "bench"): Promise<string> => {
  const sql = new SQL(url, { max: 1 })
  try {
    const [scope] = (await sql`
      SELECT scope_id, generation FROM scopes WHERE connector = ${connector} AND account = ${account}
    `) as ReadonlyArray<{ readonly scope_id: number; readonly generation: number }>
    if (scope === undefined) return "no such scope"
    const digest = async (table: string, order: string) => {
      const [row] = (await sql.unsafe(
        `SELECT count(*)::int AS rows, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY ${order}), '')) AS md5
         FROM ${table} t WHERE t.scope_id = $1`,
        [scope.scope_id]
      )) as ReadonlyArray<{ readonly rows: number; readonly md5: string }>
      return row ?? { rows: 0, md5: "" }
    }
    const entities = await digest("entities", "t.id")
    const relationships = await digest("relationships", "t.id")
    const runs = await digest("runs", "t.generation")
    const all = new Bun.CryptoHasher("sha256")
      .update(`${scope.scope_id} ${scope.generation} ${entities.md5} ${relationships.md5} ${runs.md5}`)
      .digest("hex")
    return `${all.slice(0, 16)} (${entities.rows} entities, ${relationships.rows} relationships, ${runs.rows} runs)`
  } finally {
    await sql.close()
  }
}
