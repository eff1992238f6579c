import fc from "fast-check"

/** A GitHub organisation as a plain object, which the fixture server serves in GitHub's JSON shapes. */
export interface OrgModel {
  readonly login: string
  readonly name: string | null
  readonly description: string | null
  readonly repos: ReadonlyArray<{
    readonly name: string
    readonly private: boolean
    readonly archived: boolean
    readonly fork: boolean
    readonly language: string | null
    readonly description: string | null
  }>
  readonly members: ReadonlyArray<{ readonly login: string; readonly role: "admin" | "member" }>
  readonly teams: ReadonlyArray<{
    readonly slug: string
    readonly name: string
    readonly privacy: "closed" | "secret"
    readonly parent: string | null
    readonly members: ReadonlyArray<{ readonly login: string; readonly role: "maintainer" | "member" }>
    /** Repository names and the team's role on them. */
    readonly repos: ReadonlyArray<{
      readonly name: string
      readonly permission: "read" | "triage" | "write" | "maintain" | "admin"
    }>
  }>
}

/** A small organisation with every kind of object, for examples and tests. */
export const sampleOrg: OrgModel = {
  login: "acme",
  name: "Acme Corp",
  description: "Makers of everything",
  repos: [
    { name: "api", private: true, archived: false, fork: false, language: "TypeScript", description: "The API" },
    { name: "web", private: false, archived: false, fork: false, language: "TypeScript", description: null },
    { name: "infra", private: true, archived: false, fork: false, language: "HCL", description: "Terraform" },
    { name: "old-site", private: false, archived: true, fork: false, language: null, description: "Retired" },
    { name: "effect", private: false, archived: false, fork: true, language: "TypeScript", description: "Our fork" }
  ],
  members: [
    { login: "alice", role: "admin" },
    { login: "bob", role: "member" },
    { login: "carol", role: "member" },
    { login: "dave", role: "member" }
  ],
  teams: [
    {
      slug: "engineering",
      name: "Engineering",
      privacy: "closed",
      parent: null,
      members: [
        { login: "alice", role: "maintainer" },
        { login: "bob", role: "member" }
      ],
      repos: [
        { name: "api", permission: "write" },
        { name: "web", permission: "write" }
      ]
    },
    {
      slug: "platform",
      name: "Platform",
      privacy: "closed",
      parent: "engineering",
      members: [{ login: "carol", role: "maintainer" }],
      repos: [
        { name: "infra", permission: "admin" },
        { name: "api", permission: "read" }
      ]
    },
    { slug: "security", name: "Security", privacy: "secret", parent: null, members: [], repos: [] }
  ]
}

const slug = fc.stringMatching(/^[a-z][a-z0-9-]{0,9}$/)

/**
 * Generated organisations under the login `login`: unique repository names, member logins and team
 * slugs; team members are members of the organisation, team repositories are its repositories, a
 * parent is an earlier team.
 */
export const orgModelArbitrary = (login = "acme"): fc.Arbitrary<OrgModel> =>
  fc
    .record({
      name: fc.option(fc.string({ maxLength: 20 }), { nil: null }),
      repos: fc.uniqueArray(
        fc.record({
          name: slug,
          private: fc.boolean(),
          archived: fc.boolean(),
          fork: fc.boolean(),
          language: fc.option(fc.constantFrom("TypeScript", "Go", "Rust"), { nil: null }),
          description: fc.option(fc.string({ maxLength: 30 }), { nil: null })
        }),
        { selector: (repo) => repo.name, maxLength: 8 }
      ),
      members: fc.uniqueArray(fc.record({ login: slug, role: fc.constantFrom("admin" as const, "member" as const) }), {
        selector: (member) => member.login,
        maxLength: 8
      }),
      teams: fc.uniqueArray(
        fc.record({
          slug,
          privacy: fc.constantFrom("closed" as const, "secret" as const),
          parent: fc.nat(),
          members: fc.array(fc.tuple(fc.nat(), fc.constantFrom("maintainer" as const, "member" as const)), {
            maxLength: 4
          }),
          repos: fc.array(
            fc.tuple(fc.nat(), fc.constantFrom("read" as const, "triage" as const, "write" as const, "admin" as const)),
            { maxLength: 4 }
          )
        }),
        { selector: (team) => team.slug, maxLength: 4 }
      )
    })
    .map(({ name, repos, members, teams }) => ({
      login,
      name,
      description: null,
      repos,
      members,
      teams: teams.map((team, t) => {
        const unique = <A extends { readonly key: string }>(items: ReadonlyArray<A>) => [
          ...new Map(items.map((item) => [item.key, item])).values()
        ]
        return {
          slug: team.slug,
          name: team.slug.toUpperCase(),
          privacy: team.privacy,
          parent: t === 0 ? null : (teams[team.parent % t]?.slug ?? null),
          members:
            members.length === 0
              ? []
              : unique(
                  team.members.map(([i, role]) => ({
                    key: (members[i % members.length] as { login: string }).login,
                    role
                  }))
                ).map(({ key, role }) => ({ login: key, role })),
          repos:
            repos.length === 0
              ? []
              : unique(
                  team.repos.map(([i, permission]) => ({
                    key: (repos[i % repos.length] as { name: string }).name,
                    permission
                  }))
                ).map(({ key, permission }) => ({ name: key, permission }))
        }
      })
    }))
