import { Schema } from "effect"

/** The synthetic connector's steps, in declaration order (`failSteps` names some of them). */
export const STEP_IDS = [
  "policies",
  "security-groups",
  "users",
  "buckets",
  "roles",
  "user-roles",
  "instances",
  "agents"
] as const

/** One step id of the synthetic connector. */
export type SyntheticStepId = (typeof STEP_IDS)[number]

/**
 * A number given as a number or as its decimal text (`--set instances=50`). A value that is neither gets
 * one message for the union, not one per alternative.
 */
const Numeric = Schema.Union(Schema.Number, Schema.NumberFromString).annotations({
  message: (issue) => ({
    message: `expected a number (or its decimal text), got ${JSON.stringify(issue.actual)}`,
    override: true
  })
})

/** A whole number of objects, 0 to 100000. */
const Size = Numeric.pipe(
  Schema.filter((n) => (Number.isSafeInteger(n) && n >= 0 && n <= 100_000) || `expected an integer 0..100000, got ${n}`)
)

/** A share between 0 and 1. */
const Ratio = Numeric.pipe(Schema.filter((r) => (r >= 0 && r <= 1) || `expected a ratio between 0 and 1, got ${r}`))

/** A non-negative integer. */
const Natural = Numeric.pipe(
  Schema.filter((n) => (Number.isSafeInteger(n) && n >= 0) || `expected an integer ≥ 0, got ${n}`)
)

/** A list given as an array or as comma-separated text (`--set failSteps=roles,agents`). */
const CommaList = Schema.Union(
  Schema.Array(Schema.String),
  Schema.transform(Schema.String, Schema.Array(Schema.String), {
    strict: true,
    decode: (text) =>
      text
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    encode: (parts) => parts.join(",")
  })
)

const StepIds = CommaList.pipe(
  Schema.filter((ids) => {
    const unknown = ids.filter((id) => !(STEP_IDS as ReadonlyArray<string>).includes(id))
    return unknown.length === 0 || `unknown step ${unknown.join(", ")}; the steps are ${STEP_IDS.join(", ")}`
  })
)

/**
 * The configuration of `synthetic`: sizes, posture ratios, the seed, the generation (deterministic churn
 * between runs) and the steps to fail on purpose. Every key has a default; numbers may be given as text.
 */
export const SyntheticConfig = Schema.Struct({
  instances: Schema.optionalWith(Size, { default: () => 12 }).annotations({
    description: "Compute instances (`Host`)."
  }),
  users: Schema.optionalWith(Size, { default: () => 10 }).annotations({ description: "IAM users (`User`)." }),
  roles: Schema.optionalWith(Size, { default: () => 6 }).annotations({ description: "IAM roles (`AccessRole`)." }),
  policies: Schema.optionalWith(Size, { default: () => 8 }).annotations({
    description: "IAM policies (`AccessPolicy`); the first is always `AdministratorAccess`."
  }),
  buckets: Schema.optionalWith(Size, { default: () => 6 }).annotations({
    description: "Storage buckets (`DataStore`)."
  }),
  securityGroups: Schema.optionalWith(Size, { default: () => 4 }).annotations({
    description: "Security groups (`Firewall`)."
  }),
  hostsWithoutAgent: Schema.optionalWith(Ratio, { default: () => 0.25 }).annotations({
    description: "Share of instances with no endpoint agent."
  }),
  usersWithoutMfa: Schema.optionalWith(Ratio, { default: () => 0.3 }).annotations({
    description: "Share of users without MFA."
  }),
  publicBuckets: Schema.optionalWith(Ratio, { default: () => 0.2 }).annotations({
    description: "Share of buckets open to the public."
  }),
  adminRoles: Schema.optionalWith(Ratio, { default: () => 0.2 }).annotations({
    description: "Share of roles with administrator access."
  }),
  seed: Schema.optionalWith(Natural, { default: () => 1 }).annotations({
    description: "The seed: another seed, another inventory."
  }),
  generation: Schema.optionalWith(Natural, { default: () => 0 }).annotations({
    description: "The generation: 0 is the first inventory; each later one churns (adds, removes, changes) a little."
  }),
  churn: Schema.optionalWith(Ratio, { default: () => 0.1 }).annotations({
    description: "The share of instances, users and buckets replaced per generation."
  }),
  failSteps: Schema.optionalWith(StepIds, { default: () => [] }).annotations({
    description: "Steps that fail on purpose after emitting (demos and tests of partial syncs)."
  })
})

/** The decoded configuration of `synthetic`. */
export type SyntheticConfig = typeof SyntheticConfig.Type
