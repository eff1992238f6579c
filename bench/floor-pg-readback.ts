/**
 * What reading back from a PostgreSQL store costs at least: the rows the `bench` connector's later steps
 * read back (`prior`) during `same`, read from the committed store instead of from staging's spill. A
 * staging that kept no copy of a row identical to the committed one would have to read it there. Only the
 * services step's scan is read: each host of the account's scope (`bench_host`), its key and properties,
 * in pages of 10,000 rows by id with Bun's `SQL` client (as the PostgreSQL driver reads: the client buffers
 * a result set whole), the properties of each even host parsed for its hostname. Not the endpoints'
 * lookups, nor the committed ids and hashes such a staging would also read to tell which rows are
 * identical: this is less than it would do. Prints one JSON line with the time in process. Not a test.
 *
 *   bun bench/floor-pg-readback.ts --url postgres://... --account a --n 1000000
 */
import { SQL } from "bun"

const args = process.argv.slice(2)
const option = (name: string) => {
  const index = args.indexOf(`--${name}`)
  return index >= 0 ? args[index + 1] : undefined
}
const url = option("url")
const account = option("account") ?? "a"
const n = Number(option("n") ?? Number.NaN)
if (url === undefined || !Number.isSafeInteger(n)) {
  console.error("usage: bun bench/floor-pg-readback.ts --url postgres://... --account a --n N")
  process.exit(2)
}

const PAGE = 10_000
const sql = new SQL(url)
const scopes = (await sql`SELECT scope_id::float8 AS scope FROM scopes WHERE account = ${account}`) as Array<{
  scope: number
}>
if (scopes.length !== 1) throw new Error(`expected one scope of account ${account}, found ${scopes.length}`)
const scope = (scopes[0] as { scope: number }).scope

const start = performance.now()
let hosts = 0
let hostnames = 0
let after: Uint8Array | undefined
for (;;) {
  const page = (await sql.unsafe(
    `SELECT id, key, properties FROM entities WHERE scope_id = $1 AND type = 'bench_host'
     ${after === undefined ? "" : "AND id > $2"} ORDER BY id LIMIT ${PAGE}`,
    after === undefined ? [scope] : [scope, after]
  )) as Array<{ id: Uint8Array; key: string; properties: string }>
  for (const row of page) {
    if ((hosts++ & 1) === 0 && typeof (JSON.parse(row.properties) as { hostname?: unknown }).hostname === "string") {
      hostnames++
    }
  }
  if (page.length < PAGE) break
  after = (page[page.length - 1] as { id: Uint8Array }).id
}
const readMs = performance.now() - start
await sql.close()
if (hosts !== n || hostnames !== Math.ceil(n / 2)) {
  throw new Error(`read ${hosts} hosts (${hostnames} hostnames), expected ${n} (${Math.ceil(n / 2)})`)
}
console.log(JSON.stringify({ n, hosts, hostnames, readMs }))
