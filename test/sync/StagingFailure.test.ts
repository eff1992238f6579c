import { describe, expect, test } from "bun:test"
import { Effect } from "effect"
import { Connector, entity, step } from "../../src/index.ts"
import { Store, type SyncEvent, sync } from "../../src/runtime.ts"
import { tempStore } from "./support/Source.ts"

/**
 * A staging failure (the disk under the temporary directory fills up) fails the whole sync, at once and
 * clearly: not one step, since the rows lost may be any step's. No step reports success after it, nothing
 * is committed, and the failed run is recorded. (Before: the step that hit the error failed, another
 * reported 100,000 entities, a dependent step read back a fraction of them and succeeded too, and the
 * commit then failed with "NOT NULL constraint failed: entities.type".)
 */

const padding = "x".repeat(400)

const connector = Connector.make({
  name: "filler",
  steps: [
    step("big", "emits more than the staging room").run((ctx) =>
      Effect.forEach(
        Array.from({ length: 5000 }, (_, i) => i),
        (i) => ctx.emitEntity(entity("host", `h${i}`).class("Host").property("padding", padding)),
        { discard: true }
      )
    ),
    step("users", "independent, slow").run((ctx) =>
      Effect.forEach(
        Array.from({ length: 2000 }, (_, i) => i),
        (i) =>
          Effect.zipRight(
            Effect.yieldNow(),
            ctx.emitEntity(entity("user", `u${i}`).class("User").property("padding", padding))
          ),
        { discard: true }
      )
    ),
    step("readers", "reads the users back")
      .dependsOn("users")
      .run((ctx) =>
        Effect.forEach(
          [...ctx.prior.entities("user")],
          (user) => ctx.emitEntity(entity("reader", user.key).class("User")),
          { discard: true }
        )
      )
  ]
})

/** The same connector, emitting one host: a scope that holds rows stages into a log, not a table. */
const small = Connector.make({
  name: "filler",
  steps: [step("big", "one host").run((ctx) => ctx.emitEntity(entity("host", "h0").class("Host")))]
})

describe("a staging failure", () => {
  test.each([
    ["an empty scope (staged into a table)", false],
    ["a scope holding rows (staged into a log)", true]
  ])(
    "fails the whole sync with StagingFailed, saying where and how much; nothing committed; run recorded: %s",
    async (_, held) => {
      const events: Array<SyncEvent> = []
      const outcome = await Effect.runPromise(
        Effect.gen(function* () {
          if (held) yield* sync(small)
          const before = held ? (yield* (yield* Store).dump()).rows : []
          const result = yield* Effect.either(sync(connector, { onEvent: (event) => events.push(event) }))
          const store = yield* Store
          return { result, before, dump: yield* store.dump() }
        }).pipe(Effect.provide(tempStore({ testing: { stagingMaxBytes: 512 * 1024 } })), Effect.scoped)
      )
      expect(outcome.result._tag).toBe("Left")
      const error = outcome.result._tag === "Left" ? outcome.result.left : undefined
      expect(error?._tag).toBe("StagingFailed")
      expect(error?.message).toMatch(
        /^no room to stage in \S+parallax-stage-\S+: needs more than \d+ MiB \(the disk filled up after [\d,]+ staged rows\)/
      )
      expect(error?.message).toContain("SQLITE_TMPDIR (or TMPDIR)")
      // No step reports success on lost data: the big one never completes, nor does anything after the failure.
      const completed = events.filter((event) => event._tag === "StepCompleted").map((event) => event.step)
      expect(completed).not.toContain("big")
      expect(completed).not.toContain("readers")
      expect(events.some((event) => event._tag === "SyncCommitted")).toBe(false)
      expect(outcome.dump.rows).toEqual(outcome.before)
      expect(outcome.dump.rows.length).toBe(held ? 1 : 0)
      expect(outcome.dump.runs.map((run) => [run.status, run.error?.startsWith("no room to stage")])).toEqual([
        ...(held ? [["succeeded" as const, undefined]] : []),
        ["failed", true]
      ])
    },
    60_000
  )
})
