import { Schema } from "effect"

/**
 * The parts of GitHub's REST API responses the connector reads. Other fields are ignored, so the
 * recorded shapes may carry everything GitHub sends.
 */

const Nullable = <A, I>(schema: Schema.Schema<A, I>) =>
  Schema.optionalWith(Schema.NullOr(schema), { default: () => null })

/** `GET /orgs/{org}`. */
export const ApiOrganization = Schema.Struct({
  login: Schema.String,
  id: Schema.Number,
  name: Nullable(Schema.String),
  description: Nullable(Schema.String),
  html_url: Nullable(Schema.String),
  is_verified: Nullable(Schema.Boolean)
})
export type ApiOrganization = typeof ApiOrganization.Type

/** One repository of `GET /orgs/{org}/repos`. */
export const ApiRepository = Schema.Struct({
  id: Schema.Number,
  name: Schema.String,
  full_name: Schema.String,
  private: Schema.Boolean,
  visibility: Nullable(Schema.String),
  archived: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  fork: Schema.Boolean,
  default_branch: Nullable(Schema.String),
  language: Nullable(Schema.String),
  description: Nullable(Schema.String),
  html_url: Schema.String
})
export type ApiRepository = typeof ApiRepository.Type

/** One user of `GET /orgs/{org}/members` and `GET /orgs/{org}/teams/{slug}/members`. */
export const ApiUser = Schema.Struct({
  login: Schema.String,
  id: Schema.Number,
  type: Schema.optionalWith(Schema.String, { default: () => "User" }),
  site_admin: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  html_url: Nullable(Schema.String)
})
export type ApiUser = typeof ApiUser.Type

/** One team of `GET /orgs/{org}/teams`. */
export const ApiTeam = Schema.Struct({
  id: Schema.Number,
  slug: Schema.String,
  name: Schema.String,
  description: Nullable(Schema.String),
  privacy: Nullable(Schema.String),
  parent: Nullable(Schema.Struct({ slug: Schema.String })),
  html_url: Nullable(Schema.String)
})
export type ApiTeam = typeof ApiTeam.Type

/** One repository of `GET /orgs/{org}/teams/{slug}/repos`, with the team's permission on it. */
export const ApiTeamRepository = Schema.Struct({
  full_name: Schema.String,
  role_name: Nullable(Schema.String),
  permissions: Nullable(
    Schema.Struct({
      admin: Schema.Boolean,
      maintain: Schema.optionalWith(Schema.Boolean, { default: () => false }),
      push: Schema.Boolean,
      triage: Schema.optionalWith(Schema.Boolean, { default: () => false }),
      pull: Schema.Boolean
    })
  )
})
export type ApiTeamRepository = typeof ApiTeamRepository.Type

/**
 * The team's permission on a repository, in GitHub's role names (`read`, `triage`, `write`, `maintain`,
 * `admin`): `role_name` when GitHub sends it, else the strongest permission flag.
 */
export const permissionOf = (repo: ApiTeamRepository): string => {
  if (repo.role_name) return repo.role_name
  const flags = repo.permissions
  if (!flags) return "read"
  if (flags.admin) return "admin"
  if (flags.maintain) return "maintain"
  if (flags.push) return "write"
  if (flags.triage) return "triage"
  return "read"
}
