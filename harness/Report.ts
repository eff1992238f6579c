import type { PropertyName } from "./Options.ts"

/** One labelled part of a shrunk counterexample (the source data, the injected faults, foreign rows, ...). */
export interface CounterexamplePart {
  readonly label: string
  readonly value: string
}

/** Why a property failed, with what replays it. */
export interface PropertyFailure {
  /** What was violated, in one paragraph, with the offending rows or steps. */
  readonly message: string
  /** The shrunk counterexample, part by part. */
  readonly counterexample: ReadonlyArray<CounterexamplePart>
  readonly seed: number
  readonly path: string
  readonly shrinks: number
  /**
   * What replays this counterexample: the `parallax check` command (with `--seed`, `--path`, `--property`)
   * when the harness ran from the command line, the `verifyConnector` call otherwise.
   */
  readonly replay: string
}

/** The verdict on one property. */
export interface PropertyReport {
  readonly property: PropertyName
  /** The invariant of DESIGN §4 it guards (`C08`). */
  readonly invariant: string
  /** The invariant in one sentence. */
  readonly guards: string
  readonly status: "passed" | "failed" | "not-run"
  /** Cases run. */
  readonly runs: number
  /**
   * Cases that actually checked the invariant, when fewer than `runs`: the others had nothing to compare
   * (a sync that did not succeed, a commit with nothing to interrupt). `not-run` when none did.
   */
  readonly compared?: number
  /** What a pass does not cover: how many cases were skipped and why, or what the property could not see. */
  readonly note?: string
  readonly durationMs: number
  /** Why it did not run. */
  readonly reason?: string
  readonly failure?: PropertyFailure
}

/** The verdict on a connector. */
export interface HarnessReport {
  readonly connector: string
  readonly seed: number
  readonly runs: number
  /** True when no property failed. */
  readonly ok: boolean
  /** Why nothing could run (the configuration does not decode). */
  readonly error?: string
  readonly properties: ReadonlyArray<PropertyReport>
  readonly durationMs: number
}

const indent = (text: string, by: string): string =>
  text
    .split("\n")
    .map((line) => by + line)
    .join("\n")

/** A property's failure, as printed: the property, its invariant, the shrunk counterexample, the replay command. */
export const formatFailure = (report: PropertyReport): string => {
  const failure = report.failure
  if (failure === undefined) return ""
  const parts =
    failure.counterexample.length === 0
      ? [
          "    (nothing generated: the property syncs the connector's configured source as it is, without injected faults)"
        ]
      : failure.counterexample.map((part) => `  ${part.label}:\n${indent(part.value, "    ")}`)
  return [
    `✗ ${report.property} (${report.invariant}) failed after ${report.runs} case(s), ${failure.shrinks} shrink(s)`,
    `  guards: ${report.guards}`,
    indent(failure.message, "  "),
    "  shrunk counterexample:",
    ...parts,
    `  replay: ${failure.replay}`
  ].join("\n")
}

/**
 * One property's verdict, as printed: `✓` with its cases (and how many were compared, when some had
 * nothing to check), `-` with why it did not run, or the whole failure.
 */
export const formatProperty = (report: PropertyReport): string => {
  const time = `${(report.durationMs / 1000).toFixed(1)}s`
  switch (report.status) {
    case "passed": {
      const cases =
        report.compared === undefined ? `${report.runs} cases` : `${report.compared} of ${report.runs} cases compared`
      const line = `✓ ${report.property} (${report.invariant}): ${cases}, ${time}`
      return report.note === undefined ? line : `${line}\n    (${report.note})`
    }
    case "not-run":
      return `- ${report.property} (${report.invariant}): not run: ${report.reason ?? ""}`
    case "failed":
      return formatFailure(report)
  }
}

/** The whole report as printed to a person. */
export const formatReport = (report: HarnessReport): string => {
  const lines = [`harness report on ${report.connector} (seed ${report.seed}, ${report.runs} runs per property)`]
  if (report.error !== undefined) lines.push(`✗ ${report.error}`)
  for (const property of report.properties) lines.push(formatProperty(property))
  const failed = report.properties.filter((property) => property.status === "failed").length
  const notRun = report.properties.filter((property) => property.status === "not-run").length
  const passed = report.properties.length - failed - notRun
  lines.push(`${passed} passed, ${failed} failed, ${notRun} not run in ${(report.durationMs / 1000).toFixed(1)}s`)
  return lines.join("\n")
}

/**
 * Throws an `Error` whose message is the printed report when a property failed: call it in a `bun test`
 * case to fail the test readably.
 *
 * @example
 * test("my connector keeps the invariants", async () => {
 *   assertHolds(await verifyConnector(myConnector, { sources, layerFor }))
 * }, 120_000)
 */
export const assertHolds = (report: HarnessReport): void => {
  if (!report.ok) throw new Error(`the harness found a violation:\n${formatReport(report)}`)
}
