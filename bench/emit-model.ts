/**
 * The SDK's object model alone: generation 0's objects built by the `bench` connector's own builders and
 * turned into records (`stage`: validation, the id, the canonical properties JSON, the content hash) by
 * a bare loop, as an emit does, but with no steps, no effects, no emit bookkeeping and no staging. It sits
 * between the bare emit loop (bench/floor-emit.ts) and the connector and the SDK alone (bench/collect.ts):
 * the first difference is what the SDK's builders, validation and records cost, the second what running
 * the connector's steps costs (its loops and reads back, each emit's effect). Not a test.
 *
 *   bun bench/emit-model.ts --n 1000000
 */
import { host, hostname, runs, service, user, uses } from "../connectors/bench/Workload.ts"
import type { EntityBuilder } from "../src/model/Entity.ts"
import type { JsonSlot } from "../src/model/Records.ts"
import type { RelationshipBuilder } from "../src/model/Relationship.ts"
import { startTiming } from "./lib/timing.ts"

const args = process.argv.slice(2)
const n = Number(args[args.indexOf("--n") + 1] ?? 10000)
const account = "a"

/** What each record's values end up in: kept alive so that no work is optimised away. */
let sink = 0
/** Where `stage` leaves each record's JSON, as an emit's is left. */
const slot: JsonSlot = { json: "" }
const staged = (builder: EntityBuilder | RelationshipBuilder): void => {
  const record = builder.stage(account, slot)
  if (record instanceof Error) throw record
  sink += record.id.length + record.hash.length + slot.json.length
}

const stop = startTiming()
let entities = 0
let relationships = 0
for (let i = 0; i < n; i++, entities++) staged(host(n, 0, i))
for (let i = 0; i < n; i++, entities++) staged(user(n, 0, i))
for (let j = 0; j < n / 2; j++, entities++) staged(service(n, 0, j, hostname(2 * j)))
for (let j = 0; j < n / 2; j++, relationships++) staged(runs(j))
for (let j = 0; j < n / 2; j++, relationships++) staged(uses(j))
stop({ n, entities, relationships }, { sink })
