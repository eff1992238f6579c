import { LogLevel } from "effect"
import { createLogUpdate } from "log-update"
import pc from "picocolors"
import type { SyncEvent } from "../model/Events.ts"
import type { LogEntry } from "./Logging.ts"
import { counted, jsonLine, objectCounts, printable } from "./Printable.ts"
import { stepJson } from "./Render.ts"

/** How sync progress is shown: live on a terminal, a line per event otherwise, JSON lines for collectors. */
export type ProgressMode = "live" | "lines" | "json" | "none"

/** What `parallax sync` feeds the view: the run's events, and the connector's logs while it runs. */
export interface ProgressView {
  readonly onEvent: (event: SyncEvent) => void
  /** Prints a log line (above the live frame on a terminal); a warning also becomes its step's note. */
  readonly log: (entry: LogEntry) => void
  /** Leaves the last frame in place. */
  readonly finish: () => void
}

interface StepLine {
  status: string
  entities: number
  relationships: number
  durationMs: number | undefined
  retries: number
  startedAt: number
  note: string
}

const statusColor = (status: string) =>
  status === "succeeded"
    ? pc.green(status)
    : status === "running"
      ? pc.cyan(status)
      : status === "skipped" || status === "waiting" || status === "disabled" || status === "not_selected"
        ? pc.dim(status)
        : pc.red(status)

/** A delay as people read it: `800 ms`, `2.5 s`, `42 s`. */
export const formatDelay = (ms: number): string =>
  ms < 1000 ? `${Math.round(ms)} ms` : ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`

/**
 * Standard error as log-update sees it. A terminal that reports 0 columns or rows (some CI runners, a
 * pseudo-terminal nobody sized) would make it draw nothing: assume 80×24 then.
 */
const sizedStderr = (): NodeJS.WriteStream =>
  new Proxy(process.stderr, {
    get(target, property) {
      if (property === "columns") return target.columns || 80
      if (property === "rows") return target.rows || 24
      const value = Reflect.get(target, property, target)
      return typeof value === "function" ? value.bind(target) : value
    }
  })

const plainLog = (entry: LogEntry) => process.stderr.write(`${entry.line}\n`)

/** Renders events as they come, in `mode`; `write` prints one line of the non-live modes. */
export const progress = (
  mode: ProgressMode,
  stepIds: ReadonlyArray<string>,
  write: (line: string) => void
): ProgressView => {
  if (mode === "none") return { onEvent: () => {}, log: plainLog, finish: () => {} }
  // A running step's counts come several times a second: the live frame shows them, a log does not.
  if (mode === "json") {
    return {
      onEvent: (event) => {
        if (event._tag !== "StepProgress") write(jsonLine({ time: new Date().toISOString(), ...eventFields(event) }))
      },
      log: plainLog,
      finish: () => {}
    }
  }
  if (mode === "lines") {
    return {
      onEvent: (event) => {
        if (event._tag !== "StepProgress") write(eventLine(event))
      },
      log: plainLog,
      finish: () => {}
    }
  }
  const lines = new Map<string, StepLine>(
    stepIds.map((id) => [
      id,
      { status: "waiting", entities: 0, relationships: 0, durationMs: undefined, retries: 0, startedAt: 0, note: "" }
    ])
  )
  let footer = ""
  let committingSince = 0
  const frame = () => {
    const now = performance.now()
    return [...lines]
      .map(([id, line]) => {
        const duration = line.durationMs ?? (line.status === "running" ? now - line.startedAt : undefined)
        const counts =
          line.status === "succeeded" || (line.status === "running" && line.entities + line.relationships > 0)
            ? objectCounts(line.entities, line.relationships)
            : ""
        const retries = line.retries > 0 ? pc.yellow(` (${counted(line.retries, "retry", "retries")})`) : ""
        const time = duration === undefined ? "" : `${(duration / 1000).toFixed(1)}s`
        return `  ${printable(id).padEnd(24)} ${statusColor(line.status).padEnd(20)} ${time.padStart(7)}  ${counts}${retries}${line.note ? pc.dim(` ${printable(line.note)}`) : ""}`
      })
      .concat(
        footer === "" ? [] : [`  ${footer}${committingSince ? ` ${((now - committingSince) / 1000).toFixed(1)}s` : ""}`]
      )
      .join("\n")
  }
  const render = createLogUpdate(sizedStderr())
  const timer = setInterval(() => render(frame()), 100)
  const update = (id: string, patch: Partial<StepLine>) => {
    const line = lines.get(id)
    if (line) Object.assign(line, patch)
  }
  return {
    onEvent: (event) => {
      switch (event._tag) {
        case "StepStarted":
          update(event.step, { status: "running", startedAt: performance.now(), entities: 0, relationships: 0 })
          break
        case "StepProgress":
          update(event.step, { entities: event.entities, relationships: event.relationships })
          break
        case "StepCompleted":
          update(event.step, {
            status: "succeeded",
            entities: event.entities,
            relationships: event.relationships,
            durationMs: event.durationMs,
            note: ""
          })
          break
        case "StepFailed":
          update(event.step, { status: "failed", durationMs: event.durationMs, note: event.error.message })
          break
        case "StepSkipped":
          update(event.step, { status: event.status, note: event.because })
          break
        case "StepRetrying":
          update(event.step, {
            retries: event.attempt,
            note: `retrying in ${formatDelay(event.delayMs)}: ${event.error.message}`
          })
          break
        case "SyncFinished":
          footer = pc.cyan("validating, diffing and committing…")
          committingSince = performance.now()
          break
        case "CommitProgress":
          footer = pc.cyan(commitText(event))
          break
        case "SyncCommitted":
          footer = `${event.dryRun ? "dry run: would commit" : "committed"} generation ${event.generation}`
          committingSince = 0
          break
        case "ScopeLockWaiting":
          footer = pc.yellow(printable(lockWaitText(event)))
          break
        default:
          break
      }
      render(frame())
    },
    log: (entry) => {
      if (entry.step !== undefined && LogLevel.greaterThanEqual(entry.level, LogLevel.Warning)) {
        update(entry.step, { note: entry.message })
      }
      // The line goes above the frame, once; the frame is drawn again below it.
      render.persist(entry.line)
      render(frame())
    },
    finish: () => {
      clearInterval(timer)
      render(frame())
      render.done()
    }
  }
}

const errorFields = (error: { readonly _tag: string; readonly message: string }) => ({
  tag: error._tag,
  message: error.message
})

const eventFields = (event: SyncEvent): Record<string, unknown> => {
  switch (event._tag) {
    case "StepFailed":
      return { event: event._tag, step: event.step, durationMs: event.durationMs, error: errorFields(event.error) }
    case "StepRetrying":
      return {
        event: event._tag,
        step: event.step,
        attempt: event.attempt,
        delayMs: Math.round(event.delayMs),
        error: errorFields(event.error)
      }
    case "SyncFinished":
      return { event: event._tag, syncId: event.syncId, steps: event.steps.map(stepJson) }
    default:
      return { ...event, event: event._tag, _tag: undefined }
  }
}

/** One line for a non-terminal log; control characters (in an account, a name, an error) shown escaped. */
export const eventLine = (event: SyncEvent): string => printable(eventText(event))

const eventText = (event: SyncEvent): string => {
  switch (event._tag) {
    case "SyncStarted":
      return `sync started: ${event.connector} account=${event.account} sync=${event.syncId}`
    case "StepStarted":
      return `step ${event.step}: started${event.attempt > 1 ? ` (attempt ${event.attempt})` : ""}`
    case "StepCompleted":
      return `step ${event.step}: succeeded, ${objectCounts(event.entities, event.relationships)} in ${event.durationMs} ms`
    case "StepFailed":
      return `step ${event.step}: failed after ${event.durationMs} ms: ${event.error.message}`
    case "StepSkipped":
      return `step ${event.step}: ${event.status.replace("_", " ")}, ${event.because}`
    case "StepRetrying":
      return `step ${event.step}: retrying in ${formatDelay(event.delayMs)} (attempt ${event.attempt} failed: ${event.error.message})`
    case "SyncFinished": {
      const duplicates = event.steps.reduce((sum, step) => sum + step.duplicates, 0)
      return `collection finished: ${event.steps.filter((step) => step.status === "succeeded").length}/${event.steps.length} steps succeeded${duplicates > 0 ? `, ${counted(duplicates, "identical re-emit")} kept once` : ""}`
    }
    case "SyncCommitted": {
      const s = event.stats
      return `${event.dryRun ? "dry run" : "committed"} generation ${event.generation} (${event.status}): entities +${s.entitiesCreated} ~${s.entitiesUpdated} -${s.entitiesDeleted} =${s.entitiesUnchanged}, relationships +${s.relationshipsCreated} ~${s.relationshipsUpdated} -${s.relationshipsDeleted} =${s.relationshipsUnchanged}`
    }
    case "StepProgress":
      return `step ${event.step}: ${objectCounts(event.entities, event.relationships)} so far`
    case "CommitProgress":
      return commitText(event)
    case "ScopeLockWaiting":
      return lockWaitText(event)
    case "SyncFailed":
      return `sync failed${event.generation === null ? "" : ` (run recorded as generation ${event.generation})`}: ${event.error}`
  }
}

const count = (n: number): string => n.toLocaleString("en-US")

/** Where a commit is: `writing 1,200,000 of 3,500,000 rows`. */
const commitText = (event: Extract<SyncEvent, { readonly _tag: "CommitProgress" }>): string => {
  switch (event.phase) {
    case "staging":
      return `staging ${count(event.total)} objects`
    case "checking":
      return `checking the relationships' endpoints (${count(event.total)} objects)`
    case "diff":
      return `diffing ${count(event.total)} objects against the store`
    case "writing":
      return `writing ${count(event.done)} of ${count(event.total)} rows`
    case "committing":
      return `committing ${count(event.total)} rows`
  }
}

/** What a sync waits for when another one holds its scope. */
const lockWaitText = (event: Extract<SyncEvent, { readonly _tag: "ScopeLockWaiting" }>): string =>
  `waiting for scope ${event.connector}/${event.account}: locked by ${event.holder} (for up to ${Math.round(event.timeoutMs / 1000)} s)`
