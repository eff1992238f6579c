import fc from "fast-check"
import type { PropertyName } from "../Options.ts"
import type { CounterexamplePart, PropertyReport } from "../Report.ts"
import type { Scope } from "./Dump.ts"
import type { Target, Verdict } from "./Trial.ts"

/** One property of the harness: what it generates, what it checks, how it explains a counterexample. */
export interface PropertySpec<T> {
  readonly name: PropertyName
  readonly invariant: string
  readonly guards: string
  /** Why the property cannot run on this connector, if it cannot. */
  readonly notRun?: (target: Target<unknown>) => string | undefined
  /** What the property could not see on this connector even when it passes (reported as a note). */
  readonly caveat?: (target: Target<unknown>) => string | undefined
  readonly arbitrary: (target: Target<unknown>) => fc.Arbitrary<T>
  /** Rejects with a `Violation` when the invariant does not hold for `input`; a `Skip` when it had nothing to check. */
  readonly check: (target: Target<unknown>, input: T) => Promise<Verdict>
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
  /** What replays one counterexample: a `parallax check` command or the library call. */
  readonly replay: (failure: {
    readonly seed: number
    readonly path: string
    readonly property: PropertyName
  }) => string
}

/** How skipped cases are summed up: the most frequent reason first. */
const skipSummary = (reasons: ReadonlyMap<string, number>): string =>
  [...reasons]
    .sort(([, a], [, b]) => b - a)
    .map(([reason, count]) => `${count} ${reason}`)
    .join("; ")

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
    let compared = 0
    const skipped = new Map<string, number>()
    const details = await fc.check(
      fc.asyncProperty(spec.arbitrary(target), async (input) => {
        const verdict = await spec.check(target, input)
        if (verdict === undefined) compared++
        else skipped.set(verdict.reason, (skipped.get(verdict.reason) ?? 0) + 1)
      }),
      {
        numRuns: params.runs,
        seed: params.seed,
        ...(params.path === undefined ? {} : { path: params.path })
      }
    )
    const durationMs = Math.round(performance.now() - started)
    if (!details.failed) {
      const runs = details.numRuns
      const caveat = spec.caveat?.(target)
      if (compared === runs) return { ...base, status: "passed", runs, durationMs, ...(caveat ? { note: caveat } : {}) }
      const skips = `${runs - compared} of ${runs} case(s) skipped: ${skipSummary(skipped)}`
      return compared === 0
        ? { ...base, status: "not-run", runs, compared, durationMs, reason: `no case could be checked (${skips})` }
        : { ...base, status: "passed", runs, compared, durationMs, note: caveat ? `${skips}; ${caveat}` : skips }
    }
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
        replay: params.replay({ seed: details.seed, path, property: spec.name })
      }
    }
  }
})
