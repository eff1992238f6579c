import { describe, expect } from "bun:test"
import { Effect } from "effect"
import { planWaves, type RunOutput, runConnector } from "parallax-connect"
import synthetic from "../../../connectors/synthetic/index.ts"
import { effectTest } from "../../support/effectTest.ts"

const run = (config: Record<string, unknown> = {}) => runConnector(synthetic, { config, strict: true })

/** Everything that identifies the output: ids and content hashes, in a canonical order. */
const fingerprint = (output: RunOutput): ReadonlyArray<string> =>
  [...output.entities.map((e) => `${e.id}:${e.hash}`), ...output.relationships.map((r) => `${r.id}:${r.hash}`)].sort()

const ofType = (output: RunOutput, type: string) => output.entities.filter((e) => e.type === type)

describe("synthetic", () => {
  effectTest("collects a small cloud inventory in every class, with no warnings in strict mode", () =>
    Effect.gen(function* () {
      const output = yield* run()
      expect(output.steps.every((step) => step.status === "succeeded")).toBe(true)
      expect(output.warnings).toEqual([])
      const classes = new Set(output.entities.map((e) => `${e.type}:${e.class}`))
      expect([...classes].sort()).toEqual([
        "synthetic_agent:Agent",
        "synthetic_bucket:DataStore",
        "synthetic_instance:Host",
        "synthetic_policy:AccessPolicy",
        "synthetic_role:AccessRole",
        "synthetic_security_group:Firewall",
        "synthetic_user:User"
      ])
      const verbs = new Set(output.relationships.map((r) => `${r.fromType} ${r.verb} ${r.toType}`))
      expect([...verbs].sort()).toEqual([
        "synthetic_agent PROTECTS synthetic_instance",
        "synthetic_instance HAS synthetic_security_group",
        "synthetic_instance USES synthetic_role",
        "synthetic_role ASSIGNED synthetic_policy",
        "synthetic_user ASSIGNED synthetic_role"
      ])
      expect(ofType(output, "synthetic_instance")).toHaveLength(12)
      expect(ofType(output, "synthetic_user")).toHaveLength(10)
    })
  )

  effectTest("every relationship joins two emitted entities", () =>
    Effect.gen(function* () {
      const output = yield* run({ instances: 40, users: 30, generation: 3 })
      const ids = new Set(output.entities.map((e) => e.id))
      for (const r of output.relationships) {
        expect(ids.has(r.fromId) && ids.has(r.toId)).toBe(true)
      }
    })
  )

  effectTest("the same config gives the same data; another seed gives other data", () =>
    Effect.gen(function* () {
      const first = yield* run({ seed: 7, generation: 2 })
      const second = yield* run({ seed: "7", generation: "2" })
      expect(fingerprint(second)).toEqual(fingerprint(first))
      const other = yield* run({ seed: 8, generation: 2 })
      expect(fingerprint(other)).not.toEqual(fingerprint(first))
    })
  )

  effectTest("plans four waves: read-only sources, roles, assignments and instances, agents", () =>
    Effect.sync(() => {
      expect(planWaves(synthetic.steps)).toEqual([
        ["policies", "security-groups", "users", "buckets"],
        ["roles"],
        ["user-roles", "instances"],
        ["agents"]
      ])
    })
  )

  effectTest("each generation churns a little: most objects stay, some go, some come, some change", () =>
    Effect.gen(function* () {
      const config = { instances: 100, users: 100, buckets: 50 }
      const before = yield* run(config)
      const after = yield* run({ ...config, generation: 1 })
      const keys = (output: RunOutput) => new Set(ofType(output, "synthetic_instance").map((e) => e.key))
      const [old, young] = [keys(before), keys(after)]
      const kept = [...young].filter((key) => old.has(key)).length
      expect(kept).toBeGreaterThan(70)
      expect(kept).toBeLessThan(100)
      expect(young.size - kept).toBe(10)
      const hashes = new Map(before.entities.map((e) => [e.id, e.hash]))
      const changed = after.entities.filter((e) => hashes.has(e.id) && hashes.get(e.id) !== e.hash)
      expect(changed.length).toBeGreaterThan(0)
      const still = yield* run({ ...config, churn: 0, generation: 5 })
      expect(keys(still)).toEqual(old)
    })
  )

  effectTest("posture ratios: none and all", () =>
    Effect.gen(function* () {
      const none = yield* run({ hostsWithoutAgent: 0, usersWithoutMfa: 0, publicBuckets: 0, adminRoles: 0 })
      expect(ofType(none, "synthetic_agent")).toHaveLength(ofType(none, "synthetic_instance").length)
      expect(ofType(none, "synthetic_user").every((e) => e.properties.mfaEnabled === true)).toBe(true)
      expect(ofType(none, "synthetic_bucket").every((e) => e.properties.public === false)).toBe(true)
      expect(none.relationships.some((r) => r.toKey === "AdministratorAccess")).toBe(false)
      const all = yield* run({ hostsWithoutAgent: 1, usersWithoutMfa: 1, publicBuckets: 1, adminRoles: 1 })
      expect(ofType(all, "synthetic_agent")).toHaveLength(0)
      expect(ofType(all, "synthetic_user").every((e) => e.properties.mfaEnabled === false)).toBe(true)
      expect(ofType(all, "synthetic_bucket").every((e) => e.properties.public === true)).toBe(true)
      const admins = all.relationships.filter((r) => r.verb === "ASSIGNED" && r.toKey === "AdministratorAccess")
      expect(admins).toHaveLength(ofType(all, "synthetic_role").length)
    })
  )

  effectTest("ratios are shares, not coin flips: a quarter of 40 hosts (±1) have no agent", () =>
    Effect.gen(function* () {
      const output = yield* run({ instances: 40, hostsWithoutAgent: 0.25, churn: 0 })
      const agents = ofType(output, "synthetic_agent").length
      expect(agents).toBeGreaterThanOrEqual(29)
      expect(agents).toBeLessThanOrEqual(31)
    })
  )

  effectTest("failSteps fails the named steps after they emit; dependants are skipped, others run", () =>
    Effect.gen(function* () {
      const output = yield* run({ failSteps: "roles, buckets" })
      const status = Object.fromEntries(output.steps.map((s) => [s.id, s.status]))
      expect(status).toEqual({
        policies: "succeeded",
        "security-groups": "succeeded",
        users: "succeeded",
        buckets: "failed",
        roles: "failed",
        "user-roles": "skipped",
        instances: "skipped",
        agents: "skipped"
      })
      expect(output.entities.some((e) => e.step === "roles" || e.step === "buckets")).toBe(false)
      const failed = output.steps.find((s) => s.id === "roles")
      expect(failed?.error?.message).toContain("failed on purpose")
      const asArray = yield* run({ failSteps: ["agents"] })
      expect(asArray.steps.filter((s) => s.status !== "succeeded").map((s) => s.id)).toEqual(["agents"])
    })
  )

  effectTest("invalid config is rejected with every bad field named", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(run({ failSteps: "nope", publicBuckets: 2, instances: -1 }))
      expect(error._tag).toBe("ConfigInvalid")
      expect(error.message).toContain("failSteps")
      expect(error.message).toContain("unknown step nope")
      expect(error.message).toContain("publicBuckets")
      expect(error.message).toContain("instances")
    })
  )
})
