import { EXAMPLE_INVENTORY } from "../../../src/cli/commands/InitTemplates.ts"

/** A server of the example inventory API that `parallax init`'s connector reads, on loopback; stop it after. */
export const serveInventory = (token: string) => {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (request) => {
      if (request.headers.get("authorization") !== `Bearer ${token}`)
        return new Response("unauthorized", { status: 401 })
      const path = new URL(request.url).pathname
      if (path === "/hosts") return Response.json(EXAMPLE_INVENTORY.hosts)
      const services = /^\/hosts\/([^/]+)\/services$/.exec(path)
      const host = services ? decodeURIComponent(services[1] ?? "") : undefined
      if (host !== undefined && EXAMPLE_INVENTORY.services[host]) return Response.json(EXAMPLE_INVENTORY.services[host])
      return new Response("not found", { status: 404 })
    }
  })
  return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) }
}
