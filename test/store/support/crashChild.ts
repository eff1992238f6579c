/**
 * A child process for the SIGKILL tests: syncs `n` hosts tagged `tag` into the database at `path`. It
 * prints `COMMITTING` when collection is done and the commit starts, `WRITE <i> <ms>` before each write
 * of the commit (ms since COMMITTING), `COMMITTED <ms>` once the commit's transaction is durable, and
 * `DONE` when the sync finished. `hold` makes it stop and wait to be killed: `write:<i>` before write `i`
 * (inside the open transaction), `committed` right after the commit (before the lock is released).
 * `cacheMiB` sets the sync connection's page cache: a small one spills uncommitted pages into the WAL.
 * `mutant` (or `none`) sets one of the store's deliberate bugs (`Mutant`); `first` is the index of the
 * first host emitted (hosts `h<first>` to `h<first + n - 1>`), so that two syncs can differ in the rows
 * they hold, not only in their content.
 *
 *   bun test/store/support/crashChild.ts <path> <n> <tag> [account] [hold] [cacheMiB] [mutant] [first]
 */
import { Effect } from "effect"
import { Connector, entity, step } from "../../../src/index.ts"
import { SqliteStore, sync } from "../../../src/runtime.ts"

const [
  path = "",
  size = "1000",
  tag = "old",
  account = "default",
  hold = "none",
  cache = "64",
  mutant = "none",
  firstIndex = "0"
] = process.argv.slice(2)
const n = Number(size)
const first = Number(firstIndex)
let committing = 0
const since = () => Math.round(performance.now() - committing)
const say = (line: string) => process.stdout.write(`${line}\n`)

/** Waits to be killed, blocking the whole process (as a crash would find it: mid-transaction, locks held). */
const waitForKill = (): never => {
  for (;;) Bun.sleepSync(1_000)
}

const hosts = Connector.make({
  name: "crash",
  steps: [
    step("hosts", "hosts").run((ctx) =>
      Effect.gen(function* () {
        for (let i = first; i < first + n; i++) {
          yield* ctx.emitEntity(entity("host", `h${i}`).class("Host").property("tag", tag).property("i", i))
        }
      })
    )
  ]
})

const testing: SqliteStore.StoreTesting = {
  beforeWrite: (index) => {
    say(`WRITE ${index} ${since()}`)
    if (hold === `write:${index}`) {
      say("HOLDING")
      waitForKill()
    }
  }
}

await Effect.runPromise(
  sync(hosts, {
    account,
    force: true,
    onEvent: (event) => {
      if (event._tag === "SyncFinished") {
        committing = performance.now()
        say("COMMITTING")
      }
      if (event._tag === "SyncCommitted") {
        say(`COMMITTED ${since()}`)
        if (hold === "committed") {
          say("HOLDING")
          waitForKill()
        }
      }
    }
  }).pipe(
    Effect.provide(
      SqliteStore.layerWith({
        path,
        testing: { ...testing, ...(mutant === "none" ? {} : { mutant: mutant as SqliteStore.Mutant }) },
        cacheMiB: Number(cache)
      })
    )
  )
)
say("DONE")
