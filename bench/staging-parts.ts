/**
 * What staging's parts cost alone, for the rows of a re-sync of generation 0 (what `same` stages): the
 * objects are built by the SDK in chunks outside the clock, then each part runs on them on its own:
 *
 * - claims: each object's id and content hash claimed in the staging index (`StagedIndex`), no spill;
 * - set: each object's id added to a plain JavaScript `Set` of strings, the obvious exact check that an id
 *   was not staged before, keeping nothing else (no hash, no owner, no row): what claims are measured against;
 * - appends: each row appended to the log spill (`LogSpill`), no index;
 * - puts: both, as a sync stages a row (`CoreStaging`: claim, append, a relationship's endpoints looked up);
 * - hand-off: what a staging that claimed and wrote on another thread would still do on this one for each
 *   row: its ids and content hash decoded into 32-bit words and its text encoded as UTF-8, into buffers
 *   reused as rings (no thread, no claim, no file: the least such a design leaves on the main thread);
 * - text hand-off: the hand-off without the ids and hash (a staging that claims ids on this thread has their
 *   words already): only the row's text encoded into the ring;
 * - reads: what the workload's later steps read back (`prior`): the services step's scan of the hosts
 *   (each even host's properties parsed, for its hostname; which hosts are even, the step finds from their
 *   keys, which is the connector's work and timed in `sdk-only`: here from their order) and
 *   build-relationships' two `hasEntity` per relationship (their ids computed outside the clock: that is
 *   the SDK's work, counted in `sdk-only`);
 * - bare scan: the same scan of the hosts from a plain file holding only each host's key and properties
 *   JSON (lengths, then the UTF-8 text), written outside the clock as another thread would: each key
 *   decoded, each even host's properties decoded and parsed, no record made. The least any staging that
 *   keeps rows off the heap (memory stays bounded) spends on this thread to give the step what it reads;
 * - round trip: one request to another thread and its answer, both threads spinning on a shared word
 *   (no sleeping): the least a claim or a `hasEntity` answered by another thread would wait for, before
 *   that thread's own work.
 *
 * Every part runs on the main thread, as in a sync: their sum is what staging adds to the connector and
 * the SDK for each emitted row however the rest is arranged. Not a test.
 *
 *   bun bench/staging-parts.ts --n 1000000
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  HOST,
  host,
  hostKey,
  runs,
  SERVICE,
  service,
  serviceKey,
  USER,
  user,
  userKey,
  uses
} from "../connectors/bench/Workload.ts"
import { entityId } from "../src/model/Ids.ts"
import type { EntityRecord, RelationshipRecord } from "../src/model/Records.ts"
import { keyFromHex } from "../src/sync/staging/IdIndex.ts"
import { LogSpill, utf8Slice, utf8Write } from "../src/sync/staging/LogSpill.ts"
import { StagedIndex } from "../src/sync/staging/StagedIndex.ts"
import { CoreStaging } from "../src/sync/staging/Staging.ts"

const args = process.argv.slice(2)
const n = Number(args[args.indexOf("--n") + 1] ?? 10000)
const account = "a"
/**
 * Objects built at a time: fewer than staging emits between nudges of the collector (`EMIT_NUDGE`), so that
 * the heap holds about as much as a sync's does when it nudges (with 65,536 held, the nudges took a second
 * more of the puts at n = 1M).
 */
const CHUNK = 1 << 12

const steps = ["fetch-hosts", "fetch-users", "fetch-services", "build-relationships"]

interface Built<R> {
  readonly step: string
  /** The step's ordinal + 1, as staging numbers owners (found outside the clock). */
  readonly owner: number
  readonly record: R
  readonly json: string
}
type Builder = { toStaged(account: string): unknown }
const built = <R>(step: string, builder: Builder): Built<R> => {
  const staged = builder.toStaged(account) as { record: R; json: string } | Error
  if (staged instanceof Error) throw staged
  return { step, owner: steps.indexOf(step) + 1, record: staged.record, json: staged.json }
}

/** Generation 0's objects, in the order the connector emits them, a chunk at a time. */
function* chunks(): Generator<{
  entities: Array<Built<EntityRecord>>
  relationships: Array<Built<RelationshipRecord>>
}> {
  const make = function* (
    count: number,
    one: (i: number) => { entities?: Built<EntityRecord>; relationship?: Built<RelationshipRecord> }
  ) {
    for (let start = 0; start < count; start += CHUNK) {
      const entities: Array<Built<EntityRecord>> = []
      const relationships: Array<Built<RelationshipRecord>> = []
      for (let i = start; i < Math.min(count, start + CHUNK); i++) {
        const made = one(i)
        if (made.entities !== undefined) entities.push(made.entities)
        if (made.relationship !== undefined) relationships.push(made.relationship)
      }
      yield { entities, relationships }
    }
  }
  yield* make(n, (i) => ({ entities: built("fetch-hosts", host(n, 0, i)) }))
  yield* make(n, (i) => ({ entities: built("fetch-users", user(n, 0, i)) }))
  yield* make(n / 2, (j) => ({ entities: built("fetch-services", service(n, 0, j, `host-${2 * j}.bench.local`)) }))
  yield* make(n / 2, (j) => ({ relationship: built("build-relationships", runs(j)) }))
  yield* make(n / 2, (j) => ({ relationship: built("build-relationships", uses(j)) }))
}

const indexes = [new StagedIndex(steps), new StagedIndex(steps)] as const
const spill = new LogSpill()
const staging = new CoreStaging(new LogSpill())
const clock = { claimsMs: 0, setMs: 0, appendsMs: 0, putsMs: 0, handoffMs: 0, textHandoffMs: 0 }
const idSets = [new Set<string>(), new Set<string>()] as const

/** The hand-off's rings: words for ids and hashes, bytes for text (each wraps around when full). */
const handoffWords = new Uint32Array(1 << 16)
const handoffText = Buffer.alloc(1 << 22)
let wordAt = 0
let textAt = 0
const words = (hex: string): void => {
  if (wordAt + 4 > handoffWords.length) wordAt = 0
  keyFromHex(hex, handoffWords, wordAt)
  wordAt += 4
}
const text = (value: string | undefined): void => {
  if (value === undefined) return
  if (textAt + 3 * value.length > handoffText.length) textAt = 0
  textAt += utf8Write(handoffText, value, textAt)
}
/** A row's text alone, as the text hand-off encodes it (the ids and hash aside). */
const handEntityText = ({ record, json }: Built<EntityRecord>): void => {
  text(record.key)
  text(record.class)
  text(record.displayName)
  text(json)
}
const handRelationshipText = ({ record, json }: Built<RelationshipRecord>): void => {
  text(record.fromType)
  text(record.fromKey)
  text(record.toType)
  text(record.toKey)
  text(record.toAccount)
  text(record.key)
  text(json)
}
/** A whole row, as the hand-off encodes it: its ids and hash as words, then its text. */
const handEntity = (built: Built<EntityRecord>): void => {
  words(built.record.id)
  words(built.record.hash)
  handEntityText(built)
}
const handRelationship = (built: Built<RelationshipRecord>): void => {
  words(built.record.id)
  words(built.record.hash)
  words(built.record.fromId)
  words(built.record.toId)
  handRelationshipText(built)
}

/** The bare file: each host's key and properties JSON, their UTF-8 lengths first (two 32-bit words). */
const bareDir = mkdtempSync(join(tmpdir(), "parallax-bench-bare-"))
const bareFd = openSync(join(bareDir, "hosts"), "w+", 0o600)
const bareBuffer = Buffer.alloc(1 << 20)
let bareFilled = 0
const bareAppend = ({ record, json }: Built<EntityRecord>): void => {
  if (bareFilled + 8 + 3 * (record.key.length + json.length) > bareBuffer.length) {
    writeSync(bareFd, bareBuffer, 0, bareFilled)
    bareFilled = 0
  }
  const keyBytes = utf8Write(bareBuffer, record.key, bareFilled + 8)
  const jsonBytes = utf8Write(bareBuffer, json, bareFilled + 8 + keyBytes)
  bareBuffer.writeUInt32LE(keyBytes, bareFilled)
  bareBuffer.writeUInt32LE(jsonBytes, bareFilled + 4)
  bareFilled += 8 + keyBytes + jsonBytes
}

let entities = 0
let relationships = 0
let row = 0
for (const chunk of chunks()) {
  entities += chunk.entities.length
  relationships += chunk.relationships.length
  let start = performance.now()
  for (const { step, owner, record } of chunk.entities) indexes[0].claim(record.id, record.hash, owner, step)
  for (const { step, owner, record } of chunk.relationships) indexes[1].claim(record.id, record.hash, owner, step)
  clock.claimsMs += performance.now() - start
  start = performance.now()
  for (const { step, record, json } of chunk.entities) spill.appendEntity(++row, step, record, json)
  for (const { step, record, json } of chunk.relationships) spill.appendRelationship(++row, step, record, json)
  clock.appendsMs += performance.now() - start
  start = performance.now()
  for (const { step, record, json } of chunk.entities) staging.putEntity(step, record, json)
  for (const { step, record, json } of chunk.relationships) staging.putRelationship(step, record, json)
  clock.putsMs += performance.now() - start
  start = performance.now()
  for (const built of chunk.entities) handEntity(built)
  for (const built of chunk.relationships) handRelationship(built)
  clock.handoffMs += performance.now() - start
  start = performance.now()
  for (const built of chunk.entities) handEntityText(built)
  for (const built of chunk.relationships) handRelationshipText(built)
  clock.textHandoffMs += performance.now() - start
  for (const built of chunk.entities) if (built.step === "fetch-hosts") bareAppend(built)
}
writeSync(bareFd, bareBuffer, 0, bareFilled)
if (textAt === 0 && entities > 0) throw new Error("the hand-off wrote no text")

// The set, in a pass of its own: millions of strings held on the heap would slow the other parts' garbage
// collection, which the index's typed arrays do not.
for (const chunk of chunks()) {
  const start = performance.now()
  for (const { record } of chunk.entities) idSets[0].add(record.id)
  for (const { record } of chunk.relationships) idSets[1].add(record.id)
  clock.setMs += performance.now() - start
}
if (idSets[0].size !== entities || idSets[1].size !== relationships) throw new Error("the set lost ids")
idSets[0].clear()
idSets[1].clear()
spill.close()

// The services step's scan of the hosts, as it reads them: each host, and the hostname of each even one. The
// hosts come back in the order they were staged (index 0 first), so a host's parity is its position's: the
// step's own parsing of the index from the key is the connector's work, timed in the SDK alone already.
let start = performance.now()
let read = 0
let position = 0
let evenKeys = 0
for (const emitted of staging.entitiesOf(new Set(["fetch-hosts"]), HOST)) {
  if ((position++ & 1) !== 0) continue
  if (typeof emitted.properties.hostname === "string") read++
  evenKeys += emitted.key.length
}
const scanMs = performance.now() - start
if (read !== n / 2) throw new Error(`read back ${read} hosts' hostnames of ${n / 2}`)
// The same hosts as the step picks (outside the clock): the even ones, by the index in their keys.
let expectedKeys = 0
for (let index = 0; index < n; index += 2) expectedKeys += hostKey(index).length
if (evenKeys !== expectedKeys) throw new Error("the scan read other hosts than the step")

// The same scan from the bare file: keys and properties only, read in windows of 1 MiB.
start = performance.now()
let bareRead = 0
let bareEvenKeys = 0
{
  const window = Buffer.alloc(1 << 20)
  let windowStart = 0
  let windowLength = 0
  let hostAt = 0
  for (let offset = 0; ; ) {
    let at = offset - windowStart
    if (at + 8 > windowLength || at + 8 + window.readUInt32LE(at) + window.readUInt32LE(at + 4) > windowLength) {
      windowStart = offset
      windowLength = readSync(bareFd, window, 0, window.length, offset)
      at = 0
      if (windowLength === 0) break
      if (windowLength < 8 || 8 + window.readUInt32LE(0) + window.readUInt32LE(4) > windowLength) {
        throw new Error(`a host's row at ${offset} of the bare file is cut short or larger than the window`)
      }
    }
    const keyBytes = window.readUInt32LE(at)
    const jsonBytes = window.readUInt32LE(at + 4)
    const key = utf8Slice(window, at + 8, at + 8 + keyBytes)
    if ((hostAt++ & 1) === 0) {
      const properties = JSON.parse(utf8Slice(window, at + 8 + keyBytes, at + 8 + keyBytes + jsonBytes))
      if (typeof properties.hostname === "string") bareRead++
      bareEvenKeys += key.length
    }
    offset += 8 + keyBytes + jsonBytes
  }
}
const bareScanMs = performance.now() - start
closeSync(bareFd)
rmSync(bareDir, { recursive: true, force: true })
if (bareRead !== n / 2 || bareEvenKeys !== expectedKeys) throw new Error("the bare scan read other hosts than the step")

// build-relationships' lookups of both endpoints of each relationship, with the ids computed beforehand.
const visible = new Set(steps.slice(0, 3))
let lookupsMs = 0
let found = 0
for (let from = 0; from < n / 2; from += CHUNK) {
  const ids: Array<string> = []
  for (let j = from; j < Math.min(n / 2, from + CHUNK); j++) {
    ids.push(entityId(account, HOST, hostKey(2 * j)), entityId(account, SERVICE, serviceKey(j)))
    ids.push(entityId(account, USER, userKey(j)), entityId(account, HOST, hostKey(2 * j + 1)))
  }
  start = performance.now()
  for (const id of ids) if (staging.hasEntity(visible, id)) found++
  lookupsMs += performance.now() - start
}
if (found !== 2 * n) throw new Error(`found ${found} endpoints of ${2 * n}`)
staging.close()

// Round trips to another thread: this thread sets the shared word to 1 and spins until the worker, spinning
// too, sets it back to 0 (2 ends the worker).
const ROUND_TRIPS = 200_000
const shared = new Int32Array(new SharedArrayBuffer(4))
const worker = new Worker(new URL("./lib/round-trip-worker.ts", import.meta.url).href)
await new Promise<void>((ready) => {
  worker.onmessage = () => ready()
  worker.postMessage(shared.buffer)
})
start = performance.now()
for (let trip = 0; trip < ROUND_TRIPS; trip++) {
  Atomics.store(shared, 0, 1)
  while (Atomics.load(shared, 0) !== 0) {}
}
const roundTripNs = ((performance.now() - start) * 1e6) / ROUND_TRIPS
Atomics.store(shared, 0, 2)
worker.terminate()

console.log(
  JSON.stringify({
    n,
    entities,
    relationships,
    ...clock,
    scanMs,
    bareScanMs,
    lookupsMs,
    roundTripNs,
    totalMs: clock.putsMs + scanMs + lookupsMs
  })
)
