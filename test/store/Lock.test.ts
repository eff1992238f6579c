import { describe, expect, test } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Deferred, Effect, Fiber } from "effect"
import { Connector, entity, step } from "../../src/index.ts"
import * as SqliteStore from "../../src/store/sqlite/SqliteStore.ts"
import { Store } from "../../src/sync/Store.ts"
import { sync } from "../../src/sync/Sync.ts"

/** The same-scope lock across processes: a second sync waits up to its timeout, then fails with `ScopeLocked`. */

const CHILD = join(import.meta.dir, "support", "lockChild.ts")

const inDir = async (body: (path: string) => Promise<void>) => {
  const dir = mkdtempSync(join(tmpdir(), "parallax-lock-"))
  try {
    const path = join(dir, "lock.db")
    await Effect.runPromise(
      Effect.flatMap(Store, (store) => store.stats()).pipe(Effect.provide(SqliteStore.layerWith({ path })))
    )
    await body(path)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Starts the helper and resolves once it holds the scope or the write lock; `exited` gives its whole output. */
const holdInChild = async (path: string, mode: "scope" | "write", holdMs: number) => {
  const child = Bun.spawn([process.execPath, CHILD, path, mode, String(holdMs)], { stdout: "pipe", stderr: "inherit" })
  const reader = child.stdout.getReader()
  let output = ""
  while (!output.includes("HOLDING")) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`lock child ended before holding: ${output}`)
    output += new TextDecoder().decode(value)
  }
  const exited = (async () => {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      output += new TextDecoder().decode(value)
    }
    await child.exited
    return output
  })()
  return { exited }
}

const one = Connector.make({
  name: "locked",
  steps: [
    step("hosts", "hosts").run((ctx) => ctx.emitEntity(entity("host", "parent").class("Host")).pipe(Effect.asVoid))
  ]
})

const timedSync = (path: string, lockTimeoutMs: number) => {
  const start = Date.now()
  return Effect.runPromise(
    Effect.either(sync(one, { lockTimeoutMs }).pipe(Effect.provide(SqliteStore.layerWith({ path }))))
  ).then((outcome) => ({ outcome, ms: Date.now() - start }))
}

describe("scope lock across processes", () => {
  test(
    "a second sync of a scope another process is syncing fails with ScopeLocked after about T ms",
    () =>
      inDir(async (path) => {
        const child = await holdInChild(path, "scope", 4_000)
        const { outcome, ms } = await timedSync(path, 500)
        expect(outcome._tag === "Left" && outcome.left._tag).toBe("ScopeLocked")
        expect(outcome._tag === "Left" && outcome.left.message).toContain(`process`)
        expect(ms).toBeGreaterThanOrEqual(450)
        expect(ms).toBeLessThan(2_500)
        expect(await child.exited).toContain("DONE")
      }),
    30_000
  )

  test(
    "with a timeout long enough, the second sync waits for the first and then commits",
    () =>
      inDir(async (path) => {
        const child = await holdInChild(path, "scope", 1_500)
        const { outcome, ms } = await timedSync(path, 20_000)
        expect(outcome._tag === "Right" && outcome.right.generation).toBe(2)
        expect(ms).toBeGreaterThanOrEqual(1_000)
        expect(await child.exited).toContain("DONE")
      }),
    30_000
  )

  test(
    "another process's plain write transaction counts against the lock timeout, not the busy timeout",
    () =>
      inDir(async (path) => {
        const child = await holdInChild(path, "write", 5_000)
        const { outcome, ms } = await timedSync(path, 400)
        expect(outcome._tag === "Left" && outcome.left._tag).toBe("ScopeLocked")
        expect(outcome._tag === "Left" && outcome.left.message).toContain("write transaction")
        expect(ms).toBeGreaterThanOrEqual(350)
        expect(ms).toBeLessThan(2_500)
        expect(await child.exited).toContain("DONE")
        const after = await timedSync(path, 400)
        expect(after.outcome._tag === "Right" && after.outcome.right.generation).toBe(1)
      }),
    30_000
  )

  test(
    "a write transaction shorter than the lock timeout is waited for",
    () =>
      inDir(async (path) => {
        const child = await holdInChild(path, "write", 1_000)
        const { outcome, ms } = await timedSync(path, 20_000)
        expect(outcome._tag === "Right" && outcome.right.generation).toBe(1)
        expect(ms).toBeGreaterThanOrEqual(500)
        expect(await child.exited).toContain("DONE")
      }),
    30_000
  )

  test(
    "a sync interrupted while staging releases the scope's lock",
    () =>
      inDir((path) =>
        Effect.runPromise(
          Effect.gen(function* () {
            const staged = yield* Deferred.make<void>()
            const stuck = Connector.make({
              name: "locked",
              steps: [
                step("hosts", "hosts").run((ctx) =>
                  Effect.gen(function* () {
                    yield* ctx.emitEntity(entity("host", "a").class("Host"))
                    yield* Deferred.succeed(staged, undefined)
                    yield* Effect.never
                  })
                )
              ]
            })
            const running = yield* Effect.fork(sync(stuck))
            yield* Deferred.await(staged)
            yield* Fiber.interrupt(running)
            const next = yield* sync(one, { lockTimeoutMs: 300 })
            expect(next.generation).toBe(1)
          }).pipe(Effect.provide(SqliteStore.layerWith({ path })))
        )
      ),
    30_000
  )
})
