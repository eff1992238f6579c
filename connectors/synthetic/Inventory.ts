import { type EntityBuilder, entity } from "parallax-connect"
import type { SyntheticConfig } from "./Config.ts"
import { below, chance, hex, type Labels, pick, share, unit } from "./Random.ts"

/** The entity types of the synthetic inventory. */
export const TYPES = {
  instance: "synthetic_instance",
  user: "synthetic_user",
  role: "synthetic_role",
  policy: "synthetic_policy",
  bucket: "synthetic_bucket",
  securityGroup: "synthetic_security_group",
  agent: "synthetic_agent"
} as const

const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"]
const INSTANCE_TYPES = ["t3.micro", "t3.medium", "m5.large", "m5.xlarge", "c6g.large", "r6i.large"]
const ROLES_OF_HOSTS = ["web", "api", "worker", "db", "bastion", "batch", "cache"]
const ENVIRONMENTS = ["prod", "staging", "dev"]
const TEAMS = ["payments", "platform", "data", "identity", "growth"]
const FIRST = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar"]
const LAST = ["nguyen", "smith", "garcia", "kowalski", "okafor", "tanaka", "muller", "silva", "haddad", "larsen"]
const COMPANIES = ["acme", "globex", "initech", "umbrella", "hooli", "stark"]
const PURPOSES = ["logs", "backups", "assets", "exports", "terraform-state", "ml-datasets", "invoices"]
const ROLE_NAMES = ["app-server", "ci-deployer", "data-pipeline", "readonly-auditor", "lambda-exec", "ops-admin"]
const TRUSTED = ["ec2.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "codebuild.amazonaws.com"]
const SG_NAMES = ["default", "web", "ssh-admin", "database", "internal", "load-balancer"]
const RULES = [
  "tcp/443 from 0.0.0.0/0",
  "tcp/80 from 0.0.0.0/0",
  "tcp/5432 from 10.0.0.0/8",
  "tcp/6379 from 10.0.0.0/8"
]
const CATALOGUE: ReadonlyArray<readonly [string, ReadonlyArray<string>]> = [
  ["AdministratorAccess", ["*"]],
  ["ReadOnlyAccess", ["*:Describe*", "*:Get*", "*:List*"]],
  ["AmazonS3FullAccess", ["s3:*"]],
  ["AmazonEC2FullAccess", ["ec2:*"]],
  ["SecurityAudit", ["config:Get*", "iam:Get*", "iam:List*"]],
  ["CloudWatchLogsFullAccess", ["logs:*"]],
  ["AmazonDynamoDBReadOnlyAccess", ["dynamodb:BatchGet*", "dynamodb:Describe*", "dynamodb:Get*"]],
  ["IAMUserChangePassword", ["iam:ChangePassword", "iam:GetAccountPasswordPolicy"]]
]
const ACTIONS = ["s3:GetObject", "s3:PutObject", "sqs:SendMessage", "kms:Decrypt", "ec2:StartInstances", "rds:Connect"]

/** The name of the policy administrator roles are assigned. */
export const ADMIN_POLICY = "AdministratorAccess"

/** 2024-01-01T00:00:00Z: launch times are offsets from this fixed date, never from the clock. */
const EPOCH = Date.UTC(2024, 0, 1)
const DAY = 86_400_000

/**
 * The indexes of the objects of one kind alive at the config's generation. Generation 0 has `size`
 * objects; each later one adds `size * churn` new ones on average (fractions carry over), and each
 * object lives a geometrically distributed number of generations, so about `churn` of them go each time
 * and the population stays near `size`.
 */
export const alive = (config: SyntheticConfig, kind: string, size: number): ReadonlyArray<number> => {
  const { generation, churn, seed } = config
  const rate = size * churn
  const end = size + (rate === 0 ? 0 : Math.floor(generation * rate + 1e-9))
  const indexes: Array<number> = []
  for (let i = 0; i < end; i++) {
    const born = i < size ? 0 : Math.ceil((i - size + 1) / rate - 1e-9)
    const u = unit(seed, kind, i, "lifetime")
    const lifetime =
      churn === 0 ? Number.POSITIVE_INFINITY : churn === 1 ? 1 : 1 + Math.floor(Math.log(1 - u) / Math.log(1 - churn))
    if (born <= generation && generation < born + lifetime) indexes.push(i)
  }
  return indexes
}

const suffix = (i: number): string => i.toString(16).padStart(8, "0")
const octet = (...labels: Labels): number => 1 + below(254, ...labels)

/** The key of instance `i`: 17 hex digits like EC2's, the last 8 being `i` (unique by construction). */
export const instanceKey = (seed: number, i: number): string => `i-${hex(9, seed, "instance", i)}${suffix(i)}`

/** Compute instance `i` at the config's generation: its state changes from one generation to the next. */
export const instance = (config: SyntheticConfig, i: number): EntityBuilder => {
  const { seed, generation } = config
  const at = (...labels: Labels) => [seed, "instance", i, ...labels]
  const region = pick(REGIONS, ...at("region"))
  const privateIp = `10.${below(4, ...at("net"))}.${octet(...at("ip3"))}.${octet(...at("ip4"))}`
  const publicIp = chance(0.3, ...at("public"))
    ? `54.${octet(...at("p2"))}.${octet(...at("p3"))}.${octet(...at("p4"))}`
    : null
  const environment = pick(ENVIRONMENTS, ...at("env"))
  const name = `${pick(ROLES_OF_HOSTS, ...at("name"))}-${environment}-${i}`
  return entity(TYPES.instance, instanceKey(seed, i))
    .class("Host")
    .displayName(name)
    .properties({
      instanceType: pick(INSTANCE_TYPES, ...at("type")),
      region,
      availabilityZone: `${region}${pick(["a", "b", "c"], ...at("az"))}`,
      platform: chance(0.15, ...at("windows")) ? "windows" : "linux",
      imageId: `ami-${hex(17, ...at("image"))}`,
      state: chance(0.1, ...at("stopped", generation)) ? "stopped" : "running",
      privateIp,
      publicIp,
      hostname: `ip-${privateIp.replaceAll(".", "-")}.${region}.compute.internal`,
      launchTime: new Date(EPOCH + below(365 * DAY, ...at("launch"))).toISOString(),
      tags: [`env:${environment}`, `team:${pick(TEAMS, ...at("team"))}`, `name:${name}`].sort()
    })
}

/** Whether the instance `key` runs an endpoint agent (the posture ratio `hostsWithoutAgent`). */
export const hasAgent = (config: SyntheticConfig, key: string): boolean =>
  !share(config.hostsWithoutAgent, Number.parseInt(key.slice(-8), 16), config.seed, "agentless")

/** The endpoint agent on the instance `instanceKey`; offline when the instance is stopped. */
export const agent = (config: SyntheticConfig, key: string, state: string): EntityBuilder =>
  entity(TYPES.agent, `agent-${key}`)
    .class("Agent")
    .displayName(`EDR sensor on ${key}`)
    .properties({
      vendor: "Parallax EDR",
      version: `7.${Math.floor(config.generation / 3)}.${below(10, config.seed, "agent", key)}`,
      status: state === "running" ? "online" : "offline",
      instanceId: key
    })

/** IAM user `i`; `mfaEnabled` follows the posture ratio `usersWithoutMfa`. */
export const user = (config: SyntheticConfig, i: number): EntityBuilder => {
  const at = (...labels: Labels) => [config.seed, "user", i, ...labels]
  const userName = `${pick(FIRST, ...at("first"))}.${pick(LAST, ...at("last"))}`
  return entity(TYPES.user, `AIDA${hex(8, ...at("id")).toUpperCase()}${suffix(i).toUpperCase()}`)
    .class("User")
    .displayName(userName)
    .properties({
      userName,
      email: `${userName}@example.com`,
      mfaEnabled: !share(config.usersWithoutMfa, i, config.seed, "nomfa"),
      consoleAccess: chance(0.8, ...at("console")),
      accessKeys: below(3, ...at("keys")),
      createdAt: new Date(EPOCH + below(700 * DAY, ...at("created"))).toISOString()
    })
}

/** The roles the user `key` is assigned: usually one, sometimes none. */
export const userRoles = (config: SyntheticConfig, key: string, roles: ReadonlyArray<string>): ReadonlyArray<string> =>
  roles.length === 0 || chance(0.1, config.seed, "user-roles", key, "none")
    ? []
    : [pick(roles, config.seed, "user-roles", key)]

/** The key of role `i`. */
export const roleKey = (seed: number, i: number): string => `${pick(ROLE_NAMES, seed, "role", i, "name")}-${i}`

/** Whether role `i` has administrator access (the posture ratio `adminRoles`). */
export const isAdminRole = (config: SyntheticConfig, i: number): boolean =>
  share(config.adminRoles, i, config.seed, "admin")

/** IAM role `i`. */
export const role = (config: SyntheticConfig, i: number): EntityBuilder =>
  entity(TYPES.role, roleKey(config.seed, i))
    .class("AccessRole")
    .properties({
      admin: isAdminRole(config, i),
      path: "/",
      trustedService: pick(TRUSTED, config.seed, "role", i, "trust"),
      maxSessionSeconds: pick([3600, 7200, 43200], config.seed, "role", i, "session")
    })

/** The non-administrator policies role `i` is assigned, one or two of `policies`. */
export const rolePolicies = (
  config: SyntheticConfig,
  i: number,
  policies: ReadonlyArray<string>
): ReadonlyArray<string> => {
  if (policies.length === 0) return []
  const first = pick(policies, config.seed, "role", i, "policy", 0)
  const second = pick(policies, config.seed, "role", i, "policy", 1)
  return [...new Set([first, second])].sort()
}

/** Policy `i`: the first ones come from a catalogue of managed policies, the rest are customer policies. */
export const policy = (config: SyntheticConfig, i: number): EntityBuilder => {
  const known = CATALOGUE[i]
  const name = known ? known[0] : `custom-policy-${i}`
  const actions = known
    ? [...known[1]]
    : [...new Set([pick(ACTIONS, config.seed, "policy", i, 0), pick(ACTIONS, config.seed, "policy", i, 1)])].sort()
  return entity(TYPES.policy, name)
    .class("AccessPolicy")
    .properties({ managed: known ? "aws" : "customer", admin: name === ADMIN_POLICY, actions })
}

/** Storage bucket `i`; `public` follows the posture ratio `publicBuckets`. */
export const bucket = (config: SyntheticConfig, i: number): EntityBuilder => {
  const at = (...labels: Labels) => [config.seed, "bucket", i, ...labels]
  const isPublic = share(config.publicBuckets, i, config.seed, "public")
  return entity(TYPES.bucket, `${pick(COMPANIES, config.seed, "company")}-${pick(PURPOSES, ...at("purpose"))}-${i}`)
    .class("DataStore")
    .properties({
      region: pick(REGIONS, ...at("region")),
      public: isPublic,
      acl: isPublic ? "public-read" : "private",
      encrypted: chance(0.85, ...at("encrypted")),
      versioning: chance(0.6, ...at("versioning"))
    })
}

/** The key of security group `i`. */
export const securityGroupKey = (seed: number, i: number): string => `sg-${hex(9, seed, "sg", i)}${suffix(i)}`

/** Security group `i`: its ingress rules, and whether SSH is open to the world. */
export const securityGroup = (config: SyntheticConfig, i: number): EntityBuilder => {
  const at = (...labels: Labels) => [config.seed, "sg", i, ...labels]
  const sshOpen = chance(0.25, ...at("ssh"))
  const rules = new Set([pick(RULES, ...at("rule", 0)), pick(RULES, ...at("rule", 1))])
  if (sshOpen) rules.add("tcp/22 from 0.0.0.0/0")
  const ingress = [...rules].sort()
  return entity(TYPES.securityGroup, securityGroupKey(config.seed, i))
    .class("Firewall")
    .displayName(`${pick(SG_NAMES, ...at("name"))}-${i}`)
    .properties({
      vpcId: `vpc-${hex(8, config.seed, "vpc")}`,
      ingress,
      openToWorld: ingress.some((rule) => rule.endsWith("0.0.0.0/0")),
      sshOpenToWorld: sshOpen
    })
}

/** The role instance `i` uses (none for about one in five) and its one or two security groups. */
export const instanceLinks = (
  config: SyntheticConfig,
  i: number,
  roles: ReadonlyArray<string>,
  groups: ReadonlyArray<string>
): { readonly role: string | undefined; readonly groups: ReadonlyArray<string> } => {
  const at = (...labels: Labels) => [config.seed, "instance", i, ...labels]
  const role = roles.length === 0 || chance(0.2, ...at("norole")) ? undefined : pick(roles, ...at("role"))
  const chosen = groups.length === 0 ? [] : [pick(groups, ...at("sg", 0)), pick(groups, ...at("sg", 1))]
  return { role, groups: [...new Set(chosen)].sort() }
}
