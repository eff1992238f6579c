/**
 * A child process for the SIGKILL test: syncs `n` hosts tagged `tag` into the database at `path`,
 * printing COMMITTING when collection is done and the commit starts, and DONE when it committed.
 *
 *   bun test/store/support/crashChild.ts <path> <n> <tag> [account]
 */
import { Effect } from "effect"
import { Connector, entity, SqliteStore, step, sync } from "../../../src/index.ts"

const [path = "", size = "1000", tag = "old", account = "default"] = process.argv.slice(2)
const n = Number(size)

const hosts = Connector.make({
  name: "crash",
  steps: [
    step("hosts", "hosts").run((ctx) =>
      Effect.gen(function* () {
        for (let i = 0; i < n; i++) {
          yield* ctx.emitEntity(entity("host", `h${i}`).class("Host").property("tag", tag).property("i", i))
        }
      })
    )
  ]
})

await Effect.runPromise(
  sync(hosts, {
    account,
    force: true,
    onEvent: (event) => {
      if (event._tag === "SyncFinished") process.stdout.write("COMMITTING\n")
    }
  }).pipe(Effect.provide(SqliteStore.layerWith({ path })))
)
process.stdout.write("DONE\n")
