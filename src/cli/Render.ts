import Table from "cli-table3"
import { createLogUpdate } from "log-update"
import pc from "picocolors"
import type { StepOutcome, SyncEvent } from "../scheduler/Events.ts"
import type { SyncResult } from "../sync/SyncResult.ts"

/** Tables without a rule between rows: one line per row, borders only around the head and the body. */
const tableStyle = {
  style: { head: [], border: [] },
  chars: { mid: "", "left-mid": "", "mid-mid": "", "right-mid": "" }
}

/** How sync progress is shown: live on a terminal, a line per event otherwise, JSON lines for collectors. */
export type ProgressMode = "live" | "lines" | "json" | "none"

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
      : status === "skipped" || status === "waiting"
        ? pc.dim(status)
        : pc.red(status)

/** Renders events as they come; `finish` leaves the last frame in place. */
export const progress = (
  mode: ProgressMode,
  stepIds: ReadonlyArray<string>,
  write: (line: string) => void
): { readonly onEvent: (event: SyncEvent) => void; readonly finish: () => void } => {
  if (mode === "none") return { onEvent: () => {}, finish: () => {} }
  if (mode === "json") {
    return {
      onEvent: (event) => write(JSON.stringify({ time: new Date().toISOString(), ...eventFields(event) })),
      finish: () => {}
    }
  }
  if (mode === "lines") return { onEvent: (event) => write(eventLine(event)), finish: () => {} }
  const lines = new Map<string, StepLine>(
    stepIds.map((id) => [
      id,
      { status: "waiting", entities: 0, relationships: 0, durationMs: undefined, retries: 0, startedAt: 0, note: "" }
    ])
  )
  const frame = () => {
    const now = performance.now()
    return [...lines]
      .map(([id, line]) => {
        const duration = line.durationMs ?? (line.status === "running" ? now - line.startedAt : undefined)
        const counts =
          line.status === "succeeded" ? `${line.entities} entities, ${line.relationships} relationships` : ""
        const retries = line.retries > 0 ? pc.yellow(` (${line.retries} retries)`) : ""
        const time = duration === undefined ? "" : `${(duration / 1000).toFixed(1)}s`
        return `  ${id.padEnd(24)} ${statusColor(line.status).padEnd(20)} ${time.padStart(7)}  ${counts}${retries}${line.note ? pc.dim(` ${line.note}`) : ""}`
      })
      .concat(
        footer === "" ? [] : [`  ${footer}${committingSince ? ` ${((now - committingSince) / 1000).toFixed(1)}s` : ""}`]
      )
      .join("\n")
  }
  let footer = ""
  let committingSince = 0
  const render = createLogUpdate(process.stderr)
  const timer = setInterval(() => render(frame()), 100)
  const update = (id: string, patch: Partial<StepLine>) => {
    const line = lines.get(id)
    if (line) Object.assign(line, patch)
  }
  return {
    onEvent: (event) => {
      switch (event._tag) {
        case "StepStarted":
          update(event.step, { status: "running", startedAt: performance.now() })
          break
        case "StepCompleted":
          update(event.step, {
            status: "succeeded",
            entities: event.entities,
            relationships: event.relationships,
            durationMs: event.durationMs
          })
          break
        case "StepFailed":
          update(event.step, { status: "failed", durationMs: event.durationMs, note: event.error.message })
          break
        case "StepSkipped":
          update(event.step, { status: "skipped", note: event.because })
          break
        case "StepRetrying":
          update(event.step, {
            retries: event.attempt,
            note: `retrying in ${event.delayMs} ms: ${event.error.message}`
          })
          break
        case "SyncFinished":
          footer = pc.cyan("validating, diffing and committing…")
          committingSince = performance.now()
          break
        case "SyncCommitted":
          footer = `${event.dryRun ? "dry run: would commit" : "committed"} generation ${event.generation}`
          committingSince = 0
          break
        default:
          break
      }
      render(frame())
    },
    finish: () => {
      clearInterval(timer)
      render(frame())
      render.done()
    }
  }
}

const eventFields = (event: SyncEvent): Record<string, unknown> => {
  switch (event._tag) {
    case "StepFailed":
      return { event: event._tag, step: event.step, durationMs: event.durationMs, error: errorFields(event.error) }
    case "StepRetrying":
      return { ...event, event: event._tag, _tag: undefined, error: errorFields(event.error) }
    case "SyncFinished":
      return { event: event._tag, syncId: event.syncId, steps: event.steps.map(stepJson) }
    default:
      return { ...event, event: event._tag, _tag: undefined }
  }
}

const errorFields = (error: { readonly _tag: string; readonly message: string }) => ({
  tag: error._tag,
  message: error.message
})

/** One line for a non-terminal log. */
export const eventLine = (event: SyncEvent): string => {
  switch (event._tag) {
    case "SyncStarted":
      return `sync started: ${event.connector} account=${event.account} sync=${event.syncId}`
    case "StepStarted":
      return `step ${event.step}: started${event.attempt > 1 ? ` (attempt ${event.attempt})` : ""}`
    case "StepCompleted":
      return `step ${event.step}: succeeded, ${event.entities} entities, ${event.relationships} relationships in ${event.durationMs} ms`
    case "StepFailed":
      return `step ${event.step}: failed after ${event.durationMs} ms: ${event.error.message}`
    case "StepSkipped":
      return `step ${event.step}: skipped, ${event.because}`
    case "StepRetrying":
      return `step ${event.step}: retrying in ${event.delayMs} ms (attempt ${event.attempt} failed: ${event.error.message})`
    case "SyncFinished":
      return `collection finished: ${event.steps.filter((step) => step.status === "succeeded").length}/${event.steps.length} steps succeeded`
    case "SyncCommitted": {
      const s = event.stats
      return `${event.dryRun ? "dry run" : "committed"} generation ${event.generation} (${event.status}): entities +${s.entitiesCreated} ~${s.entitiesUpdated} -${s.entitiesDeleted} =${s.entitiesUnchanged}, relationships +${s.relationshipsCreated} ~${s.relationshipsUpdated} -${s.relationshipsDeleted} =${s.relationshipsUnchanged}`
    }
  }
}

/** A step outcome in the stable JSON shape. */
export const stepJson = (step: StepOutcome) => ({
  id: step.id,
  status: step.status,
  entities: step.entities,
  relationships: step.relationships,
  durationMs: step.durationMs,
  ...(step.error === undefined ? {} : { error: step.error.message }),
  ...(step.skippedBecause === undefined ? {} : { skippedBecause: step.skippedBecause })
})

/** The stable `--json` object of `parallax sync` (README, "JSON output"). */
export const syncJson = (result: SyncResult) => ({
  connector: result.connector,
  account: result.account,
  syncId: result.syncId,
  generation: result.generation,
  status: result.status,
  dryRun: result.dryRun,
  durationMs: result.durationMs,
  stats: result.stats,
  steps: result.steps.map(stepJson),
  warnings: result.warnings.map((warning) => `${warning.step}: ${warning.subject}: ${warning.message}`)
})

/** The human summary of a sync: the change as a table, then each step. */
export const syncSummary = (result: SyncResult): string => {
  const s = result.stats
  const change = new Table({
    head: ["", "created", "updated", "deleted", "unchanged"],
    ...tableStyle
  })
  change.push(
    ["entities", s.entitiesCreated, s.entitiesUpdated, s.entitiesDeleted, s.entitiesUnchanged],
    ["relationships", s.relationshipsCreated, s.relationshipsUpdated, s.relationshipsDeleted, s.relationshipsUnchanged]
  )
  const status =
    result.status === "succeeded"
      ? pc.green(result.status)
      : result.status === "partial"
        ? pc.yellow(result.status)
        : pc.red(result.status)
  const heading = `${result.dryRun ? "dry run of " : ""}${result.connector} (account ${result.account}): ${status}, generation ${result.generation}, ${result.durationMs} ms`
  const problems = result.steps
    .filter((step) => step.status !== "succeeded")
    .map(
      (step) =>
        `  ${step.id}: ${step.status}${step.error ? `: ${step.error.message}` : step.skippedBecause ? `: ${step.skippedBecause}` : ""}`
    )
  const warnings =
    result.warnings.length === 0
      ? []
      : [`${result.warnings.length} warning(s), e.g. ${result.warnings[0]?.subject}: ${result.warnings[0]?.message}`]
  return [
    heading,
    change.toString(),
    ...(problems.length ? ["steps that did not succeed (their rows were kept):", ...problems] : []),
    ...warnings
  ].join("\n")
}

/** A plain table for read commands. */
export const table = (head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string | number>>): string => {
  const out = new Table({ head: [...head], ...tableStyle })
  for (const row of rows) out.push([...row])
  return out.toString()
}
