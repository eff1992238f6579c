import { median } from "./measure.ts"

/**
 * Where a sync's wall time went, from the timestamps of its `--log-format json` events (the commit's
 * `CommitProgress` phases): `collection` from `SyncStarted` to `SyncFinished` (the steps emitting,
 * validated and staged as they go), `seal` (`staging`: the spill sealed), `diff` (`checking` and `diff`:
 * C04 and the diff against the committed rows, up to the first write), `writes` (from the first write to
 * `SyncCommitted`, the transaction's end included) and `other` (start-up, configuration, opening the
 * store, and exit: the rest of the process's wall time). Millisecond resolution (the events' ISO times).
 */
export interface Phases {
  readonly collectionMs: number
  readonly sealMs: number
  readonly diffMs: number
  readonly writesMs: number
  readonly otherMs: number
}

interface TimedEvent {
  readonly event: string
  readonly phase?: string
  readonly at: number
}

const eventsOf = (stderr: string): ReadonlyArray<TimedEvent> => {
  const events: Array<TimedEvent> = []
  for (const line of stderr.split("\n")) {
    if (!line.startsWith("{")) continue
    try {
      const parsed = JSON.parse(line) as { event?: unknown; phase?: unknown; time?: unknown }
      if (typeof parsed.event !== "string" || typeof parsed.time !== "string") continue
      const at = Date.parse(parsed.time)
      events.push({ event: parsed.event, ...(typeof parsed.phase === "string" ? { phase: parsed.phase } : {}), at })
    } catch {}
  }
  return events
}

/** The phases of one sync from its standard error and wall time; `undefined` when an event is missing. */
export const phasesOf = (stderr: string, wallMs: number): Phases | undefined => {
  const events = eventsOf(stderr)
  const first = (event: string, phase?: string) =>
    events.find((e) => e.event === event && (phase === undefined || e.phase === phase))?.at
  const started = first("SyncStarted")
  const finished = first("SyncFinished")
  const staging = first("CommitProgress", "staging")
  const checking = first("CommitProgress", "checking")
  const writing = first("CommitProgress", "writing")
  const committed = first("SyncCommitted")
  if ([started, finished, staging, checking, writing, committed].some((at) => at === undefined)) return undefined
  const collectionMs = (finished as number) - (started as number)
  const sealMs = (checking as number) - (staging as number)
  const diffMs = (writing as number) - (checking as number)
  const writesMs = (committed as number) - (writing as number)
  return {
    collectionMs,
    sealMs,
    diffMs,
    writesMs,
    otherMs: Math.max(0, wallMs - collectionMs - sealMs - diffMs - writesMs)
  }
}

const share = (part: number, whole: number) => `${Math.round((100 * part) / whole)}%`
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`

/**
 * The phase table of one size: the median of each phase over the runs, as seconds and as a share of the
 * scenario's median wall time. Collection is split into what the connector and the SDK alone take
 * (`sdkMs`, the `sdk-only` baseline measured in the same run, in-process time) and the rest of it, which
 * is staging (the spill and its index) while the steps emit.
 */
export const renderPhases = (
  rows: ReadonlyArray<{
    readonly scenario: string
    readonly wallMs: ReadonlyArray<number>
    readonly phases?: ReadonlyArray<Phases | undefined>
  }>,
  sdkMs: number | undefined
): ReadonlyArray<string> => {
  const lines: Array<string> = []
  for (const row of rows) {
    const phases = (row.phases ?? []).filter((p): p is Phases => p !== undefined && p !== null)
    if (phases.length === 0) continue
    const wall = median(row.wallMs)
    const m = (pick: (p: Phases) => number) => median(phases.map(pick))
    const collection = m((p) => p.collectionMs)
    const emit = sdkMs === undefined ? undefined : Math.min(sdkMs, collection)
    const cells = [
      `${secs(collection)} (${share(collection, wall)})`,
      emit === undefined ? "–" : `${secs(emit)} (${share(emit, wall)})`,
      emit === undefined ? "–" : `${secs(collection - emit)} (${share(collection - emit, wall)})`,
      `${secs(m((p) => p.sealMs))} (${share(
        m((p) => p.sealMs),
        wall
      )})`,
      `${secs(m((p) => p.diffMs))} (${share(
        m((p) => p.diffMs),
        wall
      )})`,
      `${secs(m((p) => p.writesMs))} (${share(
        m((p) => p.writesMs),
        wall
      )})`,
      `${secs(m((p) => p.otherMs))} (${share(
        m((p) => p.otherMs),
        wall
      )})`
    ]
    lines.push(`| ${row.scenario} | ${secs(wall)} | ${cells.join(" | ")} |`)
  }
  if (lines.length === 0) return []
  return [
    "Where the time goes (median per phase, share of the scenario's wall time; from the `--log-format json` events): " +
      "collection = the steps running, of which the connector and the SDK alone (the `sdk-only` baseline) and the " +
      "rest (staging: the spill and its index while the steps emit); seal = the spill sealed; C04 + diff = the " +
      "relationships' endpoints checked and the batch diffed against the committed rows; writes = the rows and the " +
      "run record written and the transaction committed; other = start-up, configuration, opening the store, exit.",
    "",
    "| scenario | wall | collection | of which connector + SDK | of which staging | seal | C04 + diff | writes | other |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...lines,
    ""
  ]
}
