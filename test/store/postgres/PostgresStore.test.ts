import { describe } from "bun:test"
import { storeContract } from "../StoreContract.ts"
import { freshPostgresStore, testPostgresUrl } from "../support/Postgres.ts"

/** The store contract on PostgreSQL (each store a fresh database on PARALLAX_TEST_PG_URL's server). */
describe.skipIf(testPostgresUrl === undefined)("PostgreSQL", () => {
  storeContract("PostgreSQL", (options) => freshPostgresStore(options ?? {}))
})
