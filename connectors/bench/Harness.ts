import fc from "fast-check"
import type { HarnessSetup } from "parallax-connect/harness"
import { CHANGES } from "./Workload.ts"

/** One small bench workload: its size, generation and the kinds that generation changes (what the config says). */
export interface BenchSource {
  readonly n: number
  readonly generation: number
  readonly changes: (typeof CHANGES)[number]
}

/**
 * How `parallax check bench` varies the source: small workloads (n even, 2 to 60, so that from n = 20 a
 * generation > 0 also adds new hosts and users) of generations 0 to 4, changing every kind or one, so
 * convergence is checked across the churn rules (updates, removals, additions) between generations and sizes.
 */
export const harness: HarnessSetup<never, BenchSource> = {
  sources: fc.record({
    n: fc.integer({ min: 1, max: 30 }).map((half) => 2 * half),
    generation: fc.nat(4),
    changes: fc.constantFrom(...CHANGES)
  }),
  configFor: (source) => ({ n: source.n, generation: source.generation, changes: source.changes })
}
