// @ts-expect-error Bun imports the file as text (`with { type: "text" }`); TypeScript cannot type that import.
import library from "../../../node_modules/cytoscape/dist/cytoscape.min.js" with { type: "text" }
import type { GraphData } from "./GraphData.ts"
import { pageStyle } from "./PageStyle.ts"
import client from "./page.client.js" with { type: "text" }

/** Text put inside a `<script>` element: `</script` (and `<!--`) cannot end it early. */
const scriptText = (text: string) => text.replace(/<(\/script|!--)/gi, "\\u003c$1")

const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;")

/**
 * One self-contained HTML page drawing `graph`: the graph as JSON, Cytoscape.js, the page's script and
 * style, all inline, so it opens from a file with no network. `title` names what is drawn; `notice`
 * (when something was left out) shows as a banner.
 */
export const graphPage = (graph: GraphData, title: string, notice: string | undefined): string => {
  const data = { title, notice: notice ?? null, nodes: graph.nodes, edges: graph.edges }
  // JSON inside a script element: every `<` escaped, so no text of the graph can close the element.
  const json = JSON.stringify(data).replace(/</g, "\\u003c")
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
${pageStyle}
</style>
</head>
<body>
<header><h1 id="title"></h1><span class="summary" id="summary"></span></header>
<div id="notice" hidden></div>
<main>
<div id="graph"></div>
<aside>
<section class="card"><h2>Search by type or key</h2><input id="search" type="search" placeholder="e.g. host or web-01" autocomplete="off"><div id="match-count"></div><ul id="results"></ul></section>
<section class="card"><h2>Classes</h2><ul id="legend"></ul></section>
<section class="card" id="details"></section>
</aside>
</main>
<script type="application/json" id="graph-data">${json}</script>
<script>${scriptText(library as string)}</script>
<script>${scriptText(client)}</script>
</body>
</html>
`
}
