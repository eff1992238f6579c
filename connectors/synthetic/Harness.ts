import fc from "fast-check"
import type { HarnessSetup } from "parallax-connect/harness"

/**
 * How `parallax check synthetic` varies the source: small inventories of any seed and generation, so
 * convergence is checked across churn between generations.
 */
export const harness: HarnessSetup<never, Record<string, number>> = {
  sources: fc.record({
    seed: fc.nat(10_000),
    generation: fc.nat(6),
    instances: fc.nat(8),
    users: fc.nat(6),
    roles: fc.nat(4),
    policies: fc.nat(4),
    buckets: fc.nat(4),
    securityGroups: fc.nat(3)
  }),
  configFor: (source) => source
}
