import { Database } from "bun:sqlite"

/**
 * A digest of everything one account of the `bench` connector holds: its scope row, every entity and
 * relationship row (all columns, in key order) and its run records. Equal digests before and after
 * another account's sync show that sync left this account byte-for-byte untouched (C02).
 */
export const scopeDigest = (file: string, account: string, connector = "bench"): string => {
  const db = new Database(file, { readonly: true })
  try {
    const hasher = new Bun.CryptoHasher("sha256")
    const scope = db
      .query("SELECT scope_id, generation FROM scopes WHERE connector = ? AND account = ?")
      .get(connector, account) as { scope_id: number; generation: number } | null
    if (scope === null) return "no such scope"
    hasher.update(`scope ${scope.scope_id} ${scope.generation}\n`)
    const feed = (sql: string) => {
      let count = 0
      for (const row of db.query(sql).iterate(scope.scope_id) as IterableIterator<Record<string, unknown>>) {
        for (const value of Object.values(row)) {
          if (value instanceof Uint8Array) hasher.update(value)
          else hasher.update(String(value))
          hasher.update("\u0000")
        }
        count++
      }
      return count
    }
    const entities = feed("SELECT * FROM entities WHERE scope_id = ? ORDER BY id")
    const relationships = feed("SELECT * FROM relationships WHERE scope_id = ? ORDER BY id")
    const runs = feed("SELECT * FROM runs WHERE scope_id = ? ORDER BY run_id")
    return `${hasher.digest("hex").slice(0, 16)} (${entities} entities, ${relationships} relationships, ${runs} runs)`
  } finally {
    db.close()
  }
}
