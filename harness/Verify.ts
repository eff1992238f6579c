import { Duration, Effect } from "effect"
import fc from "fast-check"
import { Connector } from "parallax-connect"
import type { HarnessBackend } from "./Backend.ts"
import type { HarnessProperty } from "./internal/Property.ts"
import { TargetRegistry } from "./internal/Targets.ts"
import type { Target } from "./internal/Trial.ts"
import { PROPERTY_NAMES, type PropertyName, type VerifyOptions } from "./Options.ts"
import { atomicity } from "./properties/Atomicity.ts"
import { convergence } from "./properties/Convergence.ts"
import { faultIsolation } from "./properties/FaultIsolation.ts"
import { idempotency } from "./properties/Idempotency.ts"
import { order } from "./properties/Order.ts"
import { scoping } from "./properties/Scoping.ts"
import { secrets } from "./properties/Secrets.ts"
import { selection } from "./properties/Selection.ts"
import type { HarnessReport, PropertyReport } from "./Report.ts"
import { sqliteBackend } from "./SqliteBackend.ts"

/** Every property, in the order they run and are reported. */
export const PROPERTIES: Readonly<Record<PropertyName, HarnessProperty>> = {
  idempotency,
  scoping,
  "fault-isolation": faultIsolation,
  selection,
  atomicity,
  convergence,
  order,
  secrets
}

/** The number of cases per property when `runs` is not given. */
export const DEFAULT_RUNS = 25

const targetOf = <C, R, S>(connector: Connector<C, R>, options: VerifyOptions<R, S>, backend: HarnessBackend) => {
  const { sources, layerFor, configFor, load } = options
  const target: Target<S> = {
    connector,
    load: load === undefined ? undefined : () => Promise.resolve(load()),
    sources: typeof sources === "function" ? sources(fc) : sources,
    configFor: (source) => (configFor !== undefined && source !== undefined ? configFor(source) : options.config),
    layerFor: layerFor === undefined ? undefined : (source) => (source === undefined ? undefined : layerFor(source)),
    account: options.account ?? "primary",
    otherAccounts: options.otherAccounts ?? ["secondary"],
    concurrency: options.concurrency ?? 4,
    syncTimeout: Duration.decode(options.syncTimeout ?? "30 seconds"),
    backend,
    targets: new TargetRegistry()
  }
  return target as unknown as Target<unknown>
}

const notRunBase = (property: HarnessProperty) => ({
  property: property.name,
  invariant: property.invariant,
  guards: property.guards,
  status: "not-run" as const,
  runs: 0,
  durationMs: 0
})

/** Why the connector cannot run at all (its config, as the harness would pass it, does not decode). */
const configProblem = (target: Target<unknown>): Effect.Effect<string | undefined> => {
  const source = target.sources === undefined ? undefined : fc.sample(target.sources, { numRuns: 1, seed: 1 })[0]
  return Connector.decodeConfig(target.connector, target.configFor(source) ?? {}).pipe(
    Effect.match({ onFailure: (error) => error.message, onSuccess: () => undefined })
  )
}

/**
 * Checks the starred invariants of DESIGN §4 on a connector, each property on many generated cases
 * against fresh stores, and returns the verdict. Never fails: a violated property is a failed entry of
 * the report, with its shrunk counterexample and the command that replays it.
 *
 * @example
 * const report = yield* verify(myConnector, { sources: hostsArbitrary, layerFor: FakeApi.layer, runs: 50 })
 */
export const verify = <C, R, S>(
  connector: Connector<C, R>,
  options: VerifyOptions<R, S> = {}
): Effect.Effect<HarnessReport> =>
  Effect.gen(function* () {
    const started = performance.now()
    const seed = options.seed ?? Math.floor(Math.random() * 0x7fffffff)
    const runs = options.runs ?? DEFAULT_RUNS
    const backend = options.backend ?? sqliteBackend
    const target = targetOf(connector, options, backend)
    const selected = options.properties ?? PROPERTY_NAMES
    const replay = (failure: { readonly seed: number; readonly path: string; readonly property: PropertyName }) =>
      options.checkCommand === undefined
        ? `verifyConnector(connector, { ...options, seed: ${failure.seed}, path: ${JSON.stringify(failure.path)}, properties: [${JSON.stringify(failure.property)}] })`
        : `${options.checkCommand} --seed ${failure.seed} --path "${failure.path}" --property ${failure.property}`
    const configError = yield* configProblem(target)
    const reports: Array<PropertyReport> = []
    for (const name of PROPERTY_NAMES) {
      if (!selected.includes(name)) continue
      const property = PROPERTIES[name]
      const report: PropertyReport =
        configError === undefined
          ? yield* Effect.promise(() => property.run(target, { runs, seed, path: options.path, replay }))
          : { ...notRunBase(property), reason: "the configuration does not decode" }
      options.onProperty?.(report)
      reports.push(report)
    }
    return {
      connector: connector.name,
      seed,
      runs,
      ok: configError === undefined && reports.every((report) => report.status !== "failed"),
      ...(configError === undefined ? {} : { error: configError }),
      properties: reports,
      durationMs: Math.round(performance.now() - started)
    }
  })

/**
 * `verify` as a promise, for `bun test` files; pair it with `assertHolds`.
 *
 * @example
 * test("my connector", async () => assertHolds(await verifyConnector(myConnector, { runs: 30 })), 120_000)
 */
export const verifyConnector = <C, R, S>(
  connector: Connector<C, R>,
  options: VerifyOptions<R, S> = {}
): Promise<HarnessReport> => Effect.runPromise(verify(connector, options))
