import { Effect, Stream } from "effect"
import { type GraphEntity, type GraphRelationship, type Source, Store, type StoreFailure } from "../../store/Store.ts"

/** What `parallax visualize` draws and from where: filters and caps. */
export interface GraphQuery {
  /** Only entities of these types (all when empty). */
  readonly types: ReadonlyArray<string>
  readonly connector: string | undefined
  readonly account: string | undefined
  /** At most this many entities are drawn. */
  readonly limit: number
}

/** One node of the page: an entity with its sources. */
export interface GraphNode {
  readonly id: string
  readonly type: string
  readonly key: string
  readonly class: string
  readonly label: string
  readonly properties: Readonly<Record<string, unknown>>
  readonly sources: ReadonlyArray<Source>
}

/** One edge of the page: a relationship between two drawn nodes. */
export interface GraphEdge {
  readonly id: string
  readonly source: string
  readonly target: string
  readonly verb: string
  readonly properties: Readonly<Record<string, unknown>>
  readonly sources: ReadonlyArray<Source>
}

/** The graph handed to the page, with what was left out and why. */
export interface GraphData {
  readonly nodes: ReadonlyArray<GraphNode>
  readonly edges: ReadonlyArray<GraphEdge>
  /** More entities matched than `limit`: only the first `limit` (by id) are drawn. */
  readonly truncated: boolean
  /** More edges joined the drawn nodes than the page draws. */
  readonly edgesTruncated: boolean
}

/** How many edges a page draws per drawn node at most: beyond it, a layout takes too long to be useful. */
export const EDGES_PER_NODE = 4

const node = (entity: GraphEntity): GraphNode => ({
  id: entity.id,
  type: entity.type,
  key: entity.key,
  class: entity.class,
  label: entity.displayName === "" ? entity.key : entity.displayName,
  properties: entity.properties,
  sources: entity.sources
})

const edge = (relationship: GraphRelationship): GraphEdge => ({
  id: relationship.id,
  source: relationship.fromId,
  target: relationship.toId,
  verb: relationship.verb,
  properties: relationship.properties,
  sources: relationship.sources
})

/**
 * The graph of the store under `query`, read through the store port only: the entities by `entities`
 * (one read per type, capped at `limit + 1` to know whether there are more), then the relationships
 * between them from the streamed `exportGraph`, so memory stays bounded by what is drawn.
 */
export const readGraph = (query: GraphQuery): Effect.Effect<GraphData, StoreFailure, Store> =>
  Effect.gen(function* () {
    const store = yield* Store
    const filter = {
      ...(query.connector === undefined ? {} : { connector: query.connector }),
      ...(query.account === undefined ? {} : { account: query.account }),
      limit: query.limit + 1
    }
    const reads = query.types.length === 0 ? [undefined] : [...new Set(query.types)]
    const found = new Map<string, GraphEntity>()
    for (const type of reads) {
      for (const entity of yield* store.entities(type === undefined ? filter : { ...filter, type })) {
        found.set(entity.id, entity)
      }
    }
    const sorted = [...found.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    const nodes = sorted.slice(0, query.limit).map(node)
    const drawn = new Set(nodes.map((n) => n.id))
    const maxEdges = Math.max(1, nodes.length) * EDGES_PER_NODE
    const asserted = (sources: ReadonlyArray<Source>) =>
      sources.some(
        (source) =>
          (query.connector === undefined || source.connector === query.connector) &&
          (query.account === undefined || source.account === query.account)
      )
    const edges: Array<GraphEdge> = []
    let edgesTruncated = false
    yield* store.exportGraph().pipe(
      Stream.runForEach((item) =>
        Effect.sync(() => {
          if (item._tag !== "Relationship" || !drawn.has(item.fromId) || !drawn.has(item.toId)) return
          if (!asserted(item.sources)) return
          if (edges.length < maxEdges) edges.push(edge(item))
          else edgesTruncated = true
        })
      )
    )
    return { nodes, edges, truncated: sorted.length > query.limit, edgesTruncated }
  })
