import { Effect, Layer, Redacted, type Scope } from "effect"
import { GitHubClient } from "../GitHubClient.ts"
import type { OrgModel } from "./OrgModel.ts"

/** A scripted failure: requests whose path and query match `path` get `status` (the first `times` of them). */
export interface Fault {
  readonly path: string | RegExp
  readonly status: number
  /** How many matching requests fail before the rule stops applying (default: all of them). */
  readonly times?: number
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: unknown
}

/** How the fixture server behaves. */
export interface FixtureOptions {
  /** The token it accepts (default `"test-token"`); any other gets 401 `Bad credentials`. */
  readonly token?: string
  /** The largest page it serves, whatever `per_page` asks (default 30, GitHub's default). */
  readonly pageSize?: number
  readonly faults?: ReadonlyArray<Fault>
}

/** A request the server received. */
export interface RecordedRequest {
  readonly path: string
  readonly authorization: string | null
  readonly status: number
}

/** A running fixture server. */
export interface FixtureServer {
  readonly url: string
  readonly requests: ReadonlyArray<RecordedRequest>
}

const idOf = (text: string): number => {
  let h = 7
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) >>> 0
  return h % 100_000_000
}

const userJson = (base: string, login: string) => ({
  login,
  id: idOf(`user:${login}`),
  node_id: `MDQ6VXNlcj${idOf(login)}`,
  avatar_url: `https://avatars.githubusercontent.com/u/${idOf(`user:${login}`)}?v=4`,
  url: `${base}/users/${login}`,
  html_url: `https://github.com/${login}`,
  type: "User",
  site_admin: false
})

const repoJson = (base: string, org: OrgModel, repo: OrgModel["repos"][number]) => ({
  id: idOf(`repo:${org.login}/${repo.name}`),
  node_id: `R_kgDO${idOf(repo.name)}`,
  name: repo.name,
  full_name: `${org.login}/${repo.name}`,
  private: repo.private,
  owner: { login: org.login, id: idOf(`org:${org.login}`), type: "Organization", site_admin: false },
  html_url: `https://github.com/${org.login}/${repo.name}`,
  description: repo.description,
  fork: repo.fork,
  url: `${base}/repos/${org.login}/${repo.name}`,
  created_at: "2023-01-15T10:00:00Z",
  language: repo.language,
  archived: repo.archived,
  disabled: false,
  visibility: repo.private ? "private" : "public",
  default_branch: "main"
})

const teamJson = (base: string, org: OrgModel, team: OrgModel["teams"][number]) => ({
  id: idOf(`team:${team.slug}`),
  node_id: `T_kwDO${idOf(team.slug)}`,
  url: `${base}/orgs/${org.login}/teams/${team.slug}`,
  html_url: `https://github.com/orgs/${org.login}/teams/${team.slug}`,
  name: team.name,
  slug: team.slug,
  description: null,
  privacy: team.privacy,
  notification_setting: "notifications_enabled",
  permission: "pull",
  parent: team.parent === null ? null : { slug: team.parent, name: team.parent, id: idOf(`team:${team.parent}`) }
})

const FLAGS = ["read", "triage", "write", "maintain", "admin"] as const
const permissionsOf = (role: string) => {
  const level = FLAGS.indexOf(role as (typeof FLAGS)[number])
  return { pull: level >= 0, triage: level >= 1, push: level >= 2, maintain: level >= 3, admin: level >= 4 }
}

/** What `GET path` answers for the organisation, or `undefined` for 404. */
const route = (base: string, org: OrgModel, path: string, query: URLSearchParams): unknown => {
  const prefix = `/orgs/${org.login}`
  if (path.toLowerCase() === prefix.toLowerCase()) {
    return {
      login: org.login,
      id: idOf(`org:${org.login}`),
      url: `${base}${prefix}`,
      repos_url: `${base}${prefix}/repos`,
      description: org.description,
      name: org.name,
      html_url: `https://github.com/${org.login}`,
      is_verified: false,
      public_repos: org.repos.filter((repo) => !repo.private).length,
      type: "Organization"
    }
  }
  if (!path.toLowerCase().startsWith(`${prefix.toLowerCase()}/`)) return undefined
  const rest = path.slice(prefix.length)
  const role = query.get("role") ?? "all"
  if (rest === "/repos") return org.repos.map((repo) => repoJson(base, org, repo))
  if (rest === "/members") {
    return org.members.filter((m) => role === "all" || m.role === role).map((m) => userJson(base, m.login))
  }
  if (rest === "/teams") return org.teams.map((team) => teamJson(base, org, team))
  const match = /^\/teams\/([^/]+)\/(members|repos)$/.exec(rest)
  const team = match ? org.teams.find((t) => t.slug === decodeURIComponent(match[1] ?? "")) : undefined
  if (!match || !team) return undefined
  if (match[2] === "members") {
    return team.members.filter((m) => role === "all" || m.role === role).map((m) => userJson(base, m.login))
  }
  return team.repos.flatMap((grant) => {
    const repo = org.repos.find((r) => r.name === grant.name)
    return repo
      ? [{ ...repoJson(base, org, repo), role_name: grant.permission, permissions: permissionsOf(grant.permission) }]
      : []
  })
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers }
  })

/**
 * Serves `org` on loopback as GitHub's REST API would: its JSON shapes, bearer-token auth, `Link`
 * pagination, 404 for anything else, and scripted faults (rate limits, server errors). Stopped when the
 * scope closes.
 */
export const serveOrg = (
  org: OrgModel,
  options: FixtureOptions = {}
): Effect.Effect<FixtureServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const token = options.token ?? "test-token"
      const maxPage = options.pageSize ?? 30
      const requests: Array<RecordedRequest> = []
      const used = new Map<Fault, number>()
      const answer = (request: Request): Response => {
        const url = new URL(request.url)
        const where = `${url.pathname}${url.search}`
        const base = url.origin
        for (const fault of options.faults ?? []) {
          const hit = typeof fault.path === "string" ? url.pathname === fault.path : fault.path.test(where)
          const count = used.get(fault) ?? 0
          if (hit && count < (fault.times ?? Number.POSITIVE_INFINITY)) {
            used.set(fault, count + 1)
            return json(fault.status, fault.body ?? { message: `scripted ${fault.status}` }, { ...fault.headers })
          }
        }
        const auth = request.headers.get("authorization")
        if (auth !== `Bearer ${token}` && auth !== `token ${token}`) {
          return json(401, {
            message: "Bad credentials",
            documentation_url: "https://docs.github.com/rest",
            status: "401"
          })
        }
        const body = route(base, org, url.pathname, url.searchParams)
        if (body === undefined) {
          return json(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" })
        }
        if (!Array.isArray(body)) return json(200, body)
        const perPage = Math.min(maxPage, Number(url.searchParams.get("per_page") ?? 30) || 30)
        const pageNumber = Math.max(1, Number(url.searchParams.get("page") ?? 1) || 1)
        const last = Math.max(1, Math.ceil(body.length / perPage))
        const link = (page: number, rel: string) => {
          const next = new URL(url)
          next.searchParams.set("page", String(page))
          return `<${next.toString()}>; rel="${rel}"`
        }
        const links = pageNumber < last ? [link(pageNumber + 1, "next"), link(last, "last")] : []
        const headers: Record<string, string> = links.length > 0 ? { link: links.join(", ") } : {}
        return json(200, body.slice((pageNumber - 1) * perPage, pageNumber * perPage), headers)
      }
      const server = Bun.serve({
        hostname: "127.0.0.1",
        port: 0,
        fetch: (request) => {
          const response = answer(request)
          const url = new URL(request.url)
          requests.push({
            path: `${url.pathname}${url.search}`,
            authorization: request.headers.get("authorization"),
            status: response.status
          })
          return response
        }
      })
      return { server, fixture: { url: `http://127.0.0.1:${server.port}`, requests } }
    }),
    ({ server }) => Effect.promise(() => server.stop(true))
  ).pipe(Effect.map(({ fixture }) => fixture))

/**
 * The github connector's client against a fixture server serving `org` (started with the layer, stopped
 * with it): what the harness's `layerFor` needs. Sync with `org` set to the model's login.
 */
export const fixtureLayer = (org: OrgModel, options: FixtureOptions = {}): Layer.Layer<GitHubClient> =>
  Layer.unwrapScoped(
    serveOrg(org, options).pipe(
      Effect.map((server) =>
        GitHubClient.layer({ baseUrl: server.url, token: Redacted.make(options.token ?? "test-token") })
      )
    )
  )
