import { FileSystem, Path } from "@effect/platform"
import { Console, Effect } from "effect"
import { Connector } from "../../connector/Connector.ts"
import { sync } from "../../sync/Sync.ts"
import { type CliError, failure, usageError } from "../CliError.ts"
import { configErrorMessage, gatherConfig } from "../ConfigSources.ts"
import { objectCounts } from "../Printable.ts"
import { resolveConnector } from "../ResolveConnector.ts"
import { shown, storeLayer, withExistingStore } from "../StoreAccess.ts"
import { EDGES_PER_NODE, type GraphData, type GraphQuery, readGraph } from "../visualize/GraphData.ts"
import { graphPage } from "../visualize/GraphPage.ts"

export interface VisualizeArgs {
  readonly db: string
  readonly output: string
  readonly types: ReadonlyArray<string>
  readonly connector: string | undefined
  readonly account: string | undefined
  readonly limit: number
  /** Draw what a sync of this connector would commit, computed in a scratch store. */
  readonly connectorRun: string | undefined
  readonly config: string | undefined
  readonly set: ReadonlyArray<string>
}

const filters = (args: VisualizeArgs) =>
  [
    args.connector === undefined ? "" : `connector ${args.connector}`,
    args.account === undefined ? "" : `account ${args.account}`,
    args.types.length === 0 ? "" : `${args.types.length === 1 ? "type" : "types"} ${args.types.join(", ")}`
  ]
    .filter((part) => part !== "")
    .join(", ")

const read = (query: GraphQuery, where: string) =>
  readGraph(query).pipe(Effect.mapError((error) => failure(`reading ${where} failed: ${error.message}`)))

/** The graph a sync of `args.connectorRun` commits into an empty scratch store (never `--db`). */
const fromConnectorRun = (reference: string, args: VisualizeArgs, query: GraphQuery) =>
  Effect.gen(function* () {
    const connector = yield* resolveConnector(reference)
    const config = yield* gatherConfig(connector, { file: args.config, set: args.set, env: process.env })
    yield* Connector.decodeConfig(connector, config.raw).pipe(
      Effect.mapError((error) => usageError(configErrorMessage(error, connector, config)))
    )
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs
      .makeTempDirectoryScoped({ prefix: "parallax-visualize-" })
      .pipe(Effect.mapError((error) => failure(`cannot create a scratch store: ${error.message}`)))
    const account = args.account ?? "default"
    return yield* Effect.gen(function* () {
      const result = yield* sync(connector, { account, config: config.raw }).pipe(
        Effect.mapError((error) =>
          failure(`the sync of ${connector.name} (account ${account}) failed: ${error.message}`)
        )
      )
      const missing = result.steps.filter((step) => step.status !== "succeeded").map((step) => step.id)
      const graph = yield* read({ ...query, account }, "the scratch store")
      return {
        graph,
        title: `parallax graph: what a sync of ${connector.name} (account ${account}) commits`,
        problem:
          missing.length === 0
            ? undefined
            : `Steps that did not succeed, so their rows are missing: ${missing.join(", ")}.`
      }
    }).pipe(Effect.provide(storeLayer((yield* Path.Path).join(dir, "scratch.db"))))
  }).pipe(Effect.scoped)

/** What was left out of the page, for its banner and for standard error. */
const noticeOf = (graph: GraphData, limit: number, problem: string | undefined): string | undefined => {
  const parts = [
    problem,
    graph.truncated
      ? `Showing the first ${limit} entities (by id): more match than can be drawn at once. Narrow the graph with --type, --connector or --account, or raise --limit.`
      : undefined,
    graph.edgesTruncated
      ? `Showing ${graph.edges.length} of the relationships between these entities (at most ${EDGES_PER_NODE} per entity drawn).`
      : undefined
  ].filter((part) => part !== undefined)
  return parts.length === 0 ? undefined : parts.join(" ")
}

/**
 * `parallax visualize`: writes one self-contained HTML page drawing the graph of the store (filtered by
 * `--type`, `--connector`, `--account`, capped by `--limit`), or, with `--connector-run`, of what a sync
 * of that connector commits (into a scratch store: `--db` is neither read nor written).
 */
export const runVisualize = (args: VisualizeArgs): Effect.Effect<number, CliError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    if (!Number.isSafeInteger(args.limit) || args.limit < 1) {
      return yield* usageError(`--limit must be a whole number ≥ 1, got ${args.limit}`)
    }
    const query: GraphQuery = {
      types: args.types,
      connector: args.connector,
      account: args.account,
      limit: args.limit
    }
    const drawn =
      args.connectorRun === undefined
        ? yield* withExistingStore(
            args.db,
            Effect.map(read(query, args.db), (graph) => ({
              graph,
              title: `parallax graph: ${shown(args.db)}${filters(args) === "" ? "" : ` (${filters(args)})`}`,
              problem: undefined
            }))
          )
        : yield* fromConnectorRun(args.connectorRun, args, query)
    const notice = noticeOf(drawn.graph, args.limit, drawn.problem)
    const fs = yield* FileSystem.FileSystem
    yield* fs
      .writeFileString(args.output, graphPage(drawn.graph, drawn.title, notice))
      .pipe(Effect.mapError((error) => failure(`cannot write ${args.output}: ${error.message}`)))
    if (notice !== undefined) yield* Console.error(notice)
    yield* Console.log(`wrote ${args.output}: ${objectCounts(drawn.graph.nodes.length, drawn.graph.edges.length)}`)
    return 0
  })
