import { Table } from "console-table-printer"
import pc from "picocolors"
import { LEFT_OUT, type StepOutcome, type WarningSummary } from "../model/Events.ts"
import type { EntityRef, KindPreview, RelationshipRef, SyncPreview, SyncResult } from "../model/Outcome.ts"
import { counted, printable } from "./Printable.ts"

/**
 * A table as text: one line per row, a rule under the head, left-aligned, no colours (the caller colours
 * what it prints). console-table-printer measures cells with a plain wcwidth: a hundred rows render in a few
 * milliseconds, where cli-table3's emoji-aware widths took some 50 ms.
 */
const renderTable = (head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string | number>>): string => {
  const out = new Table({
    columns: head.map((title, index) => ({ name: String(index), title, alignment: "left" as const })),
    shouldDisableColors: true
  })
  for (const row of rows) out.addRow(Object.fromEntries(row.map((cell, index) => [String(index), cell])))
  return out.render()
}

/** A step outcome in the stable JSON shape. */
export const stepJson = (step: StepOutcome) => ({
  id: step.id,
  status: step.status,
  entities: step.entities,
  relationships: step.relationships,
  duplicates: step.duplicates,
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
  warnings: result.warnings.map((warning) => `${warning.step}: ${warning.subject}: ${warning.message}`),
  ...(result.dryRun && result.preview !== undefined ? { preview: result.preview } : {})
})

const entityLabel = (entity: EntityRef) => `${entity.type}/${entity.key}`

const relationshipLabel = (rel: RelationshipRef) =>
  `${entityLabel(rel.from)} -${rel.verb}-> ${entityLabel(rel.to)}${rel.toAccount === undefined ? "" : ` (account ${rel.toAccount})`}${rel.key === undefined ? "" : ` [key ${rel.key}]`}`

/** A dry run's preview, for people: each non-empty list with its total, and the rows it names. */
export const previewLines = (preview: SyncPreview): ReadonlyArray<string> => {
  const lines: Array<string> = []
  const kind = <A>(names: readonly [string, string], lists: KindPreview<A>, label: (item: A) => string) => {
    for (const [change, verb] of [
      ["created", "create"],
      ["updated", "update"],
      ["deleted", "delete"]
    ] as const) {
      const list = lists[change]
      if (list.total === 0) continue
      lines.push(`would ${verb} ${list.total} ${names[list.total === 1 ? 0 : 1]}:`)
      for (const item of list.items) lines.push(`  ${printable(label(item))}`)
      if (list.total > list.items.length) lines.push(`  … and ${list.total - list.items.length} more`)
    }
  }
  kind(["entity", "entities"], preview.entities, entityLabel)
  kind(["relationship", "relationships"], preview.relationships, relationshipLabel)
  return lines.length === 0 ? ["would change nothing"] : lines
}

/** Each kind of warning with how often it was raised and the subjects it was first raised for. */
export const warningLines = (warnings: ReadonlyArray<WarningSummary>): ReadonlyArray<string> => {
  if (warnings.length === 0) return []
  const total = warnings.reduce((sum, warning) => sum + warning.count, 0)
  return [
    `${counted(total, "warning")}:`,
    ...warnings.map((warning) => {
      const more = warning.count - warning.samples.length
      return printable(
        `  ${warning.step}: ${warning.message} (${warning.count}×): ${warning.samples.join(", ")}${more > 0 ? ` and ${more} more` : ""}`
      )
    })
  ]
}

/**
 * The human summary of a sync: the change as a table, for a dry run the rows it would change, then the
 * steps that did not succeed and the warnings.
 */
export const syncSummary = (result: SyncResult): string => {
  const s = result.stats
  const change = renderTable(
    ["", "created", "updated", "deleted", "unchanged"],
    [
      ["entities", s.entitiesCreated, s.entitiesUpdated, s.entitiesDeleted, s.entitiesUnchanged],
      [
        "relationships",
        s.relationshipsCreated,
        s.relationshipsUpdated,
        s.relationshipsDeleted,
        s.relationshipsUnchanged
      ]
    ]
  )
  const status =
    result.status === "succeeded"
      ? pc.green(result.status)
      : result.status === "partial"
        ? pc.yellow(result.status)
        : pc.red(result.status)
  const heading = `${result.dryRun ? "dry run of " : ""}${printable(result.connector)} (account ${printable(result.account)}): ${status}, generation ${result.generation}, ${result.durationMs} ms`
  const problems = result.steps
    .filter((step) => step.status !== "succeeded" && !LEFT_OUT.has(step.status))
    .map((step) =>
      printable(
        `  ${step.id}: ${step.status}${step.error ? `: ${step.error.message}` : step.skippedBecause ? `: ${step.skippedBecause}` : ""}`
      )
    )
  return [
    heading,
    change,
    ...(result.dryRun && result.preview !== undefined ? previewLines(result.preview) : []),
    ...(problems.length ? ["steps that did not succeed (their rows were kept):", ...problems] : []),
    ...leftOutLines(result.steps),
    ...warningLines(result.warnings)
  ].join("\n")
}

/** The steps left out on purpose: disabled ones with their reasons, the unselected ones in one line. */
const leftOutLines = (steps: ReadonlyArray<StepOutcome>): ReadonlyArray<string> => {
  const disabled = steps.filter((step) => step.status === "disabled")
  const unselected = steps.filter((step) => step.status === "not_selected").map((step) => step.id)
  if (disabled.length === 0 && unselected.length === 0) return []
  return [
    "steps left out (their rows were kept):",
    ...disabled.map((step) => `  ${step.id}: disabled: ${step.skippedBecause ?? ""}`),
    ...(unselected.length === 0 ? [] : [`  not selected: ${unselected.join(", ")}`])
  ]
}

/** A plain table for read commands; control characters in a cell are shown escaped (`\n`, `\x1b`). */
export const table = (head: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string | number>>): string =>
  renderTable(
    head,
    rows.map((row) => row.map((cell) => (typeof cell === "string" ? printable(cell) : cell)))
  )
