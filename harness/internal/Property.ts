import fc from "fast-check"
import type { PropertyName } from "../Options.ts"
import type { CounterexamplePart, PropertyReport } from "../Report.ts"
import type { Scope } from "./Dump.ts"
import type { Target } from "./Trial.ts"

/** One property of the harness: what it generates, what it checks, how it explains a counterexample. */
export interface PropertySpec<T> {
  readonly name: PropertyName
  readonly invariant: string
  readonly guards: string
  /** Why the property cannot run on this connector, if it cannot. */
  readonly notRun?: (target: Target<unknown>) => string | undefined
  readonly arbitrary: (target: Target<unknown>) => fc.Arbitrary<T>
  /** Rejects with a `Violation` when the invariant does not hold for `input`. */
  readonly check: (target: Target<unknown>, input: T) => Promise<void>
  readonly describe: (target: Target<unknown>, input: T) => ReadonlyArray<CounterexamplePart>
}

/** A property ready to run. */
export interface HarnessProperty {
  readonly name: PropertyName
  readonly invariant: string
  readonly guards: string
  readonly run: (target: Target<unknown>, params: RunParams) => Promise<PropertyReport>
}

/** How many cases, from which seed, or which counterexample to replay. */
export interface RunParams {
  readonly runs: number
  readonly seed: number
  readonly path: string | undefined
  /** The replay command without its `--seed/--path/--property` flags. */
  readonly command: string
}

/** The source generated for one case, or `undefined` for the connector's configured source. */
export const sourceArbitrary = (target: Target<unknown>): fc.Arbitrary<unknown> =>
  target.sources ?? fc.constant(undefined)

/** The counterexample part naming the source, when sources are generated. */
export const sourcePart = (
  target: Target<unknown>,
  source: unknown,
  label = "source"
): ReadonlyArray<CounterexamplePart> => (target.sources === undefined ? [] : [{ label, value: fc.stringify(source) }])

/** The scope under test. */
export const scopeOf = (target: Target<unknown>): Scope => ({
  connector: target.connector.name,
  account: target.account
})

/** Turns a spec into a runnable property. */
export const defineProperty = <T>(spec: PropertySpec<T>): HarnessProperty => ({
  name: spec.name,
  invariant: spec.invariant,
  guards: spec.guards,
  run: async (target, params) => {
    const started = performance.now()
    const base = { property: spec.name, invariant: spec.invariant, guards: spec.guards }
    const reason = spec.notRun?.(target)
    if (reason !== undefined) return { ...base, status: "not-run", runs: 0, durationMs: 0, reason }
    const details = await fc.check(
      fc.asyncProperty(spec.arbitrary(target), (input) => spec.check(target, input)),
      {
        numRuns: params.runs,
        seed: params.seed,
        ...(params.path === undefined ? {} : { path: params.path })
      }
    )
    const durationMs = Math.round(performance.now() - started)
    if (!details.failed) return { ...base, status: "passed", runs: details.numRuns, durationMs }
    const input = (details.counterexample as [T] | null)?.[0] as T
    const error = details.errorInstance
    const path = details.counterexamplePath ?? ""
    return {
      ...base,
      status: "failed",
      runs: details.numRuns,
      durationMs,
      failure: {
        message: error instanceof Error ? error.message : String(details.error ?? error),
        counterexample: spec.describe(target, input),
        seed: details.seed,
        path,
        shrinks: details.numShrinks,
        replay: `${params.command} --seed ${details.seed} --path "${path}" --property ${spec.name}`
      }
    }
  }
})
