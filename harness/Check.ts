import { Console, Effect } from "effect"
import type { Connector } from "parallax-connect"
import { isPropertyName, type PropertyName, type VerifyOptions } from "./Options.ts"
import { formatProperty, type HarnessReport, type PropertyReport } from "./Report.ts"
import { verify } from "./Verify.ts"

/** What a connector module may export as `harness` to make `parallax check` generate its source data. */
export type HarnessSetup<R = never, S = unknown> = Pick<
  VerifyOptions<R, S>,
  "sources" | "layerFor" | "configFor" | "config" | "account" | "otherAccounts" | "runs"
>

/** The flags of `parallax check`. */
export interface CheckFlags {
  readonly runs?: number | undefined
  readonly seed?: number | undefined
  readonly path?: string | undefined
  readonly properties?: ReadonlyArray<string> | undefined
  readonly json?: boolean | undefined
  /** Raw config from `--config`/`--set`, overriding the setup's. */
  readonly config?: unknown
}

/** An unknown `--property` name. */
export class UnknownProperty extends Error {
  constructor(readonly property: string) {
    super(`unknown property "${property}"`)
  }
}

/** Whether the selected properties parse; the unknown names otherwise. */
export const parseProperties = (
  names: ReadonlyArray<string> | undefined
): ReadonlyArray<PropertyName> | UnknownProperty => {
  if (names === undefined || names.length === 0) return [] as ReadonlyArray<PropertyName>
  const unknown = names.find((name) => !isPropertyName(name))
  return unknown === undefined ? (names as ReadonlyArray<PropertyName>) : new UnknownProperty(unknown)
}

/**
 * `parallax check`: verifies `connector` with its module's `harness` setup and the command's flags,
 * prints live progress (or the JSON report with `json`), and returns the exit code: 0 when every
 * property that ran holds, 1 when one failed.
 */
export const runCheck = <C, R, S>(
  connector: Connector<C, R>,
  reference: string,
  setup: HarnessSetup<R, S> | undefined,
  flags: CheckFlags
): Effect.Effect<{ readonly exitCode: 0 | 1; readonly report: HarnessReport }, UnknownProperty> =>
  Effect.gen(function* () {
    const properties = parseProperties(flags.properties)
    if (properties instanceof UnknownProperty) return yield* Effect.fail(properties)
    const json = flags.json === true
    const runs = flags.runs ?? setup?.runs
    const options: VerifyOptions<R, S> = {
      ...setup,
      checkCommand: `parallax check ${reference}`,
      ...(runs === undefined ? {} : { runs }),
      ...(flags.seed === undefined ? {} : { seed: flags.seed }),
      ...(flags.path === undefined ? {} : { path: flags.path }),
      ...(properties.length === 0 ? {} : { properties }),
      ...(flags.config === undefined ? {} : { config: flags.config }),
      ...(json ? {} : { onProperty: (report: PropertyReport) => console.log(formatProperty(report)) })
    }
    if (!json) yield* Console.log(`parallax check ${reference}`)
    const report = yield* verify(connector, options)
    if (json) yield* Console.log(JSON.stringify(report, null, 2))
    else {
      if (report.error !== undefined) yield* Console.log(`✗ ${report.error}`)
      const failed = report.properties.filter((property) => property.status === "failed").length
      const notRun = report.properties.filter((property) => property.status === "not-run").length
      const passed = report.properties.length - failed - notRun
      yield* Console.log(
        `${passed} passed, ${failed} failed, ${notRun} not run in ${(report.durationMs / 1000).toFixed(1)}s (seed ${report.seed}, ${report.runs} cases per property)`
      )
    }
    return { exitCode: report.ok ? 0 : 1, report } as const
  })
