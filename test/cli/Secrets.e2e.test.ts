import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { existsSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { leakSites } from "../../harness/internal/Secrets.ts"
import { parallax, tempDir } from "./support/Binary.ts"

/** A token with characters that URL encoding changes, so that its encoded forms differ from it. */
const TOKEN = "ghp_s3cr3tT0ken/with+odd=chars&more"

/**
 * A server that refuses every request with a 401 whose body repeats the credential it was sent, as is,
 * base64-encoded in a Basic credential, and URL-encoded in a query string.
 */
let server: ReturnType<typeof Bun.serve>
beforeAll(() => {
  server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (request) => {
      const authorization = request.headers.get("authorization") ?? ""
      const token = authorization.replace(/^(Bearer|token) /, "")
      const said = `Bad credentials: ${authorization} (as Basic ${btoa(`x-access-token:${token}`)}, as ?access_token=${encodeURIComponent(token)})`
      return Response.json({ message: said }, { status: 401 })
    }
  })
})
afterAll(() => server.stop(true))

const url = () => `http://127.0.0.1:${server.port}`

/** Every place the token was found, in any form the harness knows (as is, base64, URL-encoded, hex). */
const leaks = (where: string, text: string) => leakSites(text, TOKEN).map((site) => `${where}: ${site}`)

/** The store's bytes (the database and its WAL), as text. */
const storeBytes = (db: string) =>
  [db, `${db}-wal`]
    .filter((file) => existsSync(file))
    .map((file) => readFileSync(file).toString("latin1"))
    .join("\n")

/** A connector module whose step calls the server with the token and fails with what it answered. */
const echo = `import { Effect, Redacted, Schema } from "effect"
import { Connector, entity, step } from "parallax-connect"
export default Connector.make({
  name: "echo",
  config: Schema.Struct({ url: Schema.String, token: Schema.Redacted(Schema.String) }),
  steps: [
    step("ok", "Emits one thing").run((ctx) => ctx.emitEntity(entity("echo_thing", "a").class("Host"))),
    step("call", "Calls the API").run((ctx) =>
      Effect.gen(function* () {
        const headers = { authorization: "token " + Redacted.value(ctx.config.token) }
        const response = yield* Effect.tryPromise(() => fetch(ctx.config.url, { headers }))
        const body = yield* Effect.tryPromise(() => response.text())
        yield* ctx.log.warn("the API answered " + response.status + ": " + body)
        return yield* Effect.tryPromise(() => Promise.reject(new Error("HTTP " + response.status + ": " + body)))
      })
    )
  ]
})
`

describe("a secret echoed by a server is masked (the compiled binary)", () => {
  test("github: a 401 repeating the Authorization header, in stderr (text and JSON), history and the store", async () => {
    const dir = tempDir("parallax-secrets-")
    const db = join(dir, "store.db")
    const found: Array<string> = []
    for (const format of ["text", "json"]) {
      const ran = await parallax(
        ["sync", "github", "--db", db, "--set", "org=acme", "--set", `baseUrl=${url()}`, "--log-format", format],
        { env: { PARALLAX_GITHUB_TOKEN: TOKEN } }
      )
      expect(ran.code).toBe(1)
      // The server's words are there, the token in none of its forms.
      expect(ran.stderr).toContain("Bad credentials: Bearer <redacted>")
      expect(ran.stderr).toContain("access_token=<redacted>")
      found.push(...leaks(`stderr (${format})`, ran.stderr), ...leaks(`stdout (${format})`, ran.stdout))
    }
    const history = await parallax(["history", "--db", db, "--json"])
    const runs = JSON.parse(history.stdout) as ReadonlyArray<{ status: string; error?: string }>
    expect(runs.map((run) => run.status)).toEqual(["failed", "failed"])
    expect(runs[0]?.error).toContain("Bad credentials: Bearer <redacted> (as Basic ")
    found.push(
      ...leaks("history --json", history.stdout),
      ...leaks("history", (await parallax(["history", "--db", db])).stdout)
    )
    found.push(...leaks("the store file", storeBytes(db)))
    expect(found).toEqual([])
  }, 120_000)

  test("a step's error and log line, from an Effect.tryPromise that rejected with the body", async () => {
    const dir = tempDir("parallax-secrets-")
    writeFileSync(join(dir, "echo.ts"), echo)
    const db = join(dir, "store.db")
    const found: Array<string> = []
    for (const format of ["text", "json"]) {
      const ran = await parallax(
        ["sync", "./echo.ts", "--db", db, "--set", `url=${url()}`, "--log-format", format, "--json"],
        { cwd: dir, env: { PARALLAX_ECHO_TOKEN: TOKEN } }
      )
      expect(ran.code).toBe(3)
      const result = JSON.parse(ran.stdout) as { steps: ReadonlyArray<{ id: string; error?: string }> }
      // The rejected value's message, not "An unknown error occurred in Effect.tryPromise".
      expect(result.steps.find((step) => step.id === "call")?.error).toStartWith(
        'step "call" failed: Error: HTTP 401: {"message":"Bad credentials: token <redacted> (as Basic '
      )
      expect(ran.stderr).toContain("the API answered 401")
      expect(ran.stderr).toContain("<redacted>")
      found.push(...leaks(`stderr (${format})`, ran.stderr), ...leaks(`stdout (${format})`, ran.stdout))
    }
    const history = await parallax(["history", "--db", db, "--json"], { cwd: dir })
    const runs = JSON.parse(history.stdout) as ReadonlyArray<{ steps: ReadonlyArray<{ id: string; error?: string }> }>
    expect(runs[0]?.steps.find((step) => step.id === "call")?.error).toContain("token <redacted>")
    found.push(...leaks("history --json", history.stdout), ...leaks("the store file", storeBytes(db)))
    expect(found).toEqual([])
  }, 120_000)
})
