import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Cause, Context, Effect, Exit, Layer } from "effect"
import { type OpenError, type StoreDump as PortDump, Store, type StoreTesting, sync } from "parallax-connect/runtime"
import type { HarnessBackend, StoreDump, SyncOutcome, TrialStore } from "./Backend.ts"

/** How to build a `Store` on a fresh database (file) with the harness's commit-fault hook. */
export type StoreLayerFactory = (options: {
  readonly path: string
  readonly testing: StoreTesting & { readonly beforeWrite: (index: number) => void }
}) => Layer.Layer<Store, OpenError>

const toDump = (dump: PortDump): StoreDump => ({
  rows: dump.rows.map((row) => ({
    kind: row.kind,
    connector: row.connector,
    account: row.account,
    id: row.id,
    step: row.step,
    hash: row.hash,
    generation: row.generation,
    raw: { ...row }
  })),
  runs: dump.runs.map((run) => ({ connector: run.connector, account: run.account, raw: { ...run } }))
})

/** A failed sync's cause in a few lines: the typed error's tag and message, or the defect without its stack. */
const describeCause = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  if (error instanceof Error) {
    const tag = (error as { _tag?: unknown })._tag
    return `${typeof tag === "string" ? tag : error.name}: ${error.message}`
  }
  return Cause.pretty(cause)
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("at "))
    .slice(0, 6)
    .join("\n")
}

/** Trial databases live in memory-backed `/dev/shm` when there is one: atomicity is checked by transactions, not by disks. */
const scratch = (): string => {
  const fromEnv = process.env.PARALLAX_HARNESS_TMPDIR
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv
  return existsSync("/dev/shm") ? "/dev/shm" : tmpdir()
}

const temporaryDirectory = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(scratch(), "parallax-harness-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

/**
 * A harness backend on any `Store` adapter: each trial gets a fresh database in a temporary directory,
 * deleted afterwards. A sync is the SDK's own `sync` (Configure → Discover → Collect → Publish → Commit),
 * with the mass-deletion guard forced off: the harness deletes on purpose.
 */
export const storeBackend = (name: string, layer: StoreLayerFactory): HarnessBackend => ({
  name,
  volatileFields: ["firstSeenAt", "syncId", "startedAt", "finishedAt"],
  open: Effect.gen(function* () {
    const dir = yield* temporaryDirectory
    const hook: { current: ((index: number) => void) | undefined } = { current: undefined }
    const scope = yield* Effect.scope
    const context = yield* Layer.buildWithScope(
      layer({ path: join(dir, "harness.db"), testing: { beforeWrite: (index) => hook.current?.(index) } }),
      scope
    )
    const store = Context.get(context, Store)
    const trial: TrialStore = {
      dump: store.dump().pipe(Effect.map(toDump), Effect.orDie),
      sync: (connector, options) =>
        Effect.suspend(() => {
          hook.current = options.beforeWrite
          return sync(connector, {
            account: options.account,
            config: options.config,
            force: true,
            lockTimeoutMs: 5_000,
            ...(options.layer === undefined ? {} : { layer: options.layer }),
            ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
            ...(options.steps === undefined ? {} : { steps: options.steps }),
            ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent })
          })
        }).pipe(
          Effect.map((result): SyncOutcome => ({ _tag: "Committed", result })),
          Effect.provide(context),
          Effect.ensuring(Effect.sync(() => (hook.current = undefined))),
          Effect.exit,
          Effect.map(
            (exit): SyncOutcome =>
              Exit.isSuccess(exit)
                ? exit.value
                : {
                    _tag: "Aborted",
                    error: Cause.squash(exit.cause),
                    message: describeCause(exit.cause)
                  }
          )
        )
    }
    return trial
  }).pipe(Effect.orDie)
})
