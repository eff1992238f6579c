import { MIB, seconds } from "./format.ts"
import { median } from "./measure.ts"
import type { Phases } from "./phases.ts"
import {
  CLI_FLOOR,
  EFFECT_FLOOR,
  HELLO_FLOOR,
  NAMESPACES_FLOOR,
  STARTUP_RATIO_TARGET,
  type StartupResult,
  startupMedian
} from "./startup.ts"

/**
 * Issue 14's targets at the largest size measured, each as a ratio to a baseline measured in the same run,
 * with its verdict and, for one that is not met, what bounds it: the measurement (from the same run) that
 * shows where the time or the memory goes.
 */

interface SizedRow {
  readonly n: number
  readonly scenario: string
  readonly wallMs: ReadonlyArray<number>
  readonly peakRssKiB: ReadonlyArray<number>
  readonly detail: ReadonlyArray<unknown>
  readonly phases?: ReadonlyArray<Phases | undefined>
}

/** The targets (issue 14, "Targets"). */
export const ISSUE_14 = {
  emitRatio: 1.5,
  sameRatio: 1.25,
  churnRatio: 1.8,
  /** `first` against the plain floor when the issue was filed: no slower than this. */
  firstFloorRatio: 0.54,
  rssMiB: 384,
  slopeBytes: 40
} as const

/** The staging index's bytes per object by construction (see src/sync/staging/StagedIndex.ts). */
const INDEX_BYTES = 34

const phaseMedian = (row: SizedRow | undefined, pick: (p: Phases) => number): number | undefined => {
  const phases = (row?.phases ?? []).filter((p): p is Phases => p !== undefined && p !== null)
  return phases.length === 0 ? undefined : median(phases.map(pick))
}

/** The median in-process time a baseline script printed (`totalMs`). */
export const inProcessMs = (row: Pick<SizedRow, "detail"> | undefined): number | undefined => {
  const totals = (row?.detail ?? [])
    .map((d) => (d as { totalMs?: number } | null)?.totalMs)
    .filter((v): v is number => typeof v === "number")
  return totals.length === 0 ? undefined : median(totals)
}

/**
 * The connector and SDK alone against the bare emit loop (in process), round by round: each round's ratio
 * (the two run one after the other) and their median, the figure judged against the target.
 */
export const emitRatios = (
  sdk: Pick<SizedRow, "detail"> | undefined,
  floor: Pick<SizedRow, "detail"> | undefined
): { readonly ratios: ReadonlyArray<number>; readonly median: number } | undefined => {
  const totals = (row: Pick<SizedRow, "detail"> | undefined) =>
    (row?.detail ?? []).map((d) => (d as { totalMs?: number } | null)?.totalMs)
  const bare = totals(floor)
  const ratios = totals(sdk).flatMap((ms, round) => {
    const floorMs = bare[round]
    return typeof ms === "number" && typeof floorMs === "number" && floorMs > 0 ? [ms / floorMs] : []
  })
  return ratios.length === 0 ? undefined : { ratios, median: median(ratios) }
}

const verdict = (met: boolean) => (met ? "met" : "**not met**")

/** The SDK's time beyond the bare loop split at its object model alone (bench/emit-model.ts), when measured. */
const emitModelText = (modelMs: number | undefined, floorMs: number, sdkMs: number): string =>
  modelMs === undefined
    ? ": the builders, validation, the records, the emit's own bookkeeping and the garbage all of them leave"
    : `: ${seconds(modelMs - floorMs)} in its object model (the builders, each value validated, the records: ` +
      `bench/emit-model.ts), ${seconds(sdkMs - modelMs)} in running the steps (each emit's effect and bookkeeping, ` +
      "the connector's loops and reads back)"

/** What bench/staging-parts.ts printed: each part of staging timed alone, in ms. */
interface StagingParts {
  /** The objects staged (entities and relationships). */
  readonly entities?: number
  readonly relationships?: number
  readonly claimsMs: number
  /** Absent from runs before it was measured. */
  readonly setMs?: number
  readonly appendsMs: number
  readonly putsMs: number
  /** Absent from runs before it was measured. */
  readonly handoffMs?: number
  /** The hand-off of the rows' text alone (absent from runs before it was measured). */
  readonly textHandoffMs?: number
  readonly scanMs: number
  /** The hosts' scan from a bare file of keys and properties (absent from runs before it was measured). */
  readonly bareScanMs?: number
  readonly lookupsMs: number
  /** One round trip to another thread, both spinning, in ns (absent from runs before it was measured). */
  readonly roundTripNs?: number
  readonly totalMs: number
}

const partsOf = (row: SizedRow | undefined): StagingParts | undefined => {
  const parts = (row?.detail ?? []).filter(
    (d): d is StagingParts => typeof (d as StagingParts | null)?.putsMs === "number"
  )
  if (parts.length === 0) return undefined
  const pick = (key: keyof StagingParts) => median(parts.map((p) => p[key] ?? 0))
  return {
    ...(typeof parts[0]?.entities === "number" ? { entities: parts[0].entities } : {}),
    ...(typeof parts[0]?.relationships === "number" ? { relationships: parts[0].relationships } : {}),
    claimsMs: pick("claimsMs"),
    ...(parts.every((p) => typeof p.setMs === "number") ? { setMs: pick("setMs") } : {}),
    appendsMs: pick("appendsMs"),
    putsMs: pick("putsMs"),
    ...(parts.every((p) => typeof p.handoffMs === "number") ? { handoffMs: pick("handoffMs") } : {}),
    ...(parts.every((p) => typeof p.textHandoffMs === "number") ? { textHandoffMs: pick("textHandoffMs") } : {}),
    scanMs: pick("scanMs"),
    ...(parts.every((p) => typeof p.bareScanMs === "number") ? { bareScanMs: pick("bareScanMs") } : {}),
    lookupsMs: pick("lookupsMs"),
    ...(parts.every((p) => typeof p.roundTripNs === "number") ? { roundTripNs: pick("roundTripNs") } : {}),
    totalMs: pick("totalMs")
  }
}

/**
 * Staging's parts timed alone on the rows `same` stages (bench/staging-parts.ts), against the connector and
 * SDK alone (`sdkMs`, in process) when given: what staging adds per emitted row on the main thread.
 */
export const stagingPartsText = (row: SizedRow | undefined, sdkMs: number | undefined): string | undefined => {
  const parts = partsOf(row)
  if (parts === undefined) return undefined
  const share = (ms: number) => (sdkMs === undefined ? "" : ` (${(ms / sdkMs).toFixed(2)}× the SDK alone)`)
  return (
    `staging's parts timed alone on the rows \`same\` stages (bench/staging-parts.ts, objects built beforehand): ` +
    `index claims ${seconds(parts.claimsMs)}` +
    (parts.setMs === undefined ? "" : ` (the same ids added to a plain JavaScript \`Set\`: ${seconds(parts.setMs)})`) +
    `, spill appends ${seconds(parts.appendsMs)}, both as a sync puts a row ` +
    `(with a relationship's endpoints looked up) ${seconds(parts.putsMs)}, reading back what later steps read (the ` +
    `hosts scanned ${seconds(parts.scanMs)}, the endpoints' \`hasEntity\` ${seconds(parts.lookupsMs)}): ` +
    `${seconds(parts.totalMs)}${share(parts.totalMs)}, all on the main thread` +
    (parts.handoffMs === undefined
      ? ""
      : `; a staging that claimed and wrote on another thread would still hand each row over on this one (its ids ` +
        `and hash decoded, its text encoded into a buffer): ${seconds(parts.handoffMs)} instead of the puts' ` +
        `${seconds(parts.putsMs)}`)
  )
}

/** The claims of an exact index of the ids: ours, or a plain `Set`'s when it was measured and cost less. */
const leastClaims = (parts: StagingParts): number => Math.min(parts.claimsMs, parts.setMs ?? Number.POSITIVE_INFINITY)

/**
 * What bounds `same` whatever staging writes, in the runs that measured the bare parts: what every staging
 * leaves on the main thread. The exact index of the ids lives there, because the conflict rule answers at the
 * emit and `hasEntity` at once (another thread would answer each only after a round trip, and its own claim):
 * the claims (ours, or a plain `Set`'s, whichever is less) and the endpoints' lookups. The rows' text leaves
 * the heap, as memory stays bounded (appended to the spill, or handed to another thread, whichever is less).
 * The hosts the services step reads come back (the spill's scan, or a bare file of keys and properties,
 * whichever is less). Then the diff. Against what the target leaves beyond the connector and SDK alone.
 */
const bareBound = (
  parts: StagingParts,
  bare: { readonly textHandoffMs: number; readonly bareScanMs: number },
  diffMs: number | undefined,
  sdkWall: number,
  target: number
): string => {
  const { textHandoffMs, bareScanMs } = bare
  const claims = leastClaims(parts)
  const text = Math.min(parts.appendsMs, textHandoffMs)
  const scan = Math.min(parts.scanMs, bareScanMs)
  const floor = claims + parts.lookupsMs + text + scan + (diffMs ?? 0)
  const left = (target - 1) * sdkWall
  const ratio = (ms: number) => `${(ms / sdkWall).toFixed(2)}×`
  const objects = (parts.entities ?? 0) + (parts.relationships ?? 0)
  const perClaim = objects === 0 ? "" : `, ${Math.round((1e6 * parts.claimsMs) / objects)} ns a claim here`
  const trip =
    parts.roundTripNs === undefined
      ? "only after its own claim"
      : `only after a round trip of ${Math.round(parts.roundTripNs)} ns and its own claim`
  return (
    `; whatever staging writes, this thread pays for the exact index of the ids, since the conflict rule answers ` +
    `at the emit and \`hasEntity\` at once (another thread would answer each ${trip}${perClaim}): the ` +
    `claims ${seconds(claims)}${parts.setMs === undefined ? "" : ` (the least of ours and a plain \`Set\`'s)`} and ` +
    `the endpoints' lookups ${seconds(parts.lookupsMs)}; for the rows' text leaving the heap, as memory stays ` +
    `bounded, ${seconds(text)} (the least of the spill's appends, ${seconds(parts.appendsMs)}, and handing the ` +
    `text to another thread, ${seconds(textHandoffMs)}); for the hosts read back ${seconds(scan)} (the least of the ` +
    `spill's scan, ${seconds(parts.scanMs)}, and a bare file of keys and properties, ${seconds(bareScanMs)}); ` +
    `and the diff ${seconds(diffMs ?? 0)}: ${seconds(floor)} (${ratio(floor)}), ${floor > left ? "more than" : "within"} ` +
    `the ${(target - 1).toFixed(2)}× (${seconds(left)}) the target leaves to everything beyond the connector and SDK`
  )
}

/**
 * What bounds `same` whatever staging writes: the least it leaves on the main thread for each emitted row
 * (claiming its id there, the conflict rule, or handing the row over to another thread that would), then
 * the rows the later steps read back (kept off the heap, as memory stays bounded) and the diff, against
 * what the target leaves beyond the connector and SDK alone. Runs that measured the bare parts are bounded
 * by `bareBound` instead.
 */
const readsBound = (
  parts: StagingParts | undefined,
  diffMs: number | undefined,
  sdkWall: number,
  target: number
): string => {
  if (parts === undefined) return ""
  const { textHandoffMs, bareScanMs } = parts
  if (textHandoffMs !== undefined && bareScanMs !== undefined) {
    return bareBound(parts, { textHandoffMs, bareScanMs }, diffMs, sdkWall, target)
  }
  const reads = parts.scanMs + parts.lookupsMs + (diffMs ?? 0)
  const claims = leastClaims(parts)
  const perRow = Math.min(claims, parts.handoffMs ?? Number.POSITIVE_INFINITY)
  const floor = perRow + reads
  const left = (target - 1) * sdkWall
  const ratio = (ms: number) => `${(ms / sdkWall).toFixed(2)}×`
  return (
    `; the reads back alone and the diff take ${seconds(reads)} (${ratio(reads)} the SDK alone)` +
    `, and each emitted row costs the main thread at least ${seconds(perRow)} more whatever staging writes (` +
    `its id claimed there, as the conflict rule needs: ${seconds(claims)}` +
    (parts.handoffMs === undefined
      ? ""
      : `, or the row handed to another thread that claims it: ${seconds(parts.handoffMs)}`) +
    `): ${seconds(floor)} (${ratio(floor)}), ${floor > left ? "more than" : "within"} the ` +
    `${(target - 1).toFixed(2)}× (${seconds(left)}) the target leaves to everything beyond the connector and SDK`
  )
}

/**
 * What bounds a `same` not within `target`× the connector and SDK alone (`sdkWall`), in a sentence: staging's
 * parts measured beside the SQLite scenarios (`partsRow`, store-independent) and the store's own diff.
 */
export const sameBoundText = (
  partsRow: SizedRow | undefined,
  diffMs: number | undefined,
  sdkWall: number,
  target: number
): string | undefined => {
  const text = readsBound(partsOf(partsRow), diffMs, sdkWall, target)
  return text === "" ? undefined : text.slice(2)
}

/** The pages `churn` wrote in the entity and relationship tables and indexes, for the rows it changed. */
export interface ChurnPages {
  readonly written: number
  /** Pages those tables and indexes occupied before. */
  readonly total: number
  /** Rows created, updated or deleted, of the `rows` there were. */
  readonly rowsChanged: number
  readonly rows: number
}

const percent = (part: number, whole: number) => `${Math.round((100 * part) / whole)}%`

/** What `churn` wrote, page by page, against the rows it changed. */
export const churnPagesText = ({ written, total, rowsChanged, rows }: ChurnPages): string =>
  `it wrote ${written.toLocaleString("en-US")} of the ${total.toLocaleString("en-US")} pages of the entity and ` +
  `relationship tables and indexes (${percent(written, total)}; compared page by page after a checkpoint) to change ` +
  `${rowsChanged.toLocaleString("en-US")} of their ${rows.toLocaleString("en-US")} rows (${percent(rowsChanged, rows)}): ` +
  "ids are uniform hashes, so the changed rows fall on most pages"

/** What bench/floor-churn.ts printed (the medians of its runs): the timed parts of churn's floor, in ms. */
interface ChurnFloor {
  readonly changes: number
  readonly readMs: number
  readonly writeMs: number
  readonly commitMs: number
  readonly totalMs: number
}

const churnFloorOf = (row: SizedRow | undefined): ChurnFloor | undefined => {
  const floors = (row?.detail ?? []).filter(
    (d): d is Record<string, number> => typeof (d as { writeMs?: unknown } | null)?.writeMs === "number"
  )
  if (floors.length === 0) return undefined
  const pick = (key: string) => median(floors.map((floor) => floor[key] ?? 0))
  return {
    changes: floors[0]?.changes ?? 0,
    readMs: pick("readMs"),
    writeMs: pick("writeMs"),
    commitMs: pick("commitMs"),
    totalMs: pick("totalMs")
  }
}

/** churn's floor (bench/floor-churn.ts) in words: what the bare script did and what each part took. */
export const churnFloorText = (row: SizedRow | undefined): string | undefined => {
  const floor = churnFloorOf(row)
  if (floor === undefined) return undefined
  return (
    `a bare \`bun:sqlite\` script given \`churn\`'s ${floor.changes.toLocaleString("en-US")} row changes beforehand, ` +
    `sorted by id (bench/floor-churn.ts, the store's schema and indexes, one transaction), reads the scope's committed ` +
    `ids and hashes in ${seconds(floor.readMs)}, applies the changes in ${seconds(floor.writeMs)} and commits in ` +
    `${seconds(floor.commitMs)} (${seconds(floor.totalMs)} in all)`
  )
}

/**
 * What bounds `churn` whatever the SDK does: the store's own work at its floor (the changes known beforehand,
 * written by a bare script), against what the target leaves beyond the connector and SDK alone.
 */
const churnBound = (row: SizedRow | undefined, sdkWall: number, target: number): string => {
  const floor = churnFloorOf(row)
  const text = churnFloorText(row)
  if (floor === undefined || text === undefined) return ""
  const left = (target - 1) * sdkWall
  const writing = floor.writeMs + floor.commitMs
  return (
    `; the store's work alone, at its floor: ${text}; its writes and commit alone take ${seconds(writing)} ` +
    `(${(writing / sdkWall).toFixed(2)}× the SDK alone), ${writing > left ? "more than" : "within"} the ` +
    `${(target - 1).toFixed(2)}× (${seconds(left)}) the target leaves to everything beyond the connector and SDK`
  )
}

export const renderIssue14 = (
  rows: ReadonlyArray<SizedRow>,
  startup: StartupResult | undefined,
  sameWrittenPages: number | undefined,
  churnPages: Record<number, ChurnPages> | undefined
): ReadonlyArray<string> => {
  if (rows.length === 0) return []
  const largest = Math.max(...rows.map((row) => row.n))
  const smallest = Math.min(...rows.map((row) => row.n))
  const at = (scenario: string, n = largest) => rows.find((row) => row.n === n && row.scenario === scenario)
  const sdk = at("sdk-only")
  if (sdk === undefined) return []
  const sdkWall = median(sdk.wallMs)
  const sdkInProcess = inProcessMs(sdk)
  /** A scenario's staging (its collection beyond the connector and SDK alone), C04 + diff and writes. */
  const split = (row: SizedRow) => {
    const collection = phaseMedian(row, (p) => p.collectionMs)
    return {
      staging: collection === undefined || sdkInProcess === undefined ? undefined : collection - sdkInProcess,
      diff: phaseMedian(row, (p) => p.diffMs),
      writes: phaseMedian(row, (p) => p.writesMs)
    }
  }
  const lines: Array<string> = [
    `## Issue 14's targets (n = ${largest.toLocaleString("en-US")})`,
    "",
    "Each figure against a baseline measured in the same run; for a target not met, what bounds it, from the same run.",
    "",
    "| figure | measured | target | verdict | what bounds it |",
    "| --- | --- | --- | --- | --- |"
  ]
  const floorEmit = inProcessMs(at("floor-emit"))
  const emit = emitRatios(sdk, at("floor-emit"))
  if (sdkInProcess !== undefined && floorEmit !== undefined && emit !== undefined) {
    const ratio = emit.median
    lines.push(
      `| connector + SDK alone, per object, × the bare emit loop (the median of the rounds' ratios) | ${ratio.toFixed(2)}× ` +
        `(rounds ${emit.ratios.map((r) => r.toFixed(2)).join(", ")}) | ≤ ${ISSUE_14.emitRatio}× | ` +
        `${verdict(ratio <= ISSUE_14.emitRatio)} | ${
          ratio <= ISSUE_14.emitRatio
            ? ""
            : `the bare loop (${seconds(floorEmit)}) builds, serialises and hashes; the SDK adds ${seconds(sdkInProcess - floorEmit)}` +
              emitModelText(inProcessMs(at("emit-model")), floorEmit, sdkInProcess) +
              "; no floor bounds it: each part is the SDK's own work"
        } |`
    )
  }
  const parts = stagingPartsText(at("staging-parts"), sdkInProcess)
  for (const [scenario, target] of [
    ["same", ISSUE_14.sameRatio],
    ["churn", ISSUE_14.churnRatio]
  ] as const) {
    const row = at(scenario)
    if (row === undefined) continue
    const wall = median(row.wallMs)
    const ratio = wall / sdkWall
    const { staging, diff, writes } = split(row)
    const bound =
      staging === undefined
        ? ""
        : `staging (every emitted row written to the spill, a log on a re-sync, and its index) takes ${seconds(staging)} ` +
          `(${Math.round((100 * staging) / wall)}%), C04 + diff ${seconds(diff ?? 0)}, writes ${seconds(writes ?? 0)}; ` +
          `without staging's cost the scenario would be ${((wall - staging) / sdkWall).toFixed(2)}× the SDK alone` +
          (scenario === "same" && parts !== undefined ? `; ${parts}` : "") +
          (scenario === "same" ? readsBound(partsOf(at("staging-parts")), diff, sdkWall, target) : "") +
          (scenario === "churn" && churnPages?.[largest] !== undefined
            ? `; of the writes, ${churnPagesText(churnPages[largest])}`
            : "") +
          (scenario === "churn" ? churnBound(at("floor-churn"), sdkWall, target) : "")
    const pages = scenario === "same" && sameWrittenPages !== undefined ? `, ${sameWrittenPages} pages written` : ""
    lines.push(
      `| \`${scenario}\` × connector + SDK alone (${seconds(sdkWall)}) | ${ratio.toFixed(2)}× (${seconds(wall)}${pages}) | ` +
        `≤ ${target}×${scenario === "same" ? ", no row written" : ""} | ${verdict(ratio <= target && (scenario !== "same" || sameWrittenPages === 0))} | ` +
        `${ratio <= target ? "" : bound} |`
    )
  }
  const usersOnly = at("churn-users")
  if (usersOnly !== undefined) {
    const wall = median(usersOnly.wallMs)
    const { staging, diff, writes } = split(usersOnly)
    lines.push(
      `| \`churn-users\` (the users' step and the relationships to them changed, the hosts' and services' settled) × ` +
        `connector + SDK alone | ${(wall / sdkWall).toFixed(2)}× (${seconds(wall)}) | (none: what a small share changed ` +
        `costs, beside \`same\` and \`churn\`) | – | ${staging === undefined ? "" : `staging ${seconds(staging)}, `}` +
        `C04 + diff ${seconds(diff ?? 0)}, writes ${seconds(writes ?? 0)} |`
    )
  }
  const first = at("first")
  const floor = at("floor")
  if (first !== undefined && floor !== undefined) {
    const ratio = median(first.wallMs) / median(floor.wallMs)
    lines.push(
      `| \`first\` × plain floor | ${ratio.toFixed(2)}× | ≤ ${ISSUE_14.firstFloorRatio}× (the ratio when the issue was filed) | ` +
        `${verdict(ratio <= ISSUE_14.firstFloorRatio)} |  |`
    )
  }
  const syncs = ["first", "same", "churn", "churn-users", "scoped"]
  const peak = (n: number) => Math.max(...syncs.map((s) => at(s, n)).flatMap((row) => (row ? row.peakRssKiB : [])))
  const peakLarge = peak(largest) / 1024
  if (Number.isFinite(peakLarge)) {
    const slope =
      smallest === largest ? undefined : ((peak(largest) - peak(smallest)) * 1024) / (3.5 * (largest - smallest))
    const sdkRss = median(sdk.peakRssKiB) / 1024
    const met = peakLarge <= ISSUE_14.rssMiB && (slope === undefined || slope <= ISSUE_14.slopeBytes)
    lines.push(
      `| peak RSS of the syncs | ${peakLarge.toFixed(0)} MiB${slope === undefined ? "" : `, ${slope.toFixed(0)} bytes per staged object from n = ${smallest.toLocaleString("en-US")}`} | ` +
        `≤ ${ISSUE_14.rssMiB} MiB, ≤ ${ISSUE_14.slopeBytes} bytes per object | ${verdict(met)} | ${
          met
            ? ""
            : `the connector and the SDK alone peak at ${sdkRss.toFixed(0)} MiB; the staging index's arrays hold about ${INDEX_BYTES} bytes ` +
              "per object by construction (id 16, the content hash's first 64 bits 8, owner 2, table slot 8 to 12, the table freed while the commit writes: " +
              `${((INDEX_BYTES * 3.5 * largest) / MIB).toFixed(0)} MiB here); ` +
              "the rest is garbage awaiting collection (emitted objects, the committed rows streamed by the diff): " +
              "JavaScriptCore's heap capacity runs 100–200 MiB above its live size in these phases (bun:jsc heapStats)"
        } |`
    )
  }
  if (startup !== undefined) {
    const medianOf = (name: string) => startupMedian(startup, name)
    const base = medianOf(HELLO_FLOOR)
    if (base !== undefined) {
      const floors = [
        [EFFECT_FLOOR, "one that only runs one effect"],
        [CLI_FLOOR, "one that only runs one @effect/cli command"],
        [NAMESPACES_FLOOR, "that command in a program able to hand `effect` and `@effect/platform` to outside modules"]
      ] as const
      const bound = floors
        .flatMap(([name, what]) => {
          const wall = medianOf(name)
          return wall === undefined ? [] : [`${what} ${(wall / base).toFixed(2)}×`]
        })
        .join(", ")
      for (const row of startup.rows.filter((r) => r.kind === "command")) {
        const ratio = median(row.wallMs) / base
        lines.push(
          `| start-up: \`${row.name.replace(/^parallax /, "")}\` × hello-world | ${ratio.toFixed(2)}× | ≤ ${STARTUP_RATIO_TARGET}× | ` +
            `${verdict(ratio <= STARTUP_RATIO_TARGET)} | ${
              ratio <= STARTUP_RATIO_TARGET || bound === "" ? "" : `programs that do nothing else take: ${bound}`
            } |`
        )
      }
    }
  }
  lines.push("")
  return lines
}
