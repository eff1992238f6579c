/**
 * An experiment, not part of `npm run bench`: what a staging on a second thread would leave on the main one.
 * The `bench` workload's generation 0 is built by the SDK (`toStaged`) in emission order, then, by `--mode`:
 *
 * - `build`: nothing more (the floor of the comparison);
 * - `puts`: each row put into the real staging on this thread (`CoreStaging` over a `LogSpill`), as a
 *   re-sync stages it;
 * - `thread`: each row handed over in batches to a worker (bench/lib/staging-thread-worker.ts): its id, content
 *   hash and endpoints as 32-bit words and its text as UTF-8, the batch's buffers transferred, not copied.
 *   The worker claims each id in an `IdIndex` and writes the batch to a file, then hands the buffers back.
 *
 * The worker does less than staging must (no owners, hashes kept, checksums or endpoint checks), and the
 * main thread gets no answer per row (`Added`, `Identical`, a conflict), which the emit contract gives at
 * once today: the figures bound from below what such a design saves, on this machine's cores. Each object
 * is emitted through an `await`, in every mode alike. Prints one JSON object.
 *
 *   bun bench/staging-thread.ts --n 1000000 --mode thread
 */
import { host, runs, service, user, uses } from "../connectors/bench/Workload.ts"
import type { EntityRecord, RelationshipRecord } from "../src/model/Records.ts"
import { keyFromHex } from "../src/sync/staging/IdIndex.ts"
import { LogSpill, utf8Write } from "../src/sync/staging/LogSpill.ts"
import { CoreStaging } from "../src/sync/staging/Staging.ts"
import { BATCH_ROWS, type Batch, newBatch, type Returned, ROW_WORDS } from "./lib/staging-thread-worker.ts"

const args = process.argv.slice(2)
const option = (name: string) => {
  const index = args.indexOf(`--${name}`)
  return index >= 0 ? args[index + 1] : undefined
}
const n = Number(option("n") ?? 10000)
const mode = option("mode") ?? "thread"
if (mode !== "build" && mode !== "puts" && mode !== "thread")
  throw new Error(`--mode: build, puts or thread, not ${mode}`)
const account = "a"

type Staged<R> = { readonly record: R; readonly json: string }
type Builder<R> = { toStaged(account: string): Staged<R> | Error }
const staged = <R>(builder: Builder<R>): Staged<R> => {
  const result = builder.toStaged(account)
  if (result instanceof Error) throw result
  return result
}

// The thread: a pool of batches; the main thread waits for one only when all are with the worker.
const worker =
  mode === "thread" ? new Worker(new URL("./lib/staging-thread-worker.ts", import.meta.url).href) : undefined
const pool: Array<Batch> = mode === "thread" ? [newBatch(), newBatch(), newBatch(), newBatch()] : []
let waiting: ((batch: Batch) => void) | undefined
let finished: ((claimed: number) => void) | undefined
if (worker !== undefined) {
  worker.onmessage = (event: MessageEvent<Returned>) => {
    const data = event.data
    if (data.claimed !== undefined) return finished?.(data.claimed)
    const batch: Batch = { words: new Uint32Array(data.words), text: Buffer.from(data.text), rows: 0, textAt: 0 }
    if (waiting === undefined) pool.push(batch)
    else {
      const wake = waiting
      waiting = undefined
      wake(batch)
    }
  }
}
let batch = pool.pop()
const send = async (): Promise<void> => {
  const full = batch as Batch
  ;(worker as Worker).postMessage(
    { rows: full.rows, textAt: full.textAt, words: full.words.buffer, text: full.text.buffer },
    [full.words.buffer as ArrayBuffer, full.text.buffer as ArrayBuffer]
  )
  batch = pool.pop() ?? (await new Promise<Batch>((resolve) => (waiting = resolve)))
}
const text = (into: Batch, value: string) => {
  into.textAt += utf8Write(into.text, value, into.textAt)
}
/** Hands one row over: its kind, its words (id, hash, and an edge's endpoints) and its text. */
const handOver = async (kind: number, ids: ReadonlyArray<string>, texts: ReadonlyArray<string>): Promise<void> => {
  const into = batch as Batch
  const base = into.rows * ROW_WORDS
  const start = into.textAt
  for (const value of texts) text(into, value)
  into.words[base] = kind
  into.words[base + 1] = into.textAt - start
  for (let at = 0; at < ids.length; at++) keyFromHex(ids[at] as string, into.words, base + 4 + 4 * at)
  if (++into.rows === BATCH_ROWS || into.textAt > into.text.length - 4096) await send()
}

const staging = mode === "puts" ? new CoreStaging(new LogSpill()) : undefined
let built = 0
const entity = async (step: string, builder: Builder<EntityRecord>): Promise<void> => {
  const { record, json } = staged(builder)
  built++
  if (staging !== undefined) staging.putEntity(step, record, json)
  else if (worker !== undefined)
    await handOver(0, [record.id, record.hash], [record.key, record.class, record.displayName, json])
}
const relationship = async (builder: Builder<RelationshipRecord>): Promise<void> => {
  const { record, json } = staged(builder)
  built++
  if (staging !== undefined) staging.putRelationship("build-relationships", record, json)
  else if (worker !== undefined) {
    await handOver(
      1,
      [record.id, record.hash, record.fromId, record.toId],
      [record.fromType, record.fromKey, record.toType, record.toKey, json]
    )
  }
}

const start = performance.now()
const cpuAtStart = process.cpuUsage()
for (let i = 0; i < n; i++) await entity("fetch-hosts", host(n, 0, i))
for (let i = 0; i < n; i++) await entity("fetch-users", user(n, 0, i))
for (let j = 0; j < n / 2; j++) await entity("fetch-services", service(n, 0, j, `host-${2 * j}.bench.local`))
for (let j = 0; j < n / 2; j++) await relationship(runs(j))
for (let j = 0; j < n / 2; j++) await relationship(uses(j))
const emitted = performance.now()
let claimed = built
if (worker !== undefined) {
  if ((batch as Batch).rows > 0) await send()
  claimed = await new Promise<number>((resolve) => {
    finished = resolve
    worker.postMessage({ end: true })
  })
  worker.terminate()
}
const end = performance.now()
const cpu = process.cpuUsage(cpuAtStart)
staging?.close()
if (claimed !== built) throw new Error(`the worker claimed ${claimed} ids of ${built}`)
console.log(
  JSON.stringify({
    n,
    mode,
    objects: built,
    emitMs: emitted - start,
    totalMs: end - start,
    cpuMs: (cpu.user + cpu.system) / 1000
  })
)
