import { Effect } from "effect"
import {
  Connector,
  type ConnectorError,
  ConnectorFailed,
  type EntityBuilder,
  relationship,
  type StepContext
} from "parallax-connect"
import { SyntheticConfig } from "./Config.ts"
import {
  ADMIN_POLICY,
  agent,
  alive,
  bucket,
  hasAgent,
  instance,
  instanceLinks,
  policy,
  role,
  rolePolicies,
  securityGroup,
  TYPES,
  user,
  userRoles
} from "./Inventory.ts"

type Context = StepContext<SyntheticConfig>

/** Fails the step on purpose, after it emitted, when `failSteps` names it. */
const failIfAsked = (ctx: Context): Effect.Effect<void, ConnectorError> =>
  ctx.config.failSteps.includes(ctx.stepId)
    ? Effect.fail(new ConnectorFailed({ reason: `step "${ctx.stepId}" failed on purpose (config failSteps)` }))
    : Effect.void

/** Emits every builder, then honours `failSteps`. */
const emitAll = (ctx: Context, builders: ReadonlyArray<EntityBuilder>): Effect.Effect<void, ConnectorError> =>
  Effect.gen(function* () {
    for (const builder of builders) yield* ctx.emitEntity(builder)
    yield* failIfAsked(ctx)
  })

const range = (n: number): ReadonlyArray<number> => Array.from({ length: n }, (_, i) => i)

/** The keys of the entities of `type` that the step's dependencies emitted, sorted. */
const priorKeys = (ctx: Context, type: string): ReadonlyArray<string> =>
  Array.from(ctx.prior.entities(type), (record) => record.key).sort()

/**
 * `synthetic`: a small, realistic cloud inventory with no credentials: instances, IAM users, roles and
 * policies, buckets, security groups and endpoint agents, with posture problems in configurable shares.
 * Same config, same data; `generation` churns it deterministically; `failSteps` makes steps fail.
 *
 * @example
 * parallax sync synthetic --set instances=50 --set generation=2 --set failSteps=agents
 */
export const synthetic = Connector.make({
  name: "synthetic",
  description: "A realistic small cloud inventory, no credentials (config sizes, ratios, seed, generation, failSteps)",
  config: SyntheticConfig,
  steps: (step) => [
    step("policies", "IAM policies: a catalogue of managed policies, then customer policies")
      .entities({ type: TYPES.policy, class: "AccessPolicy" })
      .run((ctx) =>
        emitAll(
          ctx,
          range(ctx.config.policies).map((i) => policy(ctx.config, i))
        )
      ),
    step("security-groups", "Security groups and their ingress rules")
      .entities({ type: TYPES.securityGroup, class: "Firewall" })
      .run((ctx) =>
        emitAll(
          ctx,
          range(ctx.config.securityGroups).map((i) => securityGroup(ctx.config, i))
        )
      ),
    step("users", "IAM users, some without MFA")
      .entities({ type: TYPES.user, class: "User" })
      .run((ctx) =>
        emitAll(
          ctx,
          alive(ctx.config, "user", ctx.config.users).map((i) => user(ctx.config, i))
        )
      ),
    step("buckets", "Storage buckets, some public")
      .entities({ type: TYPES.bucket, class: "DataStore" })
      .run((ctx) =>
        emitAll(
          ctx,
          alive(ctx.config, "bucket", ctx.config.buckets).map((i) => bucket(ctx.config, i))
        )
      ),
    step("roles", "IAM roles, each ASSIGNED the policies it grants")
      .dependsOn("policies")
      .entities({ type: TYPES.role, class: "AccessRole" })
      .relationships({ from: TYPES.role, verb: "ASSIGNED", to: TYPES.policy })
      .run((ctx) =>
        Effect.gen(function* () {
          const policies = priorKeys(ctx, TYPES.policy).filter((key) => key !== ADMIN_POLICY)
          const adminPolicy = ctx.prior.hasEntity(TYPES.policy, ADMIN_POLICY)
          for (const i of range(ctx.config.roles)) {
            const emitted = yield* ctx.emitEntity(role(ctx.config, i))
            const granted = [...rolePolicies(ctx.config, i, policies)]
            if (emitted.properties.admin === true && adminPolicy) granted.push(ADMIN_POLICY)
            for (const key of granted) {
              yield* ctx.emitRelationship(relationship(TYPES.role, emitted.key, "ASSIGNED", TYPES.policy, key))
            }
          }
          yield* failIfAsked(ctx)
        })
      ),
    step("user-roles", "Which roles each user is ASSIGNED")
      .dependsOn("users", "roles")
      .relationships({ from: TYPES.user, verb: "ASSIGNED", to: TYPES.role })
      .run((ctx) =>
        Effect.gen(function* () {
          const roles = priorKeys(ctx, TYPES.role)
          for (const key of priorKeys(ctx, TYPES.user)) {
            for (const roleKey of userRoles(ctx.config, key, roles)) {
              yield* ctx.emitRelationship(relationship(TYPES.user, key, "ASSIGNED", TYPES.role, roleKey))
            }
          }
          yield* failIfAsked(ctx)
        })
      ),
    step("instances", "Compute instances, the role each USES and the security groups each HAS")
      .dependsOn("roles", "security-groups")
      .entities({ type: TYPES.instance, class: "Host" })
      .relationships(
        { from: TYPES.instance, verb: "USES", to: TYPES.role },
        { from: TYPES.instance, verb: "HAS", to: TYPES.securityGroup }
      )
      .run((ctx) =>
        Effect.gen(function* () {
          const roles = priorKeys(ctx, TYPES.role)
          const groups = priorKeys(ctx, TYPES.securityGroup)
          for (const i of alive(ctx.config, "instance", ctx.config.instances)) {
            const emitted = yield* ctx.emitEntity(instance(ctx.config, i))
            const links = instanceLinks(ctx.config, i, roles, groups)
            if (links.role !== undefined) {
              yield* ctx.emitRelationship(relationship(TYPES.instance, emitted.key, "USES", TYPES.role, links.role))
            }
            for (const group of links.groups) {
              yield* ctx.emitRelationship(relationship(TYPES.instance, emitted.key, "HAS", TYPES.securityGroup, group))
            }
          }
          yield* failIfAsked(ctx)
        })
      ),
    step("agents", "Endpoint agents and the instances they PROTECT (some instances have none)")
      .dependsOn("instances")
      .entities({ type: TYPES.agent, class: "Agent" })
      .relationships({ from: TYPES.agent, verb: "PROTECTS", to: TYPES.instance })
      .run((ctx) =>
        Effect.gen(function* () {
          const instances = Array.from(ctx.prior.entities(TYPES.instance)).sort((a, b) => (a.key < b.key ? -1 : 1))
          for (const host of instances) {
            if (!hasAgent(ctx.config, host.key)) continue
            const emitted = yield* ctx.emitEntity(agent(ctx.config, host.key, String(host.properties.state)))
            yield* ctx.emitRelationship(relationship(TYPES.agent, emitted.key, "PROTECTS", TYPES.instance, host.key))
          }
          yield* failIfAsked(ctx)
        })
      )
  ]
})
