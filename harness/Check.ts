import { Console, Effect } from "effect"
import type { Connector } from "parallax-connect"
import type { HarnessBackend } from "./Backend.ts"
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
  /** Where the trials run (default: a fresh SQLite file each); `postgresBackend(url)` for PostgreSQL. */
  readonly backend?: HarnessBackend | undefined
  /**
   * Raw config from `--config`, `PARALLAX_*` variables and `--set`: merged over the setup's `config` and
   * over what its `configFor` gives for each source state (these settings win).
   */
  readonly config?: Readonly<Record<string, unknown>> | undefined
  /** The flags that gave `config`, as the replay command must repeat them (secret values masked). */
  readonly configFlags?: ReadonlyArray<string> | undefined
  /** A fresh instance of the connector (the module imported anew), for convergence. */
  // biome-ignore lint/suspicious/noExplicitAny: a loaded connector may have any config and service types
  readonly load?: (() => Promise<Connector<any, any>>) | undefined
}

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** `raw` with `overrides` on top (when both are objects; otherwise the overrides alone). */
const merged = (raw: unknown, overrides: Readonly<Record<string, unknown>>): unknown =>
  isRecord(raw) ? { ...raw, ...overrides } : overrides

/** The setup with the command's config merged over its own. */
const configured = <R, S>(
  setup: HarnessSetup<R, S> | undefined,
  config: Readonly<Record<string, unknown>> | undefined
): HarnessSetup<R, S> | undefined => {
  if (config === undefined) return setup
  const configFor = setup?.configFor
  return {
    ...setup,
    config: merged(setup?.config, config),
    ...(configFor === undefined ? {} : { configFor: (source: S) => merged(configFor(source), config) })
  }
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
 * property that ran holds, 1 when one failed, 2 when the configuration does not decode (nothing ran).
 */
export const runCheck = <C, R, S>(
  connector: Connector<C, R>,
  reference: string,
  setup: HarnessSetup<R, S> | undefined,
  flags: CheckFlags
): Effect.Effect<{ readonly exitCode: 0 | 1 | 2; readonly report: HarnessReport }, UnknownProperty> =>
  Effect.gen(function* () {
    const properties = parseProperties(flags.properties)
    if (properties instanceof UnknownProperty) return yield* Effect.fail(properties)
    const json = flags.json === true
    const runs = flags.runs ?? setup?.runs
    const options: VerifyOptions<R, S> = {
      ...configured(setup, flags.config),
      checkCommand: [`parallax check ${reference}`, ...(flags.configFlags ?? [])].join(" "),
      ...(flags.load === undefined ? {} : { load: flags.load }),
      ...(flags.backend === undefined ? {} : { backend: flags.backend }),
      ...(runs === undefined ? {} : { runs }),
      ...(flags.seed === undefined ? {} : { seed: flags.seed }),
      ...(flags.path === undefined ? {} : { path: flags.path }),
      ...(properties.length === 0 ? {} : { properties }),
      ...(json ? {} : { onProperty: (report: PropertyReport) => console.log(formatProperty(report)) })
    }
    if (!json) yield* Console.log(`parallax check ${reference}`)
    const undeclared = connector.steps.filter((step) => step.entities.length + step.relationships.length === 0)
    if (!json && undeclared.length > 0) {
      yield* Console.log(
        `note: ${undeclared.length === 1 ? "step" : "steps"} ${undeclared.map((step) => step.id).join(", ")} ${undeclared.length === 1 ? "declares" : "declare"} nothing: ${undeclared.length === 1 ? "its" : "their"} output is not checked against declarations`
      )
    }
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
    return { exitCode: report.error !== undefined ? 2 : report.ok ? 0 : 1, report } as const
  })
