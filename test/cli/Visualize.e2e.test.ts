import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { existsSync, mkdirSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import type { Browser, Page } from "playwright-core"
import { parallax, tempDir } from "./support/Binary.ts"
import { launchChromium } from "./support/Browser.ts"

/** Screenshots land here (gitignored), for people to look at. */
const ARTIFACTS = resolve(import.meta.dir, "../../.tmp/artifacts")

interface Opened {
  readonly page: Page
  readonly errors: ReadonlyArray<string>
  readonly requests: ReadonlyArray<string>
}

let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
})

/** Opens a page from its file with every request other than the file itself refused and recorded. */
const open = async (file: string): Promise<Opened> => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  const errors: Array<string> = []
  const requests: Array<string> = []
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning") errors.push(message.text())
  })
  page.on("pageerror", (error) => errors.push(error.message))
  await page.route("**/*", (route) => {
    const url = route.request().url()
    if (url === `file://${file}`) return route.continue()
    requests.push(url)
    return route.abort()
  })
  await page.goto(`file://${file}`)
  await page.waitForSelector("body[data-ready=true]", { timeout: 30_000 })
  return { page, errors, requests }
}

/** How many nodes and edges the page's Cytoscape instance holds. */
const drawn = (page: Page) =>
  page.evaluate("({ nodes: window.cy.nodes().length, edges: window.cy.edges().length })") as Promise<{
    nodes: number
    edges: number
  }>

describe("parallax visualize (the compiled binary, in headless chromium)", () => {
  const dir = tempDir("parallax-visualize-")
  const db = join(dir, "store.db")

  test("draws the whole store: every entity and relationship, coloured by class; search and click work", async () => {
    expect((await parallax(["sync", "synthetic", "--db", db])).code).toBe(0)
    const entities = JSON.parse((await parallax(["entities", "--db", db, "--json"])).stdout) as ReadonlyArray<{
      id: string
      type: string
      key: string
      class: string
      displayName: string
      properties: Record<string, unknown>
    }>
    const relationships = JSON.parse(
      (await parallax(["relationships", "--db", db, "--json"])).stdout
    ) as ReadonlyArray<unknown>
    const file = join(dir, "graph.html")
    const ran = await parallax(["visualize", "--db", db, "--output", file])
    expect(ran.code).toBe(0)
    expect(ran.stdout).toBe(`wrote ${file}: ${entities.length} entities, ${relationships.length} relationships\n`)
    expect(readFileSync(file, "utf8")).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/[^"'\s]*\.(js|css)/)

    const { page, errors, requests } = await open(file)
    expect(await drawn(page)).toEqual({ nodes: entities.length, edges: relationships.length })
    expect(await page.textContent("#summary")).toBe(
      `${entities.length} entities · ${relationships.length} relationships`
    )
    expect(await page.isHidden("#notice")).toBe(true)
    const legend = await page.$$eval("#legend li", (items) => items.map((item) => item.textContent))
    expect(legend).toContain(`Host${entities.filter((e) => e.class === "Host").length}`)
    const colours = (await page.evaluate(
      "window.cy.nodes().map((node) => node.style('background-color'))"
    )) as ReadonlyArray<string>
    expect(new Set(colours).size).toBe(new Set(entities.map((e) => e.class)).size)

    // Search by key: exactly the one entity, listed and highlighted.
    const target = entities.find((e) => e.type === "synthetic_instance") ?? entities[0]
    if (target === undefined) throw new Error("no entity synced")
    const matching = (query: string) =>
      entities.filter((e) =>
        [e.type, e.key, e.displayName === "" ? e.key : e.displayName].some((text) =>
          text.toLowerCase().includes(query.toLowerCase())
        )
      )
    await page.fill("#search", target.key)
    const found = matching(target.key)
    expect(found.map((e) => e.key)).toContain(target.key)
    expect(await page.textContent("#match-count")).toBe(`${found.length} ${found.length === 1 ? "match" : "matches"}`)
    expect(await page.$$eval("#results li", (items) => items.map((item) => item.textContent))).toEqual(
      found.map((e) => `${e.type}/${e.key}`)
    )
    expect(await page.evaluate("window.cy.nodes('.match').map((node) => node.id())")).toEqual(found.map((e) => e.id))
    // By type: every entity of it.
    await page.fill("#search", "synthetic_user")
    const users = entities.filter((e) => e.type === "synthetic_user").length
    expect(await page.textContent("#match-count")).toBe(`${users} matches`)
    await page.fill("#search", target.key)

    // A real click on the node shows its properties and sources.
    const point = (await page.evaluate(`(() => {
      const box = document.getElementById("graph").getBoundingClientRect()
      const at = window.cy.getElementById(${JSON.stringify(target.id)}).renderedPosition()
      return { x: box.left + at.x, y: box.top + at.y }
    })()`)) as { x: number; y: number }
    await page.mouse.click(point.x, point.y)
    const details = (await page.textContent("#details")) ?? ""
    expect(details).toContain(target.key)
    expect(details).toContain(target.class)
    for (const name of Object.keys(target.properties)) expect(details).toContain(name)
    expect(details).toContain("synthetic/default")
    expect(details).toContain("step instances")

    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: join(ARTIFACTS, "visualize.png") })
    expect(existsSync(join(ARTIFACTS, "visualize.png"))).toBe(true)
    expect(errors).toEqual([])
    expect(requests).toEqual([])
    await page.close()
  }, 120_000)

  test("caps a large graph with a clear message, and filters by type, connector and account", async () => {
    const capped = join(dir, "capped.html")
    const ran = await parallax(["visualize", "--db", db, "--output", capped, "--limit", "10"])
    expect(ran.code).toBe(0)
    expect(ran.stderr).toContain("Showing the first 10 entities (by id): more match than can be drawn at once.")
    const { page, errors } = await open(capped)
    expect((await drawn(page)).nodes).toBe(10)
    expect(await page.textContent("#notice")).toContain("Narrow the graph with --type, --connector or --account")
    expect(errors).toEqual([])
    await page.close()

    const typed = join(dir, "typed.html")
    const users = await parallax([
      "visualize",
      "--db",
      db,
      "-o",
      typed,
      "--type",
      "synthetic_user",
      "--type",
      "synthetic_role"
    ])
    expect(users.code).toBe(0)
    const all = JSON.parse((await parallax(["entities", "--db", db, "--json"])).stdout) as ReadonlyArray<{
      type: string
    }>
    const expected = all.filter((e) => e.type === "synthetic_user" || e.type === "synthetic_role").length
    const assigned = JSON.parse(
      (await parallax(["relationships", "--db", db, "--json", "--verb", "ASSIGNED"])).stdout
    ) as ReadonlyArray<{
      fromType: string
      toType: string
    }>
    const between = assigned.filter((r) => r.fromType === "synthetic_user" && r.toType === "synthetic_role").length
    expect(users.stdout).toContain(`: ${expected} entities, ${between} relationships`)

    const other = await parallax(["visualize", "--db", db, "-o", join(dir, "none.html"), "--connector", "github"])
    expect(other.stdout).toContain(": 0 entities, 0 relationships")
    const account = await parallax(["visualize", "--db", db, "-o", join(dir, "acc.html"), "--account", "elsewhere"])
    expect(account.stdout).toContain(": 0 entities, 0 relationships")
    const missing = await parallax(["visualize", "--db", join(dir, "nope.db"), "-o", join(dir, "x.html")])
    expect(missing.code).toBe(2)
    expect(existsSync(join(dir, "nope.db"))).toBe(false)
  }, 120_000)

  test("--connector-run draws what a sync of a connector commits, without touching --db", async () => {
    const file = join(dir, "run.html")
    const untouched = join(dir, "untouched.db")
    const ran = await parallax([
      "visualize",
      "--connector-run",
      "synthetic",
      "--set",
      "instances=3",
      "--set",
      "users=2",
      "--db",
      untouched,
      "-o",
      file
    ])
    expect(ran.code).toBe(0)
    expect(existsSync(untouched)).toBe(false)
    const synced = join(dir, "reference.db")
    await parallax(["sync", "synthetic", "--set", "instances=3", "--set", "users=2", "--db", synced])
    const stats = JSON.parse((await parallax(["stats", "--db", synced, "--json"])).stdout) as {
      scopes: ReadonlyArray<{ entities: number; relationships: number }>
    }
    const scope = stats.scopes[0]
    expect(ran.stdout).toBe(`wrote ${file}: ${scope?.entities} entities, ${scope?.relationships} relationships\n`)
    const { page, errors } = await open(file)
    expect(await drawn(page)).toEqual({ nodes: scope?.entities ?? -1, edges: scope?.relationships ?? -1 })
    expect(await page.textContent("#title")).toBe("parallax graph: what a sync of synthetic (account default) commits")
    expect(errors).toEqual([])
    await page.close()
    const partial = await parallax([
      "visualize",
      "--connector-run",
      "synthetic",
      "--set",
      "failSteps=agents",
      "-o",
      file
    ])
    expect(partial.code).toBe(0)
    expect(partial.stderr).toContain("Steps that did not succeed, so their rows are missing: agents.")
    const bad = await parallax(["visualize", "--connector-run", "synthetic", "--set", "instances=lots", "-o", file])
    expect(bad.code).toBe(2)
  }, 120_000)
})
