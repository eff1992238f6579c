/**
 * What the `bench` connector and the SDK cost without any store: generation 0 collected into a staging
 * that only counts (it answers `prior` from the workload's own rules, at no cost). This bounds every
 * scenario from below: building, validating and hashing 2.5·n entities and n relationships, on one
 * thread, with nothing stored. Not a test.
 *
 *   bun bench/collect.ts --n 1000000
 */
import { Effect } from "effect"
import { bench } from "../connectors/bench/index.ts"
import { HOST, hostKey, hostname } from "../connectors/bench/Workload.ts"
import { Added, type Staging } from "../src/scheduler/Staging.ts"
import { collect } from "../src/sync/Run.ts"
import { startTiming } from "./lib/timing.ts"

const args = process.argv.slice(2)
const n = Number(args[args.indexOf("--n") + 1] ?? 10000)
let entities = 0
let relationships = 0
const counting: Staging = {
  putEntity: () => {
    entities++
    return Added
  },
  putRelationship: () => {
    relationships++
    return Added
  },
  discardStep: () => {},
  // The services step reads the hosts back: hand it what it reads (key, hostname) at next to no cost, so
  // that only the connector and the SDK are timed. One record, changed for each host: the step reads its
  // key and hostname and keeps nothing. (Made beforehand, a million records made the collector's heap and
  // every collection it runs larger: the connector and the SDK took longer.)
  entitiesOf: function* () {
    const properties = { hostname: "" }
    const record = { id: "", type: HOST, key: "", class: "Host", displayName: "", properties, hash: "" }
    for (let index = 0; index < n; index++) {
      record.key = hostKey(index)
      properties.hostname = hostname(index)
      yield record
    }
  },
  entityById: () => undefined,
  hasEntity: () => true,
  relationshipsOf: function* () {}
}
const stop = startTiming()
const collected = await Effect.runPromise(collect(bench, counting, { account: "a", config: { n, generation: 0 } }))
if (collected.steps.some((step) => step.status !== "succeeded")) throw new Error("a step failed")
stop({ n, entities, relationships })
