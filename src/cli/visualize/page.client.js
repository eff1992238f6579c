// The page of `parallax visualize`: draws the embedded graph with Cytoscape.js (inlined before this
// script) and wires search and details. Everything from the graph goes into the page as text, never as HTML.
;(() => {
  const data = JSON.parse(document.getElementById("graph-data").textContent)
  const palette = [
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#59a14f",
    "#b07aa1",
    "#edc948",
    "#76b7b2",
    "#ff9da7",
    "#9c755f",
    "#499894",
    "#d37295",
    "#86bcb6",
    "#b6992d",
    "#8cd17d",
    "#bab0ac",
    "#f1ce63"
  ]
  const classes = [...new Set(data.nodes.map((node) => node.class))].sort()
  const colourOf = new Map(classes.map((name, index) => [name, palette[index % palette.length]]))
  const nodesById = new Map(data.nodes.map((node) => [node.id, node]))
  const edgesById = new Map(data.edges.map((edge) => [`r:${edge.id}`, edge]))

  const element = (tag, text, className) => {
    const made = document.createElement(tag)
    if (text !== undefined) made.textContent = text
    if (className !== undefined) made.className = className
    return made
  }

  document.getElementById("title").textContent = data.title
  document.getElementById("summary").textContent =
    `${data.nodes.length} ${data.nodes.length === 1 ? "entity" : "entities"} · ${data.edges.length} ${data.edges.length === 1 ? "relationship" : "relationships"}`
  if (data.notice) {
    const notice = document.getElementById("notice")
    notice.textContent = data.notice
    notice.hidden = false
  }

  const legend = document.getElementById("legend")
  for (const name of classes) {
    const item = element("li")
    const swatch = element("span", undefined, "swatch")
    swatch.style.background = colourOf.get(name)
    item.append(
      swatch,
      element("span", name),
      element("span", String(data.nodes.filter((n) => n.class === name).length), "count")
    )
    legend.append(item)
  }

  const cy = cytoscape({
    container: document.getElementById("graph"),
    elements: [
      ...data.nodes.map((node) => ({
        data: { id: node.id, label: node.label, colour: colourOf.get(node.class) }
      })),
      ...data.edges.map((edge) => ({
        data: { id: `r:${edge.id}`, source: edge.source, target: edge.target, verb: edge.verb }
      }))
    ],
    style: [
      {
        selector: "node",
        style: {
          "background-color": "data(colour)",
          label: "data(label)",
          width: 22,
          height: 22,
          "font-size": 9,
          color: "#1f2933",
          "text-valign": "bottom",
          "text-margin-y": 4,
          "text-outline-color": "#ffffff",
          "text-outline-width": 2,
          "text-max-width": 120,
          "text-wrap": "ellipsis",
          "border-width": 1.5,
          "border-color": "#ffffff",
          "min-zoomed-font-size": 6
        }
      },
      {
        selector: "edge",
        style: {
          width: 1.2,
          "line-color": "#9aa5b1",
          "target-arrow-color": "#9aa5b1",
          "target-arrow-shape": "triangle",
          "arrow-scale": 0.8,
          "curve-style": "bezier",
          label: "data(verb)",
          "font-size": 7,
          color: "#52606d",
          "text-rotation": "autorotate",
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.85,
          "text-background-padding": 1,
          "min-zoomed-font-size": 7
        }
      },
      { selector: ".faded", style: { opacity: 0.15 } },
      { selector: "node.match", style: { "border-color": "#f0b429", "border-width": 4, width: 28, height: 28 } },
      {
        selector: "node:selected",
        style: { "border-color": "#1f2933", "border-width": 3, width: 30, height: 30, "font-weight": "bold" }
      },
      { selector: "edge:selected", style: { width: 2.5, "line-color": "#1f2933", "target-arrow-color": "#1f2933" } },
      {
        selector: "edge.near",
        style: { width: 2, "line-color": "#3e4c59", "target-arrow-color": "#3e4c59", color: "#1f2933", opacity: 1 }
      }
    ],
    layout: {
      name: "cose",
      animate: false,
      randomize: true,
      nodeDimensionsIncludeLabels: true,
      idealEdgeLength: () => 70,
      nodeRepulsion: () => 9000,
      componentSpacing: 60,
      padding: 24
    },
    minZoom: 0.05,
    maxZoom: 4
  })
  window.cy = cy

  const row = (table, name, value) => {
    const tr = element("tr")
    const text = typeof value === "string" ? value : Array.isArray(value) ? value.join(", ") : JSON.stringify(value)
    tr.append(element("th", name), element("td", text))
    table.append(tr)
  }

  const sourcesTable = (sources) => {
    const table = element("table")
    for (const source of sources) {
      row(table, `${source.connector}/${source.account}`, `step ${source.step}, generation ${source.generation}`)
    }
    return table
  }

  const propertiesTable = (properties) => {
    const table = element("table")
    const names = Object.keys(properties).sort()
    if (names.length === 0) row(table, "(none)", "")
    for (const name of names) row(table, name, properties[name])
    return table
  }

  const details = document.getElementById("details")
  const showNothing = () => details.replaceChildren(element("div", "Click a node or an edge to see it here.", "empty"))

  const showNode = (node) => {
    const badge = element("span", node.class, "badge")
    badge.style.background = colourOf.get(node.class)
    const fields = element("table")
    row(fields, "type", node.type)
    row(fields, "key", node.key)
    row(fields, "id", node.id)
    details.replaceChildren(
      element("div", node.label, "title"),
      badge,
      fields,
      element("h3", "Properties"),
      propertiesTable(node.properties),
      element("h3", "Sources"),
      sourcesTable(node.sources)
    )
  }

  const showEdge = (edge) => {
    const from = nodesById.get(edge.source)
    const to = nodesById.get(edge.target)
    const fields = element("table")
    row(fields, "from", `${from.type}/${from.key}`)
    row(fields, "to", `${to.type}/${to.key}`)
    row(fields, "id", edge.id)
    details.replaceChildren(
      element("div", edge.verb, "title"),
      fields,
      element("h3", "Properties"),
      propertiesTable(edge.properties),
      element("h3", "Sources"),
      sourcesTable(edge.sources)
    )
  }

  const focus = (id) => {
    const target = cy.getElementById(id)
    cy.elements().unselect()
    target.select()
    near(target)
    cy.animate({ center: { eles: target }, zoom: Math.max(cy.zoom(), 1.2) }, { duration: 250 })
    showNode(nodesById.get(id))
  }

  /** Highlights the edges of the node just selected. */
  const near = (node) => {
    cy.edges().removeClass("near")
    if (node) node.connectedEdges().addClass("near")
  }

  cy.on("tap", "node", (event) => {
    near(event.target)
    showNode(nodesById.get(event.target.id()))
  })
  cy.on("tap", "edge", (event) => {
    near(undefined)
    showEdge(edgesById.get(event.target.id()))
  })
  cy.on("tap", (event) => {
    if (event.target !== cy) return
    near(undefined)
    showNothing()
  })

  const search = document.getElementById("search")
  const results = document.getElementById("results")
  const count = document.getElementById("match-count")
  let matches = []
  search.addEventListener("input", () => {
    const query = search.value.trim().toLowerCase()
    matches = query
      ? data.nodes.filter((node) =>
          [node.type, node.key, node.label].some((text) => text.toLowerCase().includes(query))
        )
      : []
    cy.batch(() => {
      cy.elements().removeClass("faded match")
      if (query) {
        cy.elements().addClass("faded")
        for (const node of matches) cy.getElementById(node.id).removeClass("faded").addClass("match")
      }
    })
    count.textContent = query ? `${matches.length} ${matches.length === 1 ? "match" : "matches"}` : ""
    results.replaceChildren(
      ...matches.slice(0, 50).map((node) => {
        const item = element("li", `${node.type}/${node.key}`)
        item.title = node.label
        item.addEventListener("click", () => focus(node.id))
        return item
      })
    )
  })
  search.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && matches.length > 0) focus(matches[0].id)
  })

  showNothing()
  document.body.dataset.ready = "true"
})()
