import { Duration, Effect, Schedule } from "effect"
import {
  ConfigInvalid,
  ConfigIssue,
  Connector,
  type ConnectorError,
  defaultRetry,
  entity,
  isRetryable,
  relationship,
  type StepContext
} from "parallax-connect"
import { ApiOrganization, ApiRepository, ApiTeam, ApiTeamRepository, ApiUser, permissionOf } from "./Api.ts"
import { GitHubConfig } from "./Config.ts"
import { GitHubClient } from "./GitHubClient.ts"

/** The entity types of the github connector. */
export const TYPES = {
  organization: "github_organization",
  repository: "github_repository",
  user: "github_user",
  team: "github_team"
} as const

type Context = StepContext<GitHubConfig>

const orgPath = (ctx: { readonly config: GitHubConfig }) => `/orgs/${encodeURIComponent(ctx.config.org)}`
const teamKey = (ctx: Context, slug: string) => `${ctx.config.org}/${slug}`

/** The teams the `teams` step emitted, by slug, in a stable order. */
const priorTeams = (ctx: Context) =>
  Array.from(ctx.prior.entities(TYPES.team))
    .map((team) => ({ key: team.key, slug: String(team.properties.slug) }))
    .sort((a, b) => (a.key < b.key ? -1 : 1))

/** Logs of the client (rate-limit waits) carry the step, so progress shows them next to it. */
const inStep =
  (ctx: Context) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.annotateLogs(effect, { connector: ctx.connector, account: ctx.account, step: ctx.stepId })

/** Discovery retries what a step would (a 5xx, a dropped connection), with the same policy, saying so. */
const discoveryRetry = () => {
  let last: ConnectorError | undefined
  return defaultRetry.pipe(
    Schedule.whileInput((error: ConnectorError) => isRetryable(error)),
    Schedule.tapInput((error: ConnectorError) => Effect.sync(() => (last = error))),
    Schedule.modifyDelay((_, delay) =>
      last?._tag === "RateLimited" ? Duration.max(delay, Duration.millis(last.retryAfterMs)) : delay
    ),
    Schedule.delays,
    Schedule.onDecision((delay, decision) =>
      decision._tag === "Continue" && last !== undefined
        ? Effect.logWarning(
            `discovery failed (${last.message}); retrying in ${Math.round(Duration.toMillis(delay))} ms`
          )
        : Effect.void
    )
  )
}

/**
 * `github`: an organisation's repositories, members, teams, team memberships and team permissions on
 * repositories, from the REST API (github.com or GitHub Enterprise Server through `baseUrl`).
 *
 * @example
 * parallax sync github --set org=my-org --set token=$GITHUB_TOKEN
 */
export const github = Connector.make({
  name: "github",
  description: "A GitHub organisation: repositories, members, teams and their permissions (config org, token, baseUrl)",
  config: GitHubConfig,
  layer: (config) => GitHubClient.layer({ baseUrl: config.baseUrl, token: config.token }),
  discover: ({ config }) =>
    Effect.gen(function* () {
      const client = yield* GitHubClient
      yield* client.get(orgPath({ config }), ApiOrganization).pipe(
        Effect.retry(discoveryRetry()),
        Effect.catchIf(
          (error) => error._tag === "ApiError" && error.status === 404,
          () =>
            Effect.fail(
              new ConfigInvalid({
                connector: "github",
                issues: [
                  new ConfigIssue({
                    path: "org",
                    message: `organisation "${config.org}" was not found at ${config.baseUrl}, or the token cannot see it; check the org login (and baseUrl for GitHub Enterprise)`
                  })
                ]
              })
            )
        )
      )
    }),
  steps: (step) => [
    step("organization", "The organisation itself")
      .entities({ type: TYPES.organization, class: "Organization" })
      .run((ctx) =>
        Effect.gen(function* () {
          const org = yield* (yield* GitHubClient).get(orgPath(ctx), ApiOrganization)
          yield* ctx.emitEntity(
            entity(TYPES.organization, ctx.config.org)
              .class("Organization")
              .displayName(org.name ?? org.login)
              .properties({
                login: org.login,
                id: org.id,
                name: org.name,
                description: org.description,
                webUrl: org.html_url,
                verified: org.is_verified
              })
          )
        }).pipe(inStep(ctx))
      ),
    step("repositories", "Every repository of the organisation, which it OWNS")
      .dependsOn("organization")
      .entities({ type: TYPES.repository, class: "CodeRepo" })
      .relationships({ from: TYPES.organization, verb: "OWNS", to: TYPES.repository })
      .run((ctx) =>
        Effect.gen(function* () {
          const repos = yield* (yield* GitHubClient).list(`${orgPath(ctx)}/repos?type=all`, ApiRepository)
          for (const repo of repos) {
            yield* ctx.emitEntity(
              entity(TYPES.repository, repo.full_name)
                .class("CodeRepo")
                .displayName(repo.full_name)
                .properties({
                  id: repo.id,
                  name: repo.name,
                  fullName: repo.full_name,
                  private: repo.private,
                  visibility: repo.visibility ?? (repo.private ? "private" : "public"),
                  archived: repo.archived,
                  fork: repo.fork,
                  defaultBranch: repo.default_branch,
                  language: repo.language,
                  description: repo.description,
                  webUrl: repo.html_url
                })
            )
            yield* ctx.emitRelationship(
              relationship(TYPES.organization, ctx.config.org, "OWNS", TYPES.repository, repo.full_name)
            )
          }
        }).pipe(inStep(ctx))
      ),
    step("members", "The organisation's members, each a MEMBER_OF it as admin or member")
      .dependsOn("organization")
      .entities({ type: TYPES.user, class: "User" })
      .relationships({ from: TYPES.user, verb: "MEMBER_OF", to: TYPES.organization })
      .run((ctx) =>
        Effect.gen(function* () {
          const client = yield* GitHubClient
          for (const role of ["admin", "member"] as const) {
            for (const user of yield* client.list(`${orgPath(ctx)}/members?role=${role}`, ApiUser)) {
              yield* ctx.emitEntity(
                entity(TYPES.user, user.login).class("User").properties({
                  login: user.login,
                  id: user.id,
                  type: user.type,
                  siteAdmin: user.site_admin,
                  webUrl: user.html_url
                })
              )
              yield* ctx.emitRelationship(
                relationship(TYPES.user, user.login, "MEMBER_OF", TYPES.organization, ctx.config.org).property(
                  "role",
                  role
                )
              )
            }
          }
        }).pipe(inStep(ctx))
      ),
    step("teams", "The organisation's teams; it HAS each, and a parent team CONTAINS its children")
      .dependsOn("organization")
      .entities({ type: TYPES.team, class: "Team" })
      .relationships(
        { from: TYPES.organization, verb: "HAS", to: TYPES.team },
        { from: TYPES.team, verb: "CONTAINS", to: TYPES.team }
      )
      .run((ctx) =>
        Effect.gen(function* () {
          const teams = yield* (yield* GitHubClient).list(`${orgPath(ctx)}/teams`, ApiTeam)
          for (const team of teams) {
            const key = teamKey(ctx, team.slug)
            yield* ctx.emitEntity(
              entity(TYPES.team, key)
                .class("Team")
                .displayName(team.name)
                .properties({
                  id: team.id,
                  slug: team.slug,
                  name: team.name,
                  description: team.description,
                  privacy: team.privacy,
                  parent: team.parent?.slug ?? null,
                  webUrl: team.html_url
                })
            )
            yield* ctx.emitRelationship(relationship(TYPES.organization, ctx.config.org, "HAS", TYPES.team, key))
            if (team.parent) {
              yield* ctx.emitRelationship(
                relationship(TYPES.team, teamKey(ctx, team.parent.slug), "CONTAINS", TYPES.team, key)
              )
            }
          }
        }).pipe(inStep(ctx))
      ),
    step("team-members", "Which members are a MEMBER_OF each team, as maintainer or member")
      .dependsOn("teams", "members")
      .relationships({ from: TYPES.user, verb: "MEMBER_OF", to: TYPES.team })
      .run((ctx) =>
        Effect.gen(function* () {
          const client = yield* GitHubClient
          for (const team of priorTeams(ctx)) {
            for (const role of ["maintainer", "member"] as const) {
              const path = `${orgPath(ctx)}/teams/${encodeURIComponent(team.slug)}/members?role=${role}`
              for (const user of yield* client.list(path, ApiUser)) {
                if (!ctx.prior.hasEntity(TYPES.user, user.login)) continue
                yield* ctx.emitRelationship(
                  relationship(TYPES.user, user.login, "MEMBER_OF", TYPES.team, team.key).property("role", role)
                )
              }
            }
          }
        }).pipe(inStep(ctx))
      ),
    step("team-repositories", "Which repositories each team ALLOWS access to, with the permission")
      .dependsOn("teams", "repositories")
      .relationships({ from: TYPES.team, verb: "ALLOWS", to: TYPES.repository })
      .run((ctx) =>
        Effect.gen(function* () {
          const client = yield* GitHubClient
          for (const team of priorTeams(ctx)) {
            const path = `${orgPath(ctx)}/teams/${encodeURIComponent(team.slug)}/repos`
            for (const repo of yield* client.list(path, ApiTeamRepository)) {
              if (!ctx.prior.hasEntity(TYPES.repository, repo.full_name)) continue
              yield* ctx.emitRelationship(
                relationship(TYPES.team, team.key, "ALLOWS", TYPES.repository, repo.full_name).property(
                  "permission",
                  permissionOf(repo)
                )
              )
            }
          }
        }).pipe(inStep(ctx))
      )
  ]
})
