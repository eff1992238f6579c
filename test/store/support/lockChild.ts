/**
 * A child process for the cross-process lock tests. Prints HOLDING once it holds what it was asked to
 * hold, then DONE when it let go.
 *
 *   bun test/store/support/lockChild.ts <path> scope <holdMs>   a sync of scope locked/default whose step takes holdMs
 *   bun test/store/support/lockChild.ts <path> write <holdMs>   a plain write transaction held for holdMs
 */
import { Database } from "bun:sqlite"
import { Effect } from "effect"
import { Connector, entity, step } from "../../../src/index.ts"
import { SqliteStore, sync } from "../../../src/runtime.ts"

const [path = "", mode = "scope", hold = "1000"] = process.argv.slice(2)
const holdMs = Number(hold)

if (mode === "write") {
  const db = new Database(path)
  db.exec("PRAGMA busy_timeout = 10000")
  db.exec("BEGIN IMMEDIATE")
  db.exec("CREATE TABLE IF NOT EXISTS lock_child_scratch (x)")
  process.stdout.write("HOLDING\n")
  Bun.sleepSync(holdMs)
  db.exec("COMMIT")
  db.close()
} else {
  const slow = Connector.make({
    name: "locked",
    steps: [
      step("hosts", "hosts").run((ctx) =>
        Effect.gen(function* () {
          yield* Effect.sync(() => process.stdout.write("HOLDING\n"))
          yield* Effect.sleep(holdMs)
          yield* ctx.emitEntity(entity("host", "child").class("Host"))
        })
      )
    ]
  })
  await Effect.runPromise(sync(slow).pipe(Effect.provide(SqliteStore.layerWith({ path }))))
}
process.stdout.write("DONE\n")
